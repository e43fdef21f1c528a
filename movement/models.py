"""Who the organisation is (MovementPage), what it campaigns for (CampaignIndexPage,
CampaignPage with demands, pledges and progress) and its news (NewsIndexPage,
NewsPage).

Demands belong to the campaign page and are translated with it; they keep one
``translation_key`` in every language. Candidates' pledges and progress updates are
records staff keep up after the election, so they are snippets of their own that
point at the campaign (any language) or at a demand; the page finds them through
the translation keys, so one record shows on every language version.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from home.alphabet import alphabetical_key
from home.blocks import BaseStreamBlock
from home.models import BasePage, IntroMixin
from home.panels import CompleteInlinePanel
from membership.statements import StatementPageMixin

from .accountability import (  # noqa: F401 (PLEDGE_PHOTO_FILTER: where it was)
    PLEDGE_PHOTO_FILTER,
    AccountabilityPageMixin,
    pledge_summary,
)
from .blocks import AimBlock, MovementStreamBlock
from .choices import Status, municipality_choices
from .feeds import NewsAtomFeed, NewsRssFeed
from .pledge_pages import PledgePageMixin
from .progress import DemandProgress, local_today, status_summary
from .records import CandidateRecord, Pledge, PledgeCommitment, localized_rows  # noqa: F401

NEWS_PER_PAGE = 10


class MovementPage(IntroMixin, BasePage):
    """Who we are: mission, vision, values, what we do and how to join."""

    body = StreamField(MovementStreamBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields + [index.SearchField("body")]
    content_panels = Page.content_panels + IntroMixin.intro_panels + [FieldPanel("body")]

    class Meta:
        verbose_name = _("movement page")
        verbose_name_plural = _("movement pages")


class CampaignIndexPage(IntroMixin, BasePage):
    """The list of the organisation's campaigns, newest election first."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["movement.CampaignPage"]
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields
    content_panels = Page.content_panels + IntroMixin.intro_panels

    class Meta:
        verbose_name = _("campaign index page")
        verbose_name_plural = _("campaign index pages")

    def route(self, request, path_components):
        """Wagtail's routing, with the campaign page fetched as its own type (with its
        image and locale) in one query instead of a generic and a specific one."""
        if path_components:
            child = (
                CampaignPage.objects.child_of(self)
                .filter(slug=path_components[0])
                .select_related("image", "locale")
                .first()
            )
            if child is not None:
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["campaigns"] = (
            CampaignPage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .order_by(models.F("election_date").desc(nulls_last=True), "-first_published_at")
        )
        return context


class CampaignPage(
    StatementPageMixin,
    PledgePageMixin,
    AccountabilityPageMixin,
    RoutablePageMixin,
    IntroMixin,
    BasePage,
):
    """A campaign: its demands, the statement people sign, candidates' pledges and,
    after the election, the progress made on each demand."""

    hashtags = models.CharField(
        _("hashtags"),
        max_length=200,
        blank=True,
        help_text=_("For example #VoteImeKaWare. Separate several with spaces."),
    )
    non_partisan = models.BooleanField(
        _("non-partisan"),
        default=True,
        help_text=_("The campaign supports no party or candidate."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown on the page and when the page is shared on social media."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    election_date = models.DateField(_("election day"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    signing_opens = models.DateTimeField(
        _("online signing opens"),
        null=True,
        blank=True,
        help_text=_("Kosovo time. Empty: the statement can be signed as soon as it is published."),
    )
    signing_closes = models.DateTimeField(
        _("online signing closes"),
        null=True,
        blank=True,
        help_text=_(
            "Kosovo time. After it the page shows the final count and takes no more "
            "signatures online; paper signatures dated inside the period can still be entered."
        ),
    )
    aims = StreamField([("aim", AimBlock())], verbose_name=_("aims"), blank=True)
    body = StreamField(
        BaseStreamBlock(),
        verbose_name=_("more about the campaign"),
        blank=True,
    )

    parent_page_types = ["movement.CampaignIndexPage"]
    subpage_types = []

    search_fields = (
        Page.search_fields
        + IntroMixin.search_fields
        + [
            index.SearchField("hashtags"),
            index.SearchField("aims"),
            index.SearchField("body"),
        ]
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro", heading=_("Short explainer")),
        MultiFieldPanel(
            [
                FieldPanel("hashtags"),
                FieldPanel("non_partisan"),
                FieldPanel("image"),
                FieldRowPanel(
                    [FieldPanel("start_date"), FieldPanel("election_date"), FieldPanel("end_date")]
                ),
            ],
            heading=_("The campaign"),
        ),
        FieldPanel("aims"),
        FieldPanel("body"),
    ]
    demand_panels = [CompleteInlinePanel("demands", heading=_("Demands"), label=_("Demand"))]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(demand_panels, heading=_("Demands")),
            ObjectList(
                StatementPageMixin.statement_panels
                + [
                    FieldRowPanel(
                        [FieldPanel("signing_opens"), FieldPanel("signing_closes")],
                        heading=_("Signing period"),
                    )
                ],
                heading=_("Statement"),
            ),
            ObjectList(BasePage.promote_panels, heading=_("Promote")),
            ObjectList(BasePage.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("campaign page")
        verbose_name_plural = _("campaign pages")

    def clean(self):
        super().clean()
        if self.signing_opens and self.signing_closes and self.signing_closes <= self.signing_opens:
            raise ValidationError({"signing_closes": _("Signing must close after it opens.")})

    # Data shown on the page and in the open-data files

    def get_demand_progress(self, today=None):
        """DemandProgress for each demand of this page, with the progress updates in
        this page's language (falling back to any language). Progress updates point
        at a demand in any language version, found by its translation key.

        The demands in one query (none for a preview, whose unsaved demands are in
        memory), their updates with evidence documents and locales in another,
        whatever their number."""
        today = today or local_today()
        demands = list(self.demands.all())
        updates = (
            ProgressUpdate.objects.filter(
                demand__translation_key__in=[d.translation_key for d in demands]
            )
            .select_related("demand", "evidence_document", "locale")
            .order_by("date", "pk")
        )
        by_demand = defaultdict(list)
        for update in localized_rows(list(updates), self.locale_id, settings.LANGUAGE_CODE):
            by_demand[update.demand.translation_key].append(update)
        return [DemandProgress(d, by_demand[d.translation_key], today) for d in demands]

    def get_pledges(self):
        """The public candidates' pledges of this campaign (in any language version),
        in alphabetical order by name, with photo, document and commitments; the
        photos' renditions in one more query, if any (``AccountabilityPageMixin``)."""
        return self.get_public_pledges()

    def signature_total(self):
        """The public count of signatures, or None while it is below the threshold
        from which the page shows it."""
        stats = self.signature_stats()
        return stats["count"] if stats["show_count"] else None

    def open_data_urls(self, request=None, base=None):
        """Where the open-data files of this page are (see movement/urls.py)."""
        base = base or self.get_url(request)
        return {
            "data_json": base + "data.json",
            "demands_csv": base + "data/demands.csv",
            "progress_csv": base + "data/progress.csv",
            "pledges_csv": base + "data/pledges.csv",
            "records_csv": base + "data/records.csv",
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        today = local_today()
        progress = self.get_demand_progress(today)
        self.limit_cache_to_deadlines(request, progress)
        pledges = self.get_pledges()
        filters = pledge_filters(request, pledges)
        url = self.get_url(request)
        for pledge in pledges:
            pledge.public_url = url + self.candidate_path(pledge.pk)
        election_passed = bool(self.election_date and self.election_date < today)
        summary = pledge_summary(
            pledges, [item.demand for item in progress], self.record_facts(pledges)
        )
        context.update(
            {
                "progress": progress,
                "status_summary": status_summary(progress),
                "elected_pledges": summary["elected"],
                "pledge_summary": summary,
                "pledges": filters["pledges"],
                "pledge_filters": filters,
                "pledge_count": len(pledges),
                "open_data": self.open_data_urls(request, base=url),
                "print_url": url + self.reverse_subpage("print_statement").lstrip("/"),
                "take_pledge_url": (
                    url + self.reverse_subpage("take_pledge").lstrip("/")
                    if progress and self.pledging_is_open(today)
                    else ""
                ),
                "election_passed": election_passed,
                "today": today,
            }
        )
        return context

    # Routes (the sign page of the statement is StatementPageMixin's)

    @path("statement/print/", name="print_statement")
    def print_statement(self, request):
        return self.render(
            request,
            template="movement/campaign_print.html",
            context_overrides={
                "demands": list(self.demands.all()),
                "signature_rows": range(15),
                "page_subpath": self.reverse_subpage("print_statement").lstrip("/"),
            },
        )


def pledge_filters(request, pledges):
    """Filter ``pledges`` by the ``party`` and ``municipality`` of the query string,
    and to the elected ones with ``elected=1`` (plain GET form, no JavaScript);
    returns the choices as well. The order of ``pledges`` is kept."""
    party = request.GET.get("party", "").strip()[:200]
    municipality = request.GET.get("municipality", "").strip()[:60]
    elected_only = request.GET.get("elected", "") == "1"
    parties = sorted({p.party for p in pledges if p.party}, key=alphabetical_key)
    present = {p.municipality for p in pledges if p.municipality}
    municipalities = [
        (code, name) for code, name in municipality_choices(outside=False) if code in present
    ]
    if party not in parties:
        party = ""
    if municipality not in present:
        municipality = ""
    any_elected = any(p.elected for p in pledges)
    elected_only = elected_only and any_elected
    selected = [
        p
        for p in pledges
        if (not party or p.party == party)
        and (not municipality or p.municipality == municipality)
        and (not elected_only or p.elected)
    ]
    return {
        "pledges": selected,
        "party": party,
        "municipality": municipality,
        "elected": elected_only,
        "can_filter_elected": any_elected,
        "parties": parties,
        "municipalities": municipalities,
        "active": bool(party or municipality or elected_only),
    }


class Demand(TranslatableMixin, Orderable):
    """One demand of a campaign, with what is measured and the target."""

    page = ParentalKey(CampaignPage, related_name="demands", on_delete=models.CASCADE)
    title = models.CharField(_("title"), max_length=255)
    explanation = models.TextField(_("explanation"), blank=True)
    indicator = models.CharField(
        _("indicator"),
        max_length=255,
        blank=True,
        help_text=_("What is measured, for example: share of children who finish primary school."),
    )
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("For example: %"))
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    source_url = models.URLField(_("source link"), blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("explanation"),
        FieldRowPanel([FieldPanel("indicator"), FieldPanel("unit")]),
        FieldRowPanel(
            [
                FieldPanel("baseline_value"),
                FieldPanel("baseline_date"),
                FieldPanel("target_value"),
                FieldPanel("deadline"),
            ]
        ),
        FieldPanel("source_url"),
    ]

    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("explanation"),
        TranslatableField("indicator"),
        TranslatableField("unit"),
        SynchronizedField("baseline_value"),
        SynchronizedField("baseline_date"),
        SynchronizedField("target_value"),
        SynchronizedField("deadline"),
        SynchronizedField("source_url"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["sort_order"]

    def __str__(self):
        return self.title


class ProgressUpdate(TranslatableMixin, models.Model):
    """What has happened on one demand, rated on the fixed scale."""

    demand = models.ForeignKey(
        Demand,
        verbose_name=_("demand"),
        on_delete=models.CASCADE,
        related_name="progress_updates",
    )
    date = models.DateField(_("date"), default=datetime.date.today)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_RATED
    )
    value = models.DecimalField(
        _("latest value of the indicator"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty when it is not known."),
    )
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence_document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("evidence document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    panels = [
        FieldPanel("demand"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("status"), FieldPanel("value")]),
        FieldRowPanel([FieldPanel("evidence_url"), FieldPanel("evidence_document")]),
        FieldPanel("note"),
    ]

    translatable_fields = [
        TranslatableField("note"),
        SynchronizedField("demand"),
        SynchronizedField("date"),
        SynchronizedField("status"),
        SynchronizedField("value"),
        SynchronizedField("evidence_url"),
        SynchronizedField("evidence_document"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} · {self.demand} · {self.get_status_display()}"

    @property
    def status_label(self):
        return self.get_status_display()


class NewsIndexPage(RoutablePageMixin, IntroMixin, BasePage):
    """News of the organisation, newest first, with RSS and Atom feeds."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["movement.NewsPage"]
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields
    content_panels = Page.content_panels + IntroMixin.intro_panels

    class Meta:
        verbose_name = _("news index page")
        verbose_name_plural = _("news index pages")

    def news_items(self):
        return (
            NewsPage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .order_by("-date", "-pk")
        )

    def feed_urls(self):
        base = self.url
        return {
            name: base + self.reverse_subpage(name).lstrip("/")
            for name in ("rss_feed", "atom_feed")
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.news_items(), NEWS_PER_PAGE)
        context["news"] = paginator.get_page(request.GET.get("page"))
        context["page_obj"] = context["news"]
        context["feeds"] = self.feed_urls()
        return context

    @path("feed/rss/", name="rss_feed")
    def rss_feed(self, request):
        return NewsRssFeed(self)(request)

    @path("feed/atom/", name="atom_feed")
    def atom_feed(self, request):
        return NewsAtomFeed(self)(request)


NEWS_LINK_TYPES = {("movement", "campaignpage"), ("congress", "congresspage")}


class NewsPage(IntroMixin, BasePage):
    """A dated update, optionally about a campaign or a congress."""

    date = models.DateField(_("date"), default=datetime.date.today)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    related_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("about the campaign or congress"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: a campaign or congress page this news is about."),
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["movement.NewsIndexPage"]
    subpage_types = []

    search_fields = Page.search_fields + IntroMixin.search_fields + [index.SearchField("body")]
    content_panels = (
        Page.content_panels
        + [FieldPanel("date")]
        + IntroMixin.intro_panels
        + [FieldPanel("image"), PageChooserPanel("related_page"), FieldPanel("body")]
    )

    class Meta:
        verbose_name = _("news page")
        verbose_name_plural = _("news pages")

    def clean(self):
        super().clean()
        if self.related_page_id:
            content_type = self.related_page.specific_class and self.related_page.content_type
            if (content_type.app_label, content_type.model) not in NEWS_LINK_TYPES:
                raise ValidationError(
                    {"related_page": _("Choose a campaign page or a congress page.")}
                )

    @property
    def related(self):
        """The linked page in this page's language when it is translated."""
        if not self.related_page_id:
            return None
        return self.related_page.get_translation_or_none(self.locale) or self.related_page

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news_index = self.get_parent().specific
        context["news_index"] = news_index
        if isinstance(news_index, NewsIndexPage):
            context["feeds"] = news_index.feed_urls()
        return context
