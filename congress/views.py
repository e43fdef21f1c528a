"""Admin views of outcomes and speakers."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList, PublishingPanel
from wagtail.permissions import policy_registry
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .forms import OutcomeForm
from .models import Outcome, Speaker


class OutcomeObjectMixin:
    """Every view of one outcome checks the outcome itself: staff of one site may not
    open, change or publish the outcomes of another site's congress."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        policy = policy_registry.get_by_type(Outcome)
        actions = ["change", "publish", "delete"]
        if not policy.user_has_any_permission_for_instance(self.request.user, actions, obj):
            raise PermissionDenied
        return obj


def _scoped(view_class):
    return type(f"Outcome{view_class.__name__}", (OutcomeObjectMixin, view_class), {})


class OutcomeIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        policy = policy_registry.get_by_type(Outcome)
        allowed = policy.instances_user_has_any_permission_for(
            self.request.user, ["change", "publish", "delete"]
        )
        return queryset.filter(pk__in=allowed.values("pk"))


class OutcomeViewSet(SnippetViewSet):
    model = Outcome
    icon = "list-ol"
    menu_label = _("Outcomes")
    list_display = ["__str__", "congress", "happened_at", "kind"]
    list_filter = ["kind", "status"]
    index_view_class = OutcomeIndexView
    edit_view_class = _scoped(snippet_views.EditView)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_class = _scoped(snippet_views.CopyView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    inspect_view_class = _scoped(snippet_views.InspectView)
    unpublish_view_class = _scoped(snippet_views.UnpublishView)
    lock_view_class = _scoped(snippet_views.LockView)
    unlock_view_class = _scoped(snippet_views.UnlockView)
    revisions_unschedule_view_class = _scoped(snippet_views.RevisionsUnscheduleView)
    revisions_compare_view_class = _scoped(snippet_views.RevisionsCompareView)
    edit_handler = ObjectList(
        [
            FieldPanel("congress"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("number"), FieldPanel("status")]),
            FieldPanel("happened_at"),
            FieldPanel("title"),
            FieldPanel("text"),
            FieldPanel("attribution"),
            FieldPanel("image"),
            FieldPanel("document"),
            PublishingPanel(),
        ],
        base_form_class=OutcomeForm,
    )


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = _("Speakers")
    list_display = ["name", "role", "organisation"]
    search_fields = ["name", "organisation"]


class CongressViewSetGroup(SnippetViewSetGroup):
    items = (OutcomeViewSet, SpeakerViewSet)
    menu_icon = "date"
    menu_label = _("Congresses")
    menu_name = "congress"
