"""Roles per organisation, as Wagtail groups tied to a site (``SiteRole``).

- Editors: all pages of their site (every language tree). No personal data.
- Translators: the translation screens of wagtail-localize for their site's pages.
- Event staff: pages under their site's CongressIndexPage and NewsIndexPage only
  (the congress and movement apps grant those with ``grant_page_permissions``).
- Membership officers: people of their own site (the membership app's permissions
  and its per-site checks). They cannot edit pages.

Apps add their own permissions to a role through the ``site_role_permissions``
Wagtail hook: ``fn(site_role)`` called whenever the groups are (re)made.
"""

from django.contrib.auth.models import Group, Permission
from wagtail import hooks
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from .models import SiteRole

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
# Images and documents: Wagtail checks these per collection, not per model, so each
# organisation has a collection of its own and its staff get these on it only.
MEDIA_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]
ADMIN_ACCESS = ("wagtailadmin", "access_admin")


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant_page_permissions(group, page, codenames):
    """Give ``group`` the page permissions on ``page`` and on each of its translations."""
    for target in page.get_translations(inclusive=True):
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=target, permission=_permission("wagtailcore", codename)
            )


def collection_named(name):
    """The collection ``name`` directly under the root collection (made if missing)."""
    root = Collection.get_first_root_node()
    return root.get_children().filter(name=name).first() or root.add_child(name=name)


def site_collection(site):
    """The media collection of one organisation."""
    return collection_named(site.site_name or site.hostname)


def grant_collection_permissions(group, collection, permissions=MEDIA_PERMISSIONS):
    for app_label, codename in permissions:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission(app_label, codename)
        )


def grant_model_permissions(group, app_label, codenames):
    for codename in codenames:
        group.permissions.add(_permission(app_label, codename))


def ensure_site_roles(site):
    """Create (or complete) the four groups of ``site``; returns {role: group}."""
    label = site.site_name or site.hostname
    groups = {}
    for role, role_name in SiteRole.ROLE_CHOICES:
        site_role = SiteRole.objects.filter(site=site, role=role).select_related("group").first()
        if site_role is None:
            group, _ = Group.objects.get_or_create(name=f"{label}: {role_name}")
            site_role = SiteRole.objects.create(group=group, site=site, role=role)
        group = site_role.group
        group.permissions.add(_permission(*ADMIN_ACCESS))
        if role == SiteRole.EDITOR:
            grant_page_permissions(group, site.root_page, EDITOR_PAGE_PERMISSIONS)
            grant_collection_permissions(group, site_collection(site))
        elif role == SiteRole.EVENT_STAFF:
            # Photos of outcomes, minutes and declarations.
            grant_collection_permissions(group, site_collection(site))
        elif role == SiteRole.TRANSLATOR:
            grant_page_permissions(group, site.root_page, ["change_page"])
            grant_model_permissions(group, "wagtail_localize", ["submit_translation"])
        for hook in hooks.get_hooks("site_role_permissions"):
            hook(site_role)
        groups[role] = group
    return groups


def sites_for_user(user, role):
    """The sites where ``user`` holds ``role`` (all sites for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(roles__role=role, roles__group__user=user).distinct()


def site_root_pages(site):
    """The root page of ``site`` in every language."""
    return Page.objects.filter(translation_key=site.root_page.translation_key)
