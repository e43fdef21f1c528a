from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from home.models import SiteRole
from home.roles import grant_model_permissions, grant_page_permissions

from .models import Demand, NewsIndexPage, Pledge, ProgressUpdate

SNIPPET_PERMISSIONS = {
    "pledge": ["add_pledge", "change_pledge", "delete_pledge"],
    "progressupdate": ["add_progressupdate", "change_progressupdate", "delete_progressupdate"],
}
EVENT_STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


class ProgressUpdateForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "demand" in self.fields:
            # Label each demand with its campaign, in one query.
            self.fields["demand"].queryset = Demand.objects.select_related("page", "locale")
            self.fields["demand"].label_from_instance = lambda d: (
                f"{d.page.title} ({d.locale.language_code}): {d.title}"
            )


class PledgeViewSet(SnippetViewSet):
    model = Pledge
    icon = "user"
    menu_label = _("Candidates' pledges")
    list_display = ["name", "party", "municipality", "signed_on", "elected"]
    list_filter = ["municipality", "elected"]
    search_fields = ["name", "party"]
    ordering = ["name"]


class ProgressUpdateViewSet(SnippetViewSet):
    model = ProgressUpdate
    icon = "history"
    menu_label = _("Progress updates")
    list_display = ["demand", "date", "status", "value"]
    list_filter = ["status"]
    ordering = ["-date"]
    edit_handler = ObjectList(ProgressUpdate.panels, base_form_class=ProgressUpdateForm)


class CampaignRecordsGroup(SnippetViewSetGroup):
    menu_label = _("Campaigns")
    menu_icon = "clipboard-list"
    menu_order = 250
    items = (PledgeViewSet, ProgressUpdateViewSet)


register_snippet(CampaignRecordsGroup)


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
    from .demo import load

    load(sites, report)
