"""Congresses: an index per site and one page per congress. Speakers and outcomes
(snippets the page shows) are in ``congress.snippets``."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from home.blocks import DocumentLinkBlock
from home.models import BasePage, IntroMixin

from . import timing
from .blocks import LivestreamBlock, OrganiserBlock, SessionBlock, SpeakerChooserBlock
from .context import congress_context, index_context
from .ics import congress_calendar
from .question_pages import QuestionPageMixin
from .questions import Question
from .registration_pages import RegistrationPageMixin
from .registrations import Registration, RegistrationEmail
from .snippets import Outcome, Speaker

__all__ = [
    "CongressIndexPage",
    "CongressPage",
    "Outcome",
    "Question",
    "Registration",
    "RegistrationEmail",
    "Speaker",
]


class CongressIndexPage(IntroMixin, BasePage):
    """The congresses of one organisation: upcoming first, then past ones."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["congress.CongressPage"]
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields
    content_panels = Page.content_panels + IntroMixin.intro_panels

    class Meta:
        verbose_name = _("congress index page")
        verbose_name_plural = _("congress index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        congresses = CongressPage.objects.child_of(self).live().public()
        context.update(index_context(congresses, request, timezone.now()))
        return context


class CongressPage(
    RegistrationPageMixin, QuestionPageMixin, RoutablePageMixin, IntroMixin, BasePage
):
    """One congress: theme, aims, time and place, agenda, speakers, livestream,
    documents, and the running record of its outcomes (``Outcome``)."""

    number = models.PositiveSmallIntegerField(
        _("number"),
        null=True,
        blank=True,
        help_text=_("2 for the 2nd National Congress. Leave empty if it has no number."),
    )
    theme = models.CharField(_("theme or motto"), max_length=300, blank=True)
    aims = RichTextField(
        _("aims"), blank=True, features=["bold", "italic", "link", "ol", "ul", "document-link"]
    )
    start_at = models.DateTimeField(_("starts at"), help_text=_("Kosovo time (Europe/Belgrade)."))
    end_at = models.DateTimeField(_("ends at"), help_text=_("Kosovo time (Europe/Belgrade)."))

    venue_name = models.CharField(_("venue"), max_length=200)
    venue_street = models.CharField(_("street and number"), max_length=200, blank=True)
    venue_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    venue_city = models.CharField(_("city"), max_length=100, blank=True)
    venue_country = models.CharField(_("country"), max_length=100, blank=True)
    map_url = models.URLField(
        _("map link"),
        blank=True,
        help_text=_("Leave empty to link to a search for the address on OpenStreetMap."),
    )
    contact_phone = models.CharField(_("phone for the congress"), max_length=40, blank=True)

    organisers = StreamField(
        [("organiser", OrganiserBlock())], verbose_name=_("organisers and partners"), blank=True
    )
    livestreams = StreamField(
        [("livestream", LivestreamBlock())], verbose_name=_("livestream links"), blank=True
    )
    recording_url = models.URLField(
        _("recording"),
        blank=True,
        help_text=_("After the congress this link replaces the livestream."),
    )
    agenda = StreamField([("session", SessionBlock())], verbose_name=_("agenda"), blank=True)
    speakers = StreamField(
        [("speaker", SpeakerChooserBlock())], verbose_name=_("speakers"), blank=True
    )
    documents = StreamField(
        [("document", DocumentLinkBlock())], verbose_name=_("documents"), blank=True
    )

    # Taking part (``registrations``, ``questions``)
    registration_enabled = models.BooleanField(
        _("take registrations"),
        default=False,
        help_text=_("Visitors register to attend, in person or online, until it closes."),
    )
    in_person_places = models.PositiveIntegerField(
        _("places in the hall"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit; 0 to take no registrations to attend in person."),
    )
    online_places = models.PositiveIntegerField(
        _("places online"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit; 0 to take no registrations to follow online."),
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close registration when the congress starts."),
    )
    registration_consent_text = models.TextField(
        _("consent text for registrations"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Shown next to the consent box of the registration form and stored with "
            "every registration, word for word."
        ),
    )
    questions_enabled = models.BooleanField(
        _("take questions and comments"),
        default=False,
        help_text=_(
            "Before and during the congress visitors send questions and comments; "
            "they are public once event staff approve them. Turned off, the page shows "
            "no questions, not even those published before."
        ),
    )
    show_member_organisations = models.BooleanField(
        _("show the member organisations"),
        default=False,
        help_text=_("Lists the platform's member organisations on this page."),
    )

    parent_page_types = ["congress.CongressIndexPage"]
    subpage_types = []

    override_translatable_fields = [
        SynchronizedField("venue_postal_code"),
        SynchronizedField("contact_phone"),
    ]

    search_fields = (
        Page.search_fields
        + IntroMixin.search_fields
        + [
            index.SearchField("theme"),
            index.SearchField("aims"),
            index.SearchField("agenda"),
            index.FilterField("start_at"),
        ]
    )

    content_panels = (
        Page.content_panels
        + [FieldRowPanel([FieldPanel("number"), FieldPanel("theme")])]
        + IntroMixin.intro_panels
        + [
            FieldPanel("aims"),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("start_at"), FieldPanel("end_at")])],
                heading=_("Time"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("venue_name"),
                    FieldPanel("venue_street"),
                    FieldRowPanel([FieldPanel("venue_postal_code"), FieldPanel("venue_city")]),
                    FieldPanel("venue_country"),
                    FieldPanel("map_url"),
                    FieldPanel("contact_phone"),
                ],
                heading=_("Place"),
            ),
            FieldPanel("organisers"),
        ]
    )
    programme_panels = [FieldPanel("agenda"), FieldPanel("speakers"), FieldPanel("documents")]
    stream_panels = [
        HelpPanel(
            content=_(
                "<p>Add the livestream links before the congress. The page shows the "
                "player where the service allows it, and a link otherwise. Outcomes "
                "(resolutions, quotes, photos, documents) are added under "
                "<em>Congresses → Outcomes</em> in the menu and appear without editing "
                "this page.</p>"
            )
        ),
        FieldPanel("livestreams"),
        FieldPanel("recording_url"),
    ]
    participation_panels = [
        MultiFieldPanel(
            [
                FieldPanel("registration_enabled"),
                FieldRowPanel([FieldPanel("in_person_places"), FieldPanel("online_places")]),
                FieldPanel("registration_closes_at"),
                FieldPanel("registration_consent_text"),
            ],
            heading=_("Registration"),
        ),
        FieldPanel("questions_enabled"),
        FieldPanel("show_member_organisations"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(programme_panels, heading=_("Programme")),
            ObjectList(stream_panels, heading=_("Livestream")),
            ObjectList(participation_panels, heading=_("Taking part")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("congress page")
        verbose_name_plural = _("congress pages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__gt=models.F("start_at")),
                name="congress_ends_after_it_starts",
            )
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            errors["end_at"] = _("The congress must end after it starts.")
        if self.registration_enabled and not self.registration_consent_text.strip():
            errors["registration_consent_text"] = _(
                "Write the consent text registrants agree to before taking registrations."
            )
        if (
            self.registration_closes_at
            and self.end_at
            and self.registration_closes_at > self.end_at
        ):
            errors["registration_closes_at"] = _(
                "Registration must close before the congress ends."
            )
        if errors:
            raise ValidationError(errors)

    # The clock -------------------------------------------------------------------

    def state_at(self, now):
        return timing.state_at(self.start_at, self.end_at, now)

    def seconds_until_change(self, now):
        return timing.seconds_until_change(self.start_at, self.end_at, now)

    @property
    def is_multi_day(self):
        return timing.local(self.start_at).date() != timing.local(self.end_at).date()

    # Place -------------------------------------------------------------------------

    @property
    def address_lines(self):
        postal = " ".join(p for p in (self.venue_postal_code, self.venue_city) if p)
        return [line for line in (self.venue_street, postal, self.venue_country) if line]

    @property
    def location_text(self):
        return ", ".join([self.venue_name, *self.address_lines])

    @property
    def map_link(self):
        if self.map_url:
            return self.map_url
        query = (
            ", ".join(
                p
                for p in (
                    self.venue_street,
                    self.venue_postal_code,
                    self.venue_city,
                    self.venue_country,
                )
                if p
            )
            or self.venue_name
        )
        return "https://www.openstreetmap.org/search?" + urlencode({"query": query})

    @cached_property
    def first_version(self):
        """The congress's first version (any language): its registration, places
        and questions settings hold for every translation."""
        if not self.pk:
            return self
        first = (
            CongressPage.objects.filter(translation_key=self.translation_key).order_by("pk").first()
        )
        return first if first is not None and first.pk != self.pk else self

    # Streams -------------------------------------------------------------------------

    @cached_property
    def stream_urls(self):
        return [block.value["url"] for block in self.livestreams if block.value.get("url")]

    # Views ---------------------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(congress_context(self, request, timezone.now()))
        return context

    @path("calendar/", name="ics")
    def ics(self, request):
        response = HttpResponse(
            congress_calendar(self, request), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.slug}.ics"'
        # Not a page response: the calendar file is marked for the page cache here.
        response.page_cacheable = True
        return response

    def ics_url(self, request=None):
        url = self.get_url(request)
        return url + self.reverse_subpage("ics") if url else ""
