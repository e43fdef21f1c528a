"""Admin of the movement app: candidates' pledges and progress updates as snippets,
each organisation's editors limited to the records of their own site's campaigns
(movement/permissions.py; every view, the chooser and bulk deletion through
``home.security.snippets.ScopedSnippetViewSet``, wagtail-localize's views through
``home.security.scope.AdminScopeMiddleware``), and the app's part of roles and demo
content."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from home.models import SiteRole
from home.roles import grant_model_permissions, grant_page_permissions
from home.security.choosers import ScopedAdminModelForm
from home.security.snippets import ScopedSnippetViewSet

from . import demo
from .models import Demand, NewsIndexPage, Pledge, ProgressUpdate
from .permissions import editable_campaign_pages

SNIPPET_PERMISSIONS = {
    "pledge": ["add_pledge", "change_pledge", "delete_pledge"],
    "progressupdate": ["add_progressupdate", "change_progressupdate", "delete_progressupdate"],
}
# Translators see every progress update of their site and change its translations
# (home.roles.SiteRolePermissionPolicy); pledges are not translated.
TRANSLATOR_PERMISSIONS = ["view_progressupdate", "change_progressupdate"]
EVENT_STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]

# Forms: only campaign pages (and their demands) of the user's own sites


def _campaign_label(page):
    return f"{page.title} ({page.locale.language_code})"


class PledgeForm(ScopedAdminModelForm):
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


class ProgressUpdateForm(ScopedAdminModelForm):
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
    ordering = ["-date"]
    edit_handler = ObjectList(ProgressUpdate.panels, base_form_class=ProgressUpdateForm)

    def get_queryset(self, request):
        return ProgressUpdate.objects.select_related("demand")  # the listing's column


class CampaignRecordsGroup(SnippetViewSetGroup):
    menu_label = _("Campaigns")
    menu_icon = "clipboard-list"
    menu_order = 250
    items = (PledgeViewSet, ProgressUpdateViewSet)


register_snippet(CampaignRecordsGroup)


@hooks.register("site_role_permissions")
def movement_role_permissions(site_role):
    """Editors keep pledges and progress up to date, translators translate progress
    updates; event staff publish news."""
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
