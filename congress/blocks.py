"""StreamField blocks only congress pages use: livestream links, agenda sessions,
organisers and partners, speakers. Shared blocks (documents) come from ``home.blocks``."""

from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

GROUP_CONGRESS = _("Congress")

# Hostnames (and their subdomains) of the video services we can name for visitors.
PROVIDERS = {
    "facebook.com": "Facebook",
    "fb.watch": "Facebook",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "vimeo.com": "Vimeo",
    "twitch.tv": "Twitch",
    "instagram.com": "Instagram",
    "tiktok.com": "TikTok",
    "x.com": "X",
    "twitter.com": "X",
    "linkedin.com": "LinkedIn",
}


def provider_name(url):
    """The name of the service that hosts ``url`` ("Facebook", "YouTube"), or its
    hostname for any other site."""
    host = (urlsplit(url).hostname or "").lower()
    for domain, name in PROVIDERS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return host.removeprefix("www.") or url


class LivestreamValue(blocks.StructValue):
    def provider(self):
        return self.get("provider_name") or provider_name(self.get("url") or "")


class LivestreamBlock(blocks.StructBlock):
    """A link to a livestream. It is shown as an embedded player when the provider
    allows embedding and answers, otherwise as a plain link naming the provider."""

    url = blocks.URLBlock(
        label=_("Link to the livestream"),
        help_text=_("A Facebook, YouTube or any other page where the congress is streamed."),
    )
    provider_name = blocks.CharBlock(
        label=_("Name of the service"),
        required=False,
        max_length=60,
        help_text=_("Leave empty to use the name taken from the link (Facebook, YouTube…)."),
    )
    label = blocks.CharBlock(
        label=_("Description"),
        required=False,
        max_length=120,
        help_text=_("For example the language or the hall of this stream."),
    )

    class Meta:
        icon = "media"
        group = GROUP_CONGRESS
        label = _("Livestream")
        value_class = LivestreamValue
        description = _("A link to the live video of the congress")
        preview_value = {
            "url": "https://www.facebook.com/FESPrishtina/videos/376874046257226/",
            "label": "Salla kryesore",
        }


class OrganiserBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name"), max_length=200)
    role = blocks.ChoiceBlock(
        label=_("Role"),
        choices=[("organiser", _("Organiser")), ("partner", _("Partner"))],
        default="organiser",
    )
    url = blocks.URLBlock(label=_("Website"), required=False)
    logo = ImageChooserBlock(label=_("Logo"), required=False)

    class Meta:
        icon = "group"
        group = GROUP_CONGRESS
        label = _("Organiser")
        description = _("An organisation that organises or supports the congress")
        preview_value = {"name": "Kosova që e duam", "role": "organiser"}


class SessionBlock(blocks.StructBlock):
    day = blocks.DateBlock(
        label=_("Day"),
        required=False,
        help_text=_("Only for congresses of more than one day; empty means the first day."),
    )
    start_time = blocks.TimeBlock(label=_("Starts at"))
    end_time = blocks.TimeBlock(label=_("Ends at"), required=False)
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    room = blocks.CharBlock(label=_("Room"), required=False, max_length=100)
    description = blocks.TextBlock(label=_("Description"), required=False)
    speakers = blocks.ListBlock(
        SnippetChooserBlock("congress.Speaker", label=_("Speaker")),
        label=_("Speakers"),
        default=[],
    )

    class Meta:
        icon = "time"
        group = GROUP_CONGRESS
        label = _("Session")
        description = _("One session of the agenda, with its time, room and speakers")
        preview_value = {
            "start_time": "10:00",
            "end_time": "11:30",
            "title": "Paneli i parë: siguria sociale",
            "room": "Salla e madhe",
        }


class SpeakerChooserBlock(SnippetChooserBlock):
    def __init__(self, **kwargs):
        super().__init__("congress.Speaker", **kwargs)

    class Meta:
        icon = "user"
        group = GROUP_CONGRESS
        label = _("Speaker")
        description = _("A speaker chosen from the shared list of speakers")
