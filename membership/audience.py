"""Who receives a message: the audience form and the people it selects.

Only people who can be written to are ever selected (``contactable``): not erased,
with an address that is not marked undeliverable, who agreed to email from the
organisation and did not unsubscribe since, with at least one confirmed sign-up.
Each criterion the officer chooses narrows the audience further; a criterion left
empty does not narrow it.
"""

from datetime import datetime, time

from django import forms
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from home.languages import site_languages

from .constants import SignUpKind, municipality_choices
from .mailings import UndeliverableAddress
from .people import signup_pages
from .records import MembershipSettings, SignUp, Supporter

#: The kinds of sign-up a message can be sent to (an organisation's application is
#: written to by other means).
AUDIENCE_KINDS = [
    (SignUpKind.MEMBERSHIP, _("Members")),
    (SignUpKind.VOLUNTEER, _("Volunteers")),
    (SignUpKind.SIGNATURE, _("Signers of a statement")),
    (SignUpKind.REGISTRATION, _("Registered for a congress")),
]


def contactable(site):
    """The organisation's people who can be written to at all."""
    return (
        Supporter.objects.filter(
            site=site,
            erased_at__isnull=True,
            email__isnull=False,
            contact_consent_at__isnull=False,
        )
        .exclude(email="")
        .exclude(email__in=UndeliverableAddress.objects.filter(site=site).values("email"))
        .filter(
            Exists(SignUp.objects.filter(supporter=OuterRef("pk"), state=SignUp.State.CONFIRMED))
        )
    )


def is_contactable(supporter):
    return contactable(supporter.site).filter(pk=supporter.pk).exists()


class Audience(forms.Form):
    """The criteria of a message's audience, for one organisation."""

    kinds = forms.MultipleChoiceField(
        label=_("Who"),
        required=False,
        choices=AUDIENCE_KINDS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: people with any confirmed sign-up."),
    )
    pages = forms.MultipleChoiceField(
        label=_("Signed or registered on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only people who signed these statements or registered for these events."),
    )
    municipalities = forms.MultipleChoiceField(
        label=_("Municipality"),
        required=False,
        choices=municipality_choices,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("None chosen: every place. Hold Ctrl (or ⌘) to choose several."),
    )
    areas = forms.MultipleChoiceField(
        label=_("Volunteers for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only volunteers who offered help in one of these areas."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Language"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirmed_since = forms.DateField(
        label=_("Confirmed since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only sign-ups confirmed on or after this day."),
    )

    def __init__(self, *args, site, language=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        # Statements and congresses people signed or registered on, one choice per
        # page in every language (its translation key), titled in ``language``
        # where the page has a translation in it.
        signed = signup_pages([site]).filter(
            Exists(
                SignUp.objects.filter(
                    page=OuterRef("pk"),
                    kind__in=[SignUpKind.SIGNATURE, SignUpKind.REGISTRATION],
                )
            )
        )
        keys = {page.translation_key for page in signed}
        titles = {}
        for page in Page.objects.filter(translation_key__in=keys).select_related("locale"):
            key = str(page.translation_key)
            if key not in titles or page.locale.language_code == language:
                titles[key] = page.title
        self.fields["pages"].choices = sorted(titles.items(), key=lambda item: item[1])
        self.fields["areas"].choices = MembershipSettings.for_site(site).area_choices(language)
        self.fields["languages"].choices = site_languages(site)
        # A criterion with nothing to choose from is not shown.
        for name in ("pages", "areas"):
            if not self.fields[name].choices:
                del self.fields[name]

    def as_json(self):
        """The cleaned criteria, as stored on the message."""
        data = dict(self.cleaned_data)
        since = data.get("confirmed_since")
        data["confirmed_since"] = since.isoformat() if since else ""
        return data


def recipients(site, audience):
    """The people of ``site`` a stored audience (``Audience.as_json``) selects."""
    people = contactable(site)
    confirmed = SignUp.objects.filter(supporter=OuterRef("pk"), state=SignUp.State.CONFIRMED)
    since = audience.get("confirmed_since")
    if since:
        day = datetime.fromisoformat(since).date()
        confirmed = confirmed.filter(
            confirmed_at__gte=timezone.make_aware(datetime.combine(day, time.min))
        )
    kinds = audience.get("kinds") or []
    people = people.filter(Exists(confirmed.filter(kind__in=kinds) if kinds else confirmed))
    if audience.get("pages"):
        people = people.filter(
            Exists(confirmed.filter(page__translation_key__in=audience["pages"]))
        )
    if audience.get("areas"):
        # Areas are slugs in a JSON list; a slug's quoted form is found in the list's
        # text on every database (PostgreSQL's JSON containment has no SQLite twin).
        any_area = Q()
        for key in audience["areas"]:
            any_area |= Q(areas_text__contains=f'"{key}"')
        people = people.filter(
            Exists(
                confirmed.filter(kind=SignUpKind.VOLUNTEER)
                .annotate(areas_text=Cast("areas", TextField()))
                .filter(any_area)
            )
        )
    if audience.get("municipalities"):
        people = people.filter(municipality__in=audience["municipalities"])
    if audience.get("languages"):
        people = people.filter(language__in=audience["languages"])
    return people
