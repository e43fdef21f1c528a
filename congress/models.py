"""Congresses: an index per site, one page per congress, speakers shared between
congresses, and outcomes that event staff publish during and after the congress
without editing the page."""

from urllib.parse import urlencode

from django.contrib.contenttypes.fields import GenericRelation
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
    PublishingPanel,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    DraftStateMixin,
    Page,
    RevisionMixin,
    TranslatableMixin,
)
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from home.blocks import DocumentLinkBlock
from home.cache import limit_page_cache
from home.models import BasePage, IntroMixin

from . import timing
from .blocks import LivestreamBlock, OrganiserBlock, SessionBlock, SpeakerChooserBlock


class Speaker(TranslatableMixin, index.Indexed, models.Model):
    """A person who speaks at congresses; chosen in the agenda of any congress."""

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField(_("short biography"), blank=True, max_length=1000)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("role"), FieldPanel("organisation")]),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("organisation"),
        index.FilterField("locale"),
    ]
    translatable_fields = [
        SynchronizedField("name", overridable=True),
        TranslatableField("role"),
        TranslatableField("organisation"),
        SynchronizedField("photo"),
        TranslatableField("bio"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CongressIndexPage(IntroMixin, BasePage):
    """The congresses of one organisation: upcoming first, then past ones."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["congress.CongressPage"]
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields

    class Meta:
        verbose_name = _("congress index page")
        verbose_name_plural = _("congress index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        congresses = list(
            CongressPage.objects.child_of(self)
            .live()
            .public()
            .select_related("locale")
            .order_by("start_at")
        )
        upcoming = [c for c in congresses if c.end_at > now]
        past = sorted((c for c in congresses if c.end_at <= now), key=lambda c: c.start_at)
        past.reverse()
        for congress in congresses:
            congress.state = congress.state_at(now)
            change = congress.seconds_until_change(now)
            if change is not None:
                limit_page_cache(request, change)
        context.update(upcoming=upcoming, past=past)
        return context


class CongressPage(RoutablePageMixin, IntroMixin, BasePage):
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
        + IntroMixin.content_panels
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
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(programme_panels, heading=_("Programme")),
            ObjectList(stream_panels, heading=_("Livestream")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList([PublishingPanel()] + Page.settings_panels, heading=_("Settings")),
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
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValidationError({"end_at": _("The congress must end after it starts.")})

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

    # Streams -------------------------------------------------------------------------

    @cached_property
    def stream_urls(self):
        return [block.value["url"] for block in self.livestreams if block.value.get("url")]

    # Views ---------------------------------------------------------------------------

    def serve(self, request, *args, **kwargs):
        # RoutablePageMixin calls the route's view directly, so BasePage.serve never
        # runs for it: mark the page and its .ics as cacheable here.
        response = super().serve(request, *args, **kwargs)
        if self.page_cache and not getattr(request, "is_preview", False):
            response.page_cacheable = True
        return response

    def get_context(self, request, *args, **kwargs):
        from .context import congress_context

        context = super().get_context(request, *args, **kwargs)
        context.update(congress_context(self, request, timezone.now()))
        return context

    @path("calendar/", name="ics")
    def ics(self, request):
        from .ics import congress_calendar

        response = HttpResponse(
            congress_calendar(self, request), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.slug}.ics"'
        return response

    def ics_url(self, request=None):
        url = self.get_url(request)
        return url + self.reverse_subpage("ics") if url else ""


class Outcome(TranslatableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """Something the congress produced: a result, resolution or decision, a quote, a
    photo or a document. Published on its own; the congress page shows every live
    outcome as a running record, so no page edit is needed."""

    RESULT = "result"
    RESOLUTION = "resolution"
    DECISION = "decision"
    QUOTE = "quote"
    PHOTO = "photo"
    DOCUMENT = "document"
    KIND_CHOICES = [
        (RESULT, _("Result")),
        (RESOLUTION, _("Resolution")),
        (DECISION, _("Decision")),
        (QUOTE, _("Quote")),
        (PHOTO, _("Photo")),
        (DOCUMENT, _("Document")),
    ]
    NUMBERED_KINDS = {RESULT, RESOLUTION, DECISION}

    STATUS_CHOICES = [
        ("discussion", _("Under discussion")),
        ("adopted", _("Adopted")),
        ("rejected", _("Rejected")),
        ("in_progress", _("Being carried out")),
        ("done", _("Carried out")),
    ]

    congress = models.ForeignKey(
        CongressPage,
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="outcomes",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES, default=RESOLUTION)
    number = models.PositiveSmallIntegerField(
        _("number"), null=True, blank=True, help_text=_("For results, resolutions and decisions.")
    )
    title = models.CharField(_("title"), max_length=250, blank=True)
    text = models.TextField(
        _("text"), blank=True, help_text=_("The text of the resolution, or the words quoted.")
    )
    status = models.CharField(_("status"), max_length=20, choices=STATUS_CHOICES, blank=True)
    attribution = models.CharField(
        _("who said it"), max_length=200, blank=True, help_text=_("For quotes.")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Minutes, a declaration or any other document."),
    )
    happened_at = models.DateTimeField(
        _("time"), default=timezone.now, help_text=_("When it happened (Kosovo time).")
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="outcome")

    # The admin form (panels, choice of congress) is in views.OutcomeViewSet.
    translatable_fields = [
        SynchronizedField("congress"),
        SynchronizedField("kind"),
        SynchronizedField("number"),
        SynchronizedField("status"),
        SynchronizedField("happened_at"),
        TranslatableField("title"),
        TranslatableField("text"),
        TranslatableField("attribution"),
        SynchronizedField("image"),
        SynchronizedField("document"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("congress outcome")
        verbose_name_plural = _("congress outcomes")
        ordering = ["happened_at", "pk"]
        indexes = [models.Index(fields=["congress", "happened_at"], name="outcome_congress_time")]

    def __str__(self):
        label = self.get_kind_display()
        if self.number and self.kind in self.NUMBERED_KINDS:
            label = f"{label} {self.number}"
        detail = self.title or self.text[:60] or (self.attribution if self.attribution else "")
        return f"{label}: {detail}" if detail else str(label)

    def clean(self):
        super().clean()
        errors = {}
        if self.kind in self.NUMBERED_KINDS | {self.QUOTE} and not (self.text or self.title):
            errors["text"] = _("Write the text of this outcome.")
        if self.kind == self.PHOTO and not self.image_id:
            errors["image"] = _("Choose the photo.")
        if self.kind == self.DOCUMENT and not self.document_id:
            errors["document"] = _("Choose the document.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_numbered(self):
        return self.kind in self.NUMBERED_KINDS

    @property
    def revisions(self):
        return self._revisions
