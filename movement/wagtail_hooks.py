"""Admin of the movement app: candidates' pledges and progress updates as snippets,
each organisation's editors limited to the records of their own site's campaigns
(see movement/permissions.py), and the app's part of roles and demo content."""

from django import forms
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup
from wagtail_localize.views import snippets_api, submit_translations

from home.models import SiteRole
from home.roles import grant_model_permissions, grant_page_permissions

from . import demo
from .models import Demand, NewsIndexPage, Pledge, ProgressUpdate
from .permissions import editable_campaign_pages

SNIPPET_PERMISSIONS = {
    "pledge": ["add_pledge", "change_pledge", "delete_pledge"],
    "progressupdate": ["add_progressupdate", "change_progressupdate", "delete_progressupdate"],
}
EVENT_STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
SCOPED_MODELS = (Pledge, ProgressUpdate)
# Submitting a progress update for translation is also a translator's job.
TRANSLATION_ROLES = (SiteRole.EDITOR, SiteRole.TRANSLATOR)


def _policy(model):
    return policy_registry.get_by_type(model)


# Forms: only campaign pages (and their demands) of the user's own sites


def _campaign_label(page):
    return f"{page.title} ({page.locale.language_code})"


class PledgeForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "campaign" in self.fields:
            field = self.fields["campaign"]
            # A plain list of the user's campaign pages instead of the page chooser,
            # which would browse every organisation's tree.
            self.fields["campaign"] = forms.ModelChoiceField(
                queryset=editable_campaign_pages(self.for_user)
                .select_related("locale")
                .order_by("path"),
                label=field.label,
                help_text=field.help_text,
                required=field.required,
            )
            self.fields["campaign"].label_from_instance = _campaign_label


class ProgressUpdateForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "demand" in self.fields:
            # The demands of the user's campaign pages, labelled with their campaign,
            # in one query.
            self.fields["demand"].queryset = (
                Demand.objects.filter(page__in=editable_campaign_pages(self.for_user))
                .select_related("page", "locale")
                .order_by("page__path", "sort_order")
            )
            self.fields["demand"].label_from_instance = lambda d: (
                f"{d.page.title} ({d.locale.language_code}): {d.title}"
            )


# Views: every look-up of one object checks its site


class ScopedObjectMixin:
    """For views of one record: a record of another organisation's campaign is
    not found (404), whatever the URL, so its existence is not disclosed."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is not None and not _policy(self.model).is_in_scope(self.request.user, obj):
            raise Http404
        return obj


def _scoped(view_class):
    return type(view_class.__name__, (ScopedObjectMixin, view_class), {})


class ScopedCopyView(snippet_views.CopyView):
    def get_object(self, queryset=None):
        # Look the record up among the user's own before Wagtail's permission check.
        get_object_or_404(
            _policy(self.model).scoped_queryset(self.request.user),
            pk=unquote(str(self.kwargs[self.pk_url_kwarg])),
        )
        return super().get_object(queryset)


class ScopedChooseView(snippet_chooser.ChooseView):
    def get_object_list(self):
        return _policy(self.model).scoped_queryset(self.request.user, super().get_object_list())


class ScopedChooseResultsView(snippet_chooser.ChooseResultsView):
    def get_object_list(self):
        return _policy(self.model).scoped_queryset(self.request.user, super().get_object_list())


class ScopedChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        return _policy(self.model_class).scoped_queryset(self.request.user).get(pk=pk)


class ScopedChosenMultipleView(snippet_chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return _policy(self.model_class).scoped_queryset(self.request.user).filter(pk__in=pks)


class ScopedChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class ScopedSnippetViewSet(SnippetViewSet):
    """A SnippetViewSet whose listing, object views and chooser hold only the
    records of the user's own sites."""

    edit_view_class = _scoped(snippet_views.EditView)
    copy_view_class = ScopedCopyView
    delete_view_class = _scoped(snippet_views.DeleteView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    inspect_view_class = _scoped(snippet_views.InspectView)
    revisions_view_class = _scoped(snippet_views.PreviewRevisionView)
    revisions_compare_view_class = _scoped(snippet_views.RevisionsCompareView)
    revisions_unschedule_view_class = _scoped(snippet_views.RevisionsUnscheduleView)
    unpublish_view_class = _scoped(snippet_views.UnpublishView)
    preview_on_edit_view_class = _scoped(snippet_views.PreviewOnEditView)
    lock_view_class = _scoped(snippet_views.LockView)
    unlock_view_class = _scoped(snippet_views.UnlockView)
    workflow_action_view_class = _scoped(snippet_views.WorkflowActionView)
    collect_workflow_action_data_view_class = _scoped(snippet_views.CollectWorkflowActionDataView)
    confirm_workflow_cancellation_view_class = _scoped(
        snippet_views.ConfirmWorkflowCancellationView
    )
    workflow_preview_view_class = _scoped(snippet_views.WorkflowPreviewView)
    workflow_history_view_class = _scoped(snippet_views.WorkflowHistoryView)
    workflow_history_detail_view_class = _scoped(snippet_views.WorkflowHistoryDetailView)
    chooser_viewset_class = ScopedChooserViewSet

    list_select_related = ()

    def get_queryset(self, request):
        queryset = self.model._default_manager.all()
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return _policy(self.model).scoped_queryset(request.user, queryset)


class PledgeViewSet(ScopedSnippetViewSet):
    model = Pledge
    icon = "user"
    menu_label = _("Candidates' pledges")
    list_display = ["name", "party", "municipality", "signed_on", "elected"]
    list_filter = ["municipality", "elected"]
    search_fields = ["name", "party"]
    ordering = ["name"]
    edit_handler = ObjectList(Pledge.panels, base_form_class=PledgeForm)


class ProgressUpdateViewSet(ScopedSnippetViewSet):
    model = ProgressUpdate
    icon = "history"
    menu_label = _("Progress updates")
    list_display = ["demand", "date", "status", "value"]
    list_filter = ["status"]
    list_select_related = ("demand",)
    ordering = ["-date"]
    edit_handler = ObjectList(ProgressUpdate.panels, base_form_class=ProgressUpdateForm)


class CampaignRecordsGroup(SnippetViewSetGroup):
    menu_label = _("Campaigns")
    menu_icon = "clipboard-list"
    menu_order = 250
    items = (PledgeViewSet, ProgressUpdateViewSet)


register_snippet(CampaignRecordsGroup)


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Bulk delete of pledges and progress updates: IDs of another organisation's
    records are left out as if they did not exist (not even named on the
    confirmation screen); with none of the user's own, 404."""

    models = list(SCOPED_MODELS)

    def get_all_objects_in_listing_query(self, parent_id):
        return self.permission_policy.scoped_queryset(self.request.user).values_list(
            "pk", flat=True
        )

    @cached_property
    def _scoped_actionable_objects(self):
        object_ids = self.request.GET.getlist("id")
        if "all" in object_ids:
            object_ids = self.get_all_objects_in_listing_query(self.request.GET.get("childOf"))
        objects = list(
            self.permission_policy.scoped_queryset(self.request.user).filter(pk__in=object_ids)
        )
        if not objects:
            raise Http404
        allowed = [obj for obj in objects if self.check_perm(obj)]
        denied = [obj for obj in objects if obj not in allowed]
        return allowed, {"items_with_no_access": denied}

    def get_actionable_objects(self):
        return self._scoped_actionable_objects


# After wagtail.snippets' own DeleteBulkAction, which it replaces for these models.
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=100)


# wagtail-localize's admin views of snippets, for these two models


class ScopedSubmitSnippetTranslationView(submit_translations.SubmitSnippetTranslationView):
    def get_object(self):
        obj = super().get_object()
        if not _policy(type(obj)).is_in_scope(self.request.user, obj, TRANSLATION_ROLES):
            raise Http404
        return obj


class ScopedSnippetsApiViewSet(snippets_api.SnippetViewSet):
    def get_queryset(self):
        model = self.get_model()
        return _policy(model).scoped_queryset(self.request.user, roles=TRANSLATION_ROLES)


SCOPED_SNIPPET = r"(?P<app_label>movement)/(?P<model_name>pledge|progressupdate)"


@hooks.register("register_admin_urls", order=-100)
def movement_admin_urls():
    """Placed before wagtail-localize's own patterns for the same paths (only for
    this app's two models), so that its translation screen and snippet API answer
    only with the user's own records."""
    return [
        re_path(
            rf"^localize/submit/snippet/{SCOPED_SNIPPET}/(?P<pk>[^/]+)/$",
            ScopedSubmitSnippetTranslationView.as_view(),
        ),
        re_path(
            rf"^localize/api/snippets/{SCOPED_SNIPPET}/$",
            ScopedSnippetsApiViewSet.as_view({"get": "list"}),
        ),
        re_path(
            rf"^localize/api/snippets/{SCOPED_SNIPPET}/(?P<pk>[^/]+)/$",
            ScopedSnippetsApiViewSet.as_view({"get": "retrieve"}),
        ),
    ]


@hooks.register("site_role_permissions")
def movement_role_permissions(site_role):
    """Editors keep pledges and progress up to date; event staff publish news."""
    group = site_role.group
    if site_role.role == SiteRole.EDITOR:
        for codenames in SNIPPET_PERMISSIONS.values():
            grant_model_permissions(group, "movement", codenames)
    elif site_role.role == SiteRole.EVENT_STAFF:
        root = site_role.site.root_page
        for news_index in NewsIndexPage.objects.descendant_of(root).filter(
            locale_id=root.locale_id
        ):
            grant_page_permissions(group, news_index, EVENT_STAFF_PAGE_PERMISSIONS)


@hooks.register("demo_content", order=100)
def movement_demo_content(sites, report):
    demo.load(sites, report)
