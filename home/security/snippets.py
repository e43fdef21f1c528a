"""Snippet admin scoped by each model's permission policy.

Wagtail's snippet views ask the permission policy about the *model* (may this user
change outcomes at all?) and, in a few places, about one instance. The project's
policies (``congress.permissions``, ``movement.permissions``) answer per instance
with the organisation the object belongs to. ``ScopedSnippetViewSet`` makes every
view use that answer:

- the listing holds only what the user may manage (``MANAGE_ACTIONS``) or see
  ("view": translators see their organisation's snippets in every language, to
  translate them); a row they may not manage links to no edit view;
- every view of one object (edit, delete, copy, history, usage, inspect,
  revisions, lock, workflow, preview) refuses another organisation's object (403);
- the chooser lists and returns only what ``choosable`` allows
  (``home.security.choosers.ScopedChooserViewSet``);
- bulk deletion (``ScopedDeleteBulkAction``, registered once in
  ``home/security/wagtail_hooks.py`` for every model of such a viewset) leaves other
  organisations' ids out as if they did not exist (404 when none is left), so
  the confirmation screen names none of them.

An app registers its snippets with a subclass of ``ScopedSnippetViewSet`` and a
permission policy that checks the instance; nothing else.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_list_or_404
from django.utils.functional import cached_property, classproperty
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .choosers import ScopedChooserViewSet

# A user who may do any of these with an object opens it in the admin.
MANAGE_ACTIONS = ["change", "publish", "delete"]
# ... and with these, sees it in the listing.
LISTING_ACTIONS = [*MANAGE_ACTIONS, "view"]


def managed(model, user, queryset=None, actions=MANAGE_ACTIONS):
    """``queryset`` (all of ``model``) limited to what ``user`` may manage (or do
    one of ``actions`` with)."""
    queryset = model._default_manager.all() if queryset is None else queryset
    allowed = policy_registry.get_by_type(model).instances_user_has_any_permission_for(
        user, actions
    )
    return queryset.filter(pk__in=allowed.values("pk"))


class ScopedObjectMixin:
    """A view of one object checks the object itself with the policy."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        policy = policy_registry.get_by_type(type(obj))
        if not policy.user_has_any_permission_for_instance(self.request.user, MANAGE_ACTIONS, obj):
            raise PermissionDenied
        return obj


def _scoped(view_class):
    return type(f"Scoped{view_class.__name__}", (ScopedObjectMixin, view_class), {})


class ScopedIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return managed(self.model, self.request.user, super().get_base_queryset(), LISTING_ACTIONS)

    @cached_property
    def manageable_pks(self):
        return set(managed(self.model, self.request.user).values_list("pk", flat=True))

    def get_edit_url(self, instance):
        if instance.pk not in self.manageable_pks:
            return None
        return super().get_edit_url(instance)


class ScopedSnippetViewSet(SnippetViewSet):
    index_view_class = ScopedIndexView
    edit_view_class = _scoped(snippet_views.EditView)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_class = _scoped(snippet_views.CopyView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    inspect_view_class = _scoped(snippet_views.InspectView)
    unpublish_view_class = _scoped(snippet_views.UnpublishView)
    lock_view_class = _scoped(snippet_views.LockView)
    unlock_view_class = _scoped(snippet_views.UnlockView)
    preview_on_edit_view_class = _scoped(snippet_views.PreviewOnEditView)
    revisions_view_class = _scoped(snippet_views.PreviewRevisionView)
    revisions_unschedule_view_class = _scoped(snippet_views.RevisionsUnscheduleView)
    revisions_compare_view_class = _scoped(snippet_views.RevisionsCompareView)
    workflow_action_view_class = _scoped(snippet_views.WorkflowActionView)
    collect_workflow_action_data_view_class = _scoped(snippet_views.CollectWorkflowActionDataView)
    confirm_workflow_cancellation_view_class = _scoped(
        snippet_views.ConfirmWorkflowCancellationView
    )
    workflow_preview_view_class = _scoped(snippet_views.WorkflowPreviewView)
    workflow_history_view_class = _scoped(snippet_views.WorkflowHistoryView)
    workflow_history_detail_view_class = _scoped(snippet_views.WorkflowHistoryDetailView)
    chooser_viewset_class = ScopedChooserViewSet


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Bulk deletion of the snippets of every ``ScopedSnippetViewSet``: only the
    user's own objects are looked up (Wagtail's ``get_queryset`` and
    ``get_all_objects_in_listing_query``), so another organisation's ids are
    neither deleted nor named; with none of the user's own, 404."""

    @classproperty
    def models(cls):
        return [
            model
            for model in get_snippet_models()
            if isinstance(model.snippet_viewset, ScopedSnippetViewSet)
        ]

    def get_queryset(self, model, object_ids):
        # Wagtail calls this as self.get_queryset(self.model, object_ids); the
        # user is needed here, so it is an instance method.
        return get_list_or_404(managed(model, self.request.user), pk__in=object_ids)

    def get_all_objects_in_listing_query(self, parent_id):
        return managed(self.model, self.request.user).values_list("pk", flat=True)
