"""What Wagtail's "Private, accessible to logged-in users" means here.

Wagtail lets in any signed-in account; with one admin for several organisations that
would be every organisation's staff. Here a page with such a restriction (on itself
or an ancestor) is for the people of the organisation whose site holds the page, and
a document in a collection with one is for the people of the organisation whose media
collection (``home.roles.site_collection``) holds it: users with a role (``SiteRole``
group) on that site, and superusers. Pages outside every site and collections outside
every organisation's are for superusers only. Anyone else gets Wagtail's own answer
to a restricted page: the redirect to the login page, never the content.

Restrictions to chosen groups and passwords keep Wagtail's meaning. The checks are
Wagtail's ``before_serve_page`` and ``before_serve_document`` hooks
(home/security/wagtail_hooks.py); anonymous visitors are left to Wagtail's own check,
which sends them to the login page as well.

A page's translations follow its privacy. Setting, changing or removing the
restriction of a source page (Wagtail's "Privacy" dialog, or any other way it is
saved) does the same to its translations and aliases in the same site: the same
type, password and groups (``connect``, model signals). A restriction that a page
loses because the page itself is deleted is not passed on. A translation's own
privacy cannot be changed (``home.translations_tree.TranslationPermissionTester``);
its status panel links to the source page. wagtail-localize copies the source's
restriction to a translation too, when it makes or publishes one; the two agree.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from wagtail.models import BaseViewRestriction, Page, PageViewRestriction, Site

from home.models import SiteRole
from home.translations_tree import source_of, translations_in_site


def belongs_to(user, site):
    """True when ``user`` is one of ``site``'s people (a role there) or a superuser."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return site is not None and SiteRole.objects.filter(site=site, group__user=user).exists()


def collection_site(collection):
    """The site whose media collection holds ``collection``, or None.

    Each organisation's collection sits under the root and bears the site's name
    (``home.roles.site_collection``)."""
    top = collection.get_ancestors(inclusive=True).filter(depth=2).first()
    if top is None:
        return None
    return Site.objects.filter(
        Q(site_name=top.name) | (Q(site_name="") & Q(hostname=top.name))
    ).first()


def _for_signed_in_users(restrictions):
    return any(r.restriction_type == BaseViewRestriction.LOGIN for r in restrictions)


def _login_answer(request):
    login_url = getattr(settings, "WAGTAIL_FRONTEND_LOGIN_URL", None) or reverse(
        "wagtailcore_login"
    )
    response = redirect_to_login(request.get_full_path(), login_url)
    add_never_cache_headers(response)
    return response


def restrict_page_to_its_organisation(page, request, serve_args, serve_kwargs):
    """``before_serve_page``: a "logged-in users" page only for its site's people."""
    user = request.user
    if (
        user.is_authenticated
        and _for_signed_in_users(page.get_view_restrictions())
        and not belongs_to(user, page.get_site())
    ):
        return _login_answer(request)
    return None


def restrict_document_to_its_organisation(document, request):
    """``before_serve_document``: the same for a document's collection."""
    user = request.user
    collection = document.collection
    if (
        user.is_authenticated
        and _for_signed_in_users(collection.get_view_restrictions())
        and not belongs_to(user, collection_site(collection))
    ):
        return _login_answer(request)
    return None


# -- One privacy in every language -------------------------------------------------------


def _counterpart(page):
    return page.view_restrictions.order_by("pk").first()


def _followers(page):
    """The translations whose privacy follows ``page``: none unless it is a source."""
    return [] if source_of(page) is not None else translations_in_site(page)


def _restriction_saved(sender, instance, created, raw=False, **kwargs):
    """A restriction saved on a source page is saved the same on its translations.
    Groups follow when they change (``_groups_changed``): Wagtail saves them after the
    restriction. A new restriction of a translation that has no groups takes its
    source's (wagtail-localize copies a restriction without its groups)."""
    if raw:
        return
    page = instance.page
    followers = _followers(page)
    for translation in followers:
        counterpart = _counterpart(translation)
        if counterpart is None:
            copy = PageViewRestriction.objects.create(
                page=translation,
                restriction_type=instance.restriction_type,
                password=instance.password,
            )
            copy.groups.set(instance.groups.all())
        elif (counterpart.restriction_type, counterpart.password) != (
            instance.restriction_type,
            instance.password,
        ):
            counterpart.restriction_type = instance.restriction_type
            counterpart.password = instance.password
            counterpart.save()
    if followers or not created or instance.restriction_type != BaseViewRestriction.GROUPS:
        return
    source = source_of(page)
    original = _counterpart(source) if source is not None else None
    if original is not None and not instance.groups.exists():
        instance.groups.set(original.groups.all())


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # a group's restrictions were changed from the group's side
        restrictions = PageViewRestriction.objects.filter(pk__in=pk_set or ())
    else:
        restrictions = [instance]
    for restriction in restrictions:
        groups = set(restriction.groups.values_list("pk", flat=True))
        for translation in _followers(restriction.page):
            counterpart = _counterpart(translation)
            if counterpart is not None and groups != set(
                counterpart.groups.values_list("pk", flat=True)
            ):
                counterpart.groups.set(groups)


def _restriction_deleted(sender, instance, origin=None, **kwargs):
    """A restriction removed from a source page (not deleted with the page) is removed
    from its translations once the page has none left."""
    if not (
        isinstance(origin, PageViewRestriction)
        or getattr(origin, "model", None) is PageViewRestriction
    ):
        return
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None or page.view_restrictions.exists():
        return
    for translation in _followers(page):
        translation.view_restrictions.all().delete()


def connect():
    uid = "restrictions:translations"
    post_save.connect(_restriction_saved, sender=PageViewRestriction, dispatch_uid=uid)
    post_delete.connect(_restriction_deleted, sender=PageViewRestriction, dispatch_uid=uid)
    m2m_changed.connect(
        _groups_changed, sender=PageViewRestriction.groups.through, dispatch_uid=uid
    )
