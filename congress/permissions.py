"""What event staff (and editors) may do with congresses.

- Event staff add, edit and publish pages under their site's CongressIndexPage and
  NewsIndexPage (the movement app's ``movement.NewsIndexPage``, found by content
  type so that congress never imports movement), and manage outcomes and speakers.
  They get no other page, no settings, no users and no personal data.
- Outcomes belong to the site of their congress page, speakers to a site
  (``Speaker.site``): a user may do with one what a role group of theirs *of that
  site* allows (``OutcomePermissionPolicy``, ``SitePermissionPolicy``), so staff of
  one organisation never see, edit or choose another's. Translators see them all
  and change and publish their translations only.
"""

from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, Subquery
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy

from home.models import SiteRole
from home.roles import (
    PagePathPolicy,
    SiteRolePermissionPolicy,
    grant_model_permissions,
    grant_page_permissions,
    site_root_pages,
    sites_for_user,
)

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
# Translators see every outcome and speaker of their site, and change and publish
# their translations (home.roles.SiteRolePermissionPolicy).
TRANSLATOR_MODEL_PERMISSIONS = [
    "view_outcome",
    "change_outcome",
    "publish_outcome",
    "view_speaker",
    "change_speaker",
]
# Registrations (list, export, check-in, walk-ins) and question moderation of the
# congresses of their own site: every view also checks the congress's site
# (``staff_congresses``), so these open nothing of another organisation.
EVENT_STAFF_PARTICIPATION_PERMISSIONS = [
    "view_registration",
    "change_registration",
    "export_registration",
    "check_in_registration",
    "view_question",
    "change_question",
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
        grant_model_permissions(group, "congress", EVENT_STAFF_PARTICIPATION_PERMISSIONS)
        for app_label, codenames in MEDIA_PERMISSIONS.items():
            grant_model_permissions(group, app_label, codenames)
    elif site_role.role == SiteRole.EDITOR:
        # Editors already edit every page of their site, congress pages included.
        grant_model_permissions(group, "congress", CONGRESS_MODEL_PERMISSIONS)
    elif site_role.role == SiteRole.TRANSLATOR:
        grant_model_permissions(group, "congress", TRANSLATOR_MODEL_PERMISSIONS)


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


def staff_congresses(user, perm):
    """Congress pages (first versions: where registrations and questions are kept)
    whose registrations and questions ``user`` may handle with the ``congress``
    model permission ``perm`` ("view_registration", "check_in_registration", ...):
    superusers every one; others those they may edit on a site where they are event
    staff, when they hold ``perm``. Editors, translators and membership officers of
    any site, and event staff of another site, get none."""
    if not (user.is_active and user.is_authenticated):
        return CongressPage.objects.none()
    if user.is_superuser:
        pages = CongressPage.objects.all()
    else:
        if not user.has_perm(f"congress.{perm}"):
            return CongressPage.objects.none()
        query = Q(pk__in=[])
        for site in sites_for_user(user, SiteRole.EVENT_STAFF):
            query |= _under_site(site)
        pages = editable_congresses(user).filter(query)
    first_versions = (
        CongressPage.objects.filter(translation_key=OuterRef("translation_key"))
        .order_by("pk")
        .values("pk")[:1]
    )
    return pages.filter(pk=Subquery(first_versions))


class OutcomePermissionPolicy(PagePathPolicy):
    """An outcome belongs to the site of its congress page: a user may do with it what
    one of their role groups *of that site* allows (translators: with its
    translations; see ``home.roles.SiteRolePermissionPolicy``)."""

    def __init__(self, model, auth_model=None):
        super().__init__(model, "congress", auth_model=auth_model)


class SitePermissionPolicy(SiteRolePermissionPolicy):
    """For a model with a ``site`` foreign key (speakers): a user may do ``action``
    with an instance when a role group of theirs tied to the instance's site holds
    the model permission for ``action`` (translators: with its translations). A
    permission given some other way opens no instance of any site."""

    def rows_of_site(self, site):
        return Q(site=site)

    def site_id_of(self, instance):
        return instance.site_id

    def sites_for(self, user, actions):
        """Sites on which a role group of ``user`` holds the model permission for one
        of ``actions`` (the choices of the speaker form's site)."""
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
