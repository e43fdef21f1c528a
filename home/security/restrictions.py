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
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from wagtail.models import BaseViewRestriction, Site

from home.models import SiteRole


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
