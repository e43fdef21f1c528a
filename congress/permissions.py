"""What event staff (and editors) may do with congresses.

- Event staff add, edit and publish pages under their site's CongressIndexPage and
  NewsIndexPage (the movement app's ``movement.NewsIndexPage``, found by content
  type so that congress never imports movement), and manage outcomes and speakers.
  They get no other page, no settings, no users and no personal data.
- Outcomes belong to a congress page: a user may manage an outcome only when they may
  edit its congress page, so staff of one site never touch another site's outcomes.
- Speakers belong to a site (``Speaker.site``): a user may do with a speaker what one
  of their role groups *of that site* allows (``SitePermissionPolicy``), so an
  editor of one organisation never sees, edits or chooses another's speakers.
"""

from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail.models import Page, Site
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy

from home.models import SiteRole
from home.roles import grant_model_permissions, grant_page_permissions, site_root_pages

from .models import CongressIndexPage, CongressPage

EVENT_STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
CONGRESS_MODEL_PERMISSIONS = [
    "add_outcome",
    "change_outcome",
    "delete_outcome",
    "publish_outcome",
    "add_speaker",
    "change_speaker",
    "delete_speaker",
]
MEDIA_PERMISSIONS = {
    "wagtailimages": ["add_image", "choose_image"],
    "wagtaildocs": ["add_document", "choose_document"],
}


def _under_site(site):
    query = Q(pk__in=[])
    for root in site_root_pages(site):
        query |= Q(path__startswith=root.path, depth__gt=root.depth)
    return query


def congress_index_pages(site):
    return CongressIndexPage.objects.filter(_under_site(site))


def news_index_pages(site):
    return Page.objects.filter(
        _under_site(site),
        content_type__app_label="movement",
        content_type__model="newsindexpage",
    )


def grant_event_staff_pages(group, site):
    for page in [*congress_index_pages(site), *news_index_pages(site)]:
        grant_page_permissions(group, page, EVENT_STAFF_PAGE_PERMISSIONS)


def site_role_permissions(site_role):
    """The ``site_role_permissions`` hook: congress permissions of each role."""
    group = site_role.group
    if site_role.role == SiteRole.EVENT_STAFF:
        grant_event_staff_pages(group, site_role.site)
        grant_model_permissions(group, "congress", CONGRESS_MODEL_PERMISSIONS)
        for app_label, codenames in MEDIA_PERMISSIONS.items():
            grant_model_permissions(group, app_label, codenames)
    elif site_role.role == SiteRole.EDITOR:
        # Editors already edit every page of their site, congress pages included.
        grant_model_permissions(group, "congress", CONGRESS_MODEL_PERMISSIONS)


def grant_on_new_index_page(page):
    """A congress or news index made after the roles: give event staff their rights."""
    site = page.get_site()
    if site is None:
        return
    role = SiteRole.objects.filter(site=site, role=SiteRole.EVENT_STAFF).select_related("group")
    for site_role in role:
        grant_page_permissions(site_role.group, page, EVENT_STAFF_PAGE_PERMISSIONS)


def editable_congresses(user):
    """Congress pages ``user`` may edit (and so attach outcomes to)."""
    if user.is_superuser:
        return CongressPage.objects.all()
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return CongressPage.objects.filter(pk__in=editable.values("pk"))


class OutcomePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, and for one outcome also the right to edit its congress."""

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser or instance.congress_id is None:
            return True
        return instance.congress.permissions_for_user(user).can_edit()

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if user.is_superuser:
            return instances
        return instances.filter(congress__in=editable_congresses(user))


class SitePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, each counted only on the sites whose role group gives it.

    For a model with a ``site`` foreign key: a user may do ``action`` with an
    instance when a group of theirs tied to the instance's site (``SiteRole``) holds
    the model permission for ``action``. A permission given some other way (to the
    user, or by a group of another site) opens no instance of any site.
    """

    def sites_for(self, user, actions):
        """Sites on which ``user`` may do one of ``actions`` with the model."""
        if not (user.is_active and user.is_authenticated):
            return Site.objects.none()
        if user.is_superuser:
            return Site.objects.all()
        return Site.objects.filter(
            roles__group__user=user,
            roles__group__permissions__content_type=ContentType.objects.get_for_model(self.model),
            roles__group__permissions__codename__in=[
                get_permission_codename(action, self.model._meta) for action in actions
            ],
        ).distinct()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        return self.sites_for(user, actions).filter(pk=instance.site_id).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if user.is_active and user.is_superuser:
            return instances
        return instances.filter(site__in=self.sites_for(user, actions))
