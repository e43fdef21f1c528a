"""Roles per organisation, as Wagtail groups tied to a site (``SiteRole``).

- Editors: all pages of their site (every language tree), and they may start
  translations. No personal data.
- Translators: start and write translations of their site's pages and snippets, and
  publish them: they publish pages in the translation trees only (the root pages of
  the site's other languages), never in the site's own language (its root page's),
  where they may open pages and at most save a draft (Wagtail has no read-only page
  permission). Their snippet permissions count on translations only, except
  "view", which shows them what there is to translate (``SiteRolePermissionPolicy``).
- Event staff: pages under their site's CongressIndexPage and NewsIndexPage only
  (the congress and movement apps grant those with ``grant_page_permissions``).
- Membership officers: people of their own site (the membership app's permissions
  and its per-site checks). They cannot edit pages.

Apps add their own permissions to a role through the ``site_role_permissions``
Wagtail hook: ``fn(site_role)`` called whenever the groups are (re)made.
"""

from functools import reduce
from operator import or_

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail import hooks
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    TranslatableMixin,
)
from wagtail.permission_policies import ModelPermissionPolicy

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


def grant_page_permissions(group, page, codenames, translations=True):
    """Give ``group`` the page permissions on ``page`` and (unless ``translations`` is
    False) on each of its translations."""
    pages = page.get_translations(inclusive=True) if translations else [page]
    for target in pages:
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
            grant_model_permissions(group, "wagtail_localize", ["submit_translation"])
        elif role == SiteRole.EVENT_STAFF:
            # Photos of outcomes, minutes and declarations.
            grant_collection_permissions(group, site_collection(site))
        elif role == SiteRole.TRANSLATOR:
            # Open (and draft) pages in every language; publish in the translation
            # trees only.
            grant_page_permissions(group, site.root_page, ["change_page"])
            for root in translation_roots(site):
                grant_page_permissions(group, root, ["publish_page"], translations=False)
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


def translation_roots(site):
    """The root pages of ``site``'s translation trees: every language but its own."""
    return site_root_pages(site).exclude(pk=site.root_page_id)


def complete_site_roles(**kwargs):
    """Give the groups of every site that has them what the roles hold now (a
    ``post_migrate`` handler: an installation gets a new permission of a role on its
    next ``migrate``)."""
    for site in Site.objects.filter(roles__isnull=False).distinct().select_related("root_page"):
        ensure_site_roles(site)


# A translator's role group counts on an organisation's snippets in every language
# for these actions (to see what there is to translate); for every other action
# (change, publish) on translations only.
TRANSLATOR_EVERY_LANGUAGE = {"view"}


def role_sites(user, model, actions, translators):
    """Sites where a role group of ``user`` holds ``model``'s permission for one of
    ``actions``: the translators' groups when ``translators``, the other roles'
    otherwise."""
    codenames = [get_permission_codename(action, model._meta) for action in actions]
    roles = SiteRole.objects.filter(
        group__user=user,
        group__permissions__content_type=ContentType.objects.get_for_model(model),
        group__permissions__codename__in=codenames,
    )
    if translators:
        roles = roles.filter(role=SiteRole.TRANSLATOR)
    else:
        roles = roles.exclude(role=SiteRole.TRANSLATOR)
    return Site.objects.filter(pk__in=roles.values("site_id")).select_related("root_page")


class SiteRolePermissionPolicy(ModelPermissionPolicy):
    """Model permissions, each counted only on the organisation whose role group
    gives it.

    A user may do ``action`` with an instance when a role group of theirs tied to the
    instance's site (``SiteRole``) holds the model permission for it. A translator's
    group counts only on translations (instances in a language other than the site's
    own, its root page's), except for ``TRANSLATOR_EVERY_LANGUAGE``. A permission given
    some other way (to the user, or by a group of another site) opens no instance.

    Subclasses say where an instance belongs: ``rows_of_site(site)`` (a Q of the rows
    of one site) and ``site_id_of(instance)``.
    """

    def rows_of_site(self, site):
        raise NotImplementedError

    def site_id_of(self, instance):
        raise NotImplementedError

    def grants(self, user, actions):
        """[(site, translations only)] on which ``user`` may do one of ``actions``."""
        grants = [(site, False) for site in role_sites(user, self.model, actions, False)]
        if not issubclass(self.model, TranslatableMixin):
            return grants  # nothing is a translation
        every = [a for a in actions if a in TRANSLATOR_EVERY_LANGUAGE]
        others = [a for a in actions if a not in TRANSLATOR_EVERY_LANGUAGE]
        if every:
            grants += [(site, False) for site in role_sites(user, self.model, every, True)]
        if others:
            grants += [(site, True) for site in role_sites(user, self.model, others, True)]
        return grants

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        if user.is_superuser:
            return True
        site_id = self.site_id_of(instance)
        return any(
            site.pk == site_id
            and not (translations_only and instance.locale_id == site.root_page.locale_id)
            for site, translations_only in self.grants(user, actions)
        )

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if (user.is_active and user.is_superuser) or not self.user_has_any_permission(
            user, actions
        ):
            return instances
        # Only the fields the rows are found by (a chooser's search filters on a
        # model's FilterFields only).
        queries = []
        for site, translations_only in self.grants(user, actions):
            rows = self.rows_of_site(site)
            if translations_only:
                rows &= ~Q(locale=site.root_page.locale_id)
            queries.append(rows)
        if not queries:
            return instances.none()
        return instances.filter(reduce(or_, queries))


class PagePathPolicy(SiteRolePermissionPolicy):
    """For a model that belongs to a page (``page_lookup`` leads there, e.g.
    "congress" or "demand__page"): the instance belongs to the site whose page tree,
    in any language, holds that page."""

    def __init__(self, model, page_lookup, auth_model=None):
        super().__init__(model, auth_model=auth_model)
        self.page_lookup = page_lookup

    def rows_of_site(self, site):
        roots = site_root_pages(site)
        return reduce(or_, (Q(**{f"{self.page_lookup}__path__startswith": r.path}) for r in roots))

    def page_of(self, instance):
        target = instance
        for step in self.page_lookup.split("__"):
            if getattr(target, f"{step}_id", None) is None:
                return None
            target = getattr(target, step)
        return target

    def site_id_of(self, instance):
        page = self.page_of(instance)
        site = page.get_site() if page is not None else None
        return site.pk if site is not None else None
