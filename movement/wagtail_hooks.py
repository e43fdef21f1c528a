"""Admin of the movement app: candidates' pledges, their records and progress updates
as snippets, each organisation's editors limited to the records of their own site's
campaigns (movement/permissions.py; every view, the chooser and bulk deletion through
``home.security.snippets.ScopedSnippetViewSet``, wagtail-localize's views through
``home.security.scope.AdminScopeMiddleware``), the review of pledges made online
(movement/admin_views.py, movement/review.py), and the app's part of roles, the
dashboard, the log and demo content.

The pledge's edit form is also the paper path: a pledge staff enter with the
scan of the signed paper is approved (public) at once. What only the review
decides (the state) and the candidate's private address are shown, not edited.
"""

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets.button import Button, HeaderButton, ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from home.models import SiteRole
from home.panels import CompleteChildFormSet, CompleteInlinePanel
from home.roles import grant_model_permissions, grant_page_permissions
from home.security.choosers import ScopedAdminModelForm
from home.security.snippets import ScopedSnippetViewSet

from . import admin_views, demo, review
from .models import CandidateRecord, Demand, NewsIndexPage, Pledge, ProgressUpdate
from .permissions import editable_campaign_pages

SNIPPET_PERMISSIONS = {
    "pledge": ["add_pledge", "change_pledge", "delete_pledge"],
    "progressupdate": ["add_progressupdate", "change_progressupdate", "delete_progressupdate"],
    "candidaterecord": [
        "add_candidaterecord",
        "change_candidaterecord",
        "delete_candidaterecord",
    ],
}
# Translators see every progress update and candidate's record of their site and
# change its translations (home.roles.SiteRolePermissionPolicy); pledges are not
# translated.
TRANSLATOR_PERMISSIONS = [
    "view_progressupdate",
    "change_progressupdate",
    "view_candidaterecord",
    "change_candidaterecord",
]
EVENT_STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]

# Forms: only campaign pages (and their demands) of the user's own sites


def _campaign_label(page):
    return f"{page.title} ({page.locale.language_code})"


def _demand_label(demand):
    return f"{demand.page.title} ({demand.locale.language_code}): {demand.title}"


def _user_demands(user):
    """The demands of the campaign pages ``user`` may attach records to, labelled with
    their campaign, in one query."""
    return (
        Demand.objects.filter(page__in=editable_campaign_pages(user))
        .select_related("page", "locale")
        .order_by("page__path", "sort_order")
    )


class CommitmentFormSet(CompleteChildFormSet):
    """The pledge's commitments; ``demands`` (set by ``PledgeForm``) are the choices
    of every row, the empty one that "Add" copies included."""

    demands = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if self.demands is not None and "demand" in form.fields:
            form.fields["demand"].queryset = self.demands
            form.fields["demand"].label_from_instance = _demand_label


class CommitmentsPanel(CompleteInlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = CommitmentFormSet
        return options


DEMAND_OF_ANOTHER_CAMPAIGN = _("Choose a demand of the pledge's campaign.")


class PledgeForm(ScopedAdminModelForm):
    """A pledge in the admin: the campaign among the user's own, the commitments
    among that campaign's demands. A pledge staff add is one from paper, with its
    scan: approved, public at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = editable_campaign_pages(self.for_user)
        if "campaign" in self.fields:
            field = self.fields["campaign"]
            # A plain list of the user's campaign pages instead of the page chooser,
            # which would browse every organisation's tree.
            self.fields["campaign"] = forms.ModelChoiceField(
                queryset=campaigns.select_related("locale").order_by("path"),
                label=field.label,
                help_text=field.help_text,
                required=field.required,
            )
            self.fields["campaign"].label_from_instance = _campaign_label
        if self.instance.pk is None and "document" in self.fields:
            self.fields["document"].required = True
            self.fields["document"].help_text = _(
                "The scan of the pledge the candidate signed on paper."
            )
        formset = self.formsets.get("commitments")
        if formset is not None:
            campaign_id = self._chosen_campaign_id(campaigns)
            demands = _user_demands(self.for_user)
            if campaign_id is not None:
                demands = demands.filter(page_id=campaign_id)
            formset.demands = demands
            for child in formset.forms:
                if "demand" in child.fields:
                    child.fields["demand"].queryset = demands
                    child.fields["demand"].label_from_instance = _demand_label

    def _chosen_campaign_id(self, campaigns):
        """The campaign the submitted form names (if it is one of the user's), or
        the pledge's own."""
        if self.is_bound:
            value = str(self.data.get(self.add_prefix("campaign"), ""))
            if value.isdigit() and campaigns.filter(pk=int(value)).exists():
                return int(value)
            return None if self.instance.pk is None else self.instance.campaign_id
        return self.instance.campaign_id

    def clean(self):
        cleaned = super().clean()
        campaign = cleaned.get("campaign")
        formset = self.formsets.get("commitments")
        if campaign is not None and formset is not None:
            for child in formset.forms:
                demand = getattr(child, "cleaned_data", {}).get("demand")
                deleted = getattr(child, "cleaned_data", {}).get("DELETE")
                if demand is not None and not deleted and demand.page_id != campaign.pk:
                    child.add_error("demand", DEMAND_OF_ANOTHER_CAMPAIGN)
        return cleaned

    def save(self, commit=True):
        pledge = self.instance
        if pledge.pk is None:
            # Entered from paper by staff: the scan is the proof, public at once.
            pledge.source = Pledge.Source.PAPER
            pledge.state = Pledge.State.APPROVED
            pledge.approved_at = timezone.now()
            if self.for_user is not None and self.for_user.is_authenticated:
                pledge.reviewed_by = self.for_user
        return super().save(commit=commit)


class ProgressUpdateForm(ScopedAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "demand" in self.fields:
            self.fields["demand"].queryset = _user_demands(self.for_user)
            self.fields["demand"].label_from_instance = _demand_label


def _pledge_label(pledge):
    return f"{pledge} · {pledge.campaign.title} ({pledge.campaign.locale.language_code})"


class CandidateRecordForm(ScopedAdminModelForm):
    """A candidate's record: a public pledge of the user's campaigns, and optionally
    one of that campaign's demands (in any of its languages)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = editable_campaign_pages(self.for_user)
        if "pledge" in self.fields:
            public = Pledge.objects.public().filter(campaign__in=campaigns)
            keep = Q(pk__in=public.values("pk"))
            if self.instance.pledge_id is not None:
                keep |= Q(pk=self.instance.pledge_id)  # what is stored stays valid
            field = self.fields["pledge"]
            # A plain list of the public pledges instead of the snippet chooser, which
            # would offer pledges still waiting for review too.
            self.fields["pledge"] = forms.ModelChoiceField(
                queryset=field.queryset.filter(keep)
                .select_related("campaign__locale")
                .order_by("name", "pk"),
                label=field.label,
                help_text=field.help_text,
                required=field.required,
            )
            self.fields["pledge"].label_from_instance = _pledge_label
        if "demand" in self.fields:
            self.fields["demand"].queryset = _user_demands(self.for_user)
            self.fields["demand"].label_from_instance = _demand_label

    def clean(self):
        cleaned = super().clean()
        pledge, demand = cleaned.get("pledge"), cleaned.get("demand")
        if pledge is not None and demand is not None:
            if demand.page.translation_key != pledge.campaign.translation_key:
                self.add_error("demand", DEMAND_OF_ANOTHER_CAMPAIGN)
        return cleaned


# The pledge's admin: the paper path's form, the review's buttons

PLEDGE_PANELS = [
    CommitmentsPanel("commitments", heading=_("Commitments"), label=_("Commitment"))
    if getattr(panel, "relation_name", None) == "commitments"
    else panel
    for panel in Pledge.panels
] + [
    MultiFieldPanel(
        [
            FieldRowPanel(
                [
                    FieldPanel("state", read_only=True),
                    FieldPanel("source", read_only=True),
                ]
            ),
            FieldPanel("email", read_only=True),
            FieldRowPanel(
                [
                    FieldPanel("created_at", read_only=True),
                    FieldPanel("confirmed_at", read_only=True),
                    FieldPanel("approved_at", read_only=True),
                ]
            ),
            FieldPanel("consent_text", read_only=True),
        ],
        heading=_("Verification (decided in the review)"),
    ),
]


class PledgeEditView(ScopedSnippetViewSet.edit_view_class):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(_("Review"), url=admin_views.review_url(self.object), icon_name="tasks"),
        ]


class PledgeViewSet(ScopedSnippetViewSet):
    model = Pledge
    icon = "user"
    menu_label = _("Candidates' pledges")
    list_display = ["name", "party", "state", "source", "signed_on", "elected_label"]
    list_filter = ["state", "source", "municipality", "elected"]
    search_fields = ["name", "party"]
    # Pledges waiting for staff first (``get_queryset``), then by name.
    ordering = ["waiting", "name"]
    edit_view_class = PledgeEditView
    # A candidate's pledge is theirs: a copy would be a pledge they never made.
    copy_view_enabled = False
    edit_handler = ObjectList(PLEDGE_PANELS, base_form_class=PledgeForm)

    def get_queryset(self, request):
        return Pledge.objects.annotate(
            waiting=Case(
                When(state__in=review.REVIEWABLE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<int:pk>/", admin_views.review, name="review"),
        ]


class ProgressUpdateViewSet(ScopedSnippetViewSet):
    model = ProgressUpdate
    icon = "history"
    menu_label = _("Progress updates")
    list_display = ["demand", "date", "status", "value"]
    list_filter = ["status"]
    ordering = ["-date"]
    edit_handler = ObjectList(ProgressUpdate.panels, base_form_class=ProgressUpdateForm)

    def get_queryset(self, request):
        return ProgressUpdate.objects.select_related("demand")  # the listing's column


class CandidateRecordViewSet(ScopedSnippetViewSet):
    model = CandidateRecord
    icon = "doc-full"
    menu_label = _("Candidates' records")
    list_display = ["pledge", "date", "kind", "stance"]
    list_filter = ["kind", "stance"]
    ordering = ["-date"]
    edit_handler = ObjectList(CandidateRecord.panels, base_form_class=CandidateRecordForm)

    def get_queryset(self, request):
        return CandidateRecord.objects.select_related("pledge")  # the listing's column


class CampaignRecordsGroup(SnippetViewSetGroup):
    menu_label = _("Campaigns")
    menu_icon = "clipboard-list"
    menu_order = 250
    items = (PledgeViewSet, CandidateRecordViewSet, ProgressUpdateViewSet)


register_snippet(CampaignRecordsGroup)


@hooks.register("register_snippet_listing_buttons")
def pledge_review_button(snippet, user, next_url=None):
    if not isinstance(snippet, Pledge) or not admin_views.can_review(user, snippet):
        return []
    url = admin_views.review_url(snippet)
    if snippet.state in review.REVIEWABLE:
        return [ListingButton(_("Review"), url=url, priority=5)]
    return [Button(_("Review"), url=url, icon_name="tasks", priority=5)]


@hooks.register("register_log_actions")
def register_pledge_log_actions(actions):
    actions.register_action(review.APPROVE, _("Approve pledge"), _("Pledge approved"))
    actions.register_action(
        review.ASK_FOR_PROOF, _("Ask for proof"), _("Proof asked for from the candidate")
    )
    actions.register_action(review.DECLINE, _("Decline pledge"), _("Pledge declined"))
    actions.register_action(
        review.ERASE_CONTACT, _("Erase contact data"), _("Candidate's contact data erased")
    )


class PledgesWaitingPanel(Component):
    name = "movement_pledges_waiting"
    order = 160

    def __init__(self, rows):
        self.rows = rows

    def render_html(self, parent_context=None):
        return render_to_string("movement/admin/dashboard_panel.html", {"rows": self.rows})


@hooks.register("construct_homepage_panels")
def add_pledges_waiting(request, panels):
    rows = admin_views.waiting_counts(request.user)
    if rows:
        panels.append(PledgesWaitingPanel(rows))


@hooks.register("site_role_permissions")
def movement_role_permissions(site_role):
    """Editors keep pledges, candidates' records and progress up to date, translators
    translate progress updates and candidates' records; event staff publish news."""
    group = site_role.group
    if site_role.role == SiteRole.EDITOR:
        for codenames in SNIPPET_PERMISSIONS.values():
            grant_model_permissions(group, "movement", codenames)
    elif site_role.role == SiteRole.TRANSLATOR:
        grant_model_permissions(group, "movement", TRANSLATOR_PERMISSIONS)
    elif site_role.role == SiteRole.EVENT_STAFF:
        root = site_role.site.root_page
        for news_index in NewsIndexPage.objects.descendant_of(root).filter(
            locale_id=root.locale_id
        ):
            grant_page_permissions(group, news_index, EVENT_STAFF_PAGE_PERMISSIONS)


@hooks.register("demo_content", order=100)
def movement_demo_content(sites, report):
    demo.load(sites, report)
