"""Who may see and change candidates' pledges and progress updates in the admin.

Both are records of one campaign page, so they belong to the organisation (site)
whose page tree holds that campaign page, in any language. An editor of a site
(``SiteRole.EDITOR``) manages the records of that site's campaigns only, a
translator the translations of its progress updates; a superuser manages all of
them. The model permissions of the user's role groups *of that site* decide what
they may do with them.

``CampaignRecordPermissionPolicy`` is registered for both models (apps.py), so
Wagtail's own checks (buttons, bulk actions, copy) ask it per object, and so do the
shared scoped snippet views (``home.security.snippets``), the chooser checks
(``home.security.choosers``) and wagtail-localize's views
(``home.security.scope``); the forms in ``wagtail_hooks.py`` offer only campaign
pages in the same ``campaign_scope``.
"""

from functools import reduce
from operator import or_

from django.db.models import Q
from wagtail.models import Page

from home.models import SiteRole
from home.roles import PagePathPolicy, sites_for_user

from .models import CampaignPage


def scope_root_paths(user):
    """Tree paths of the root pages (every language) of the sites where ``user``
    is an editor (one query); None for a superuser (no limit)."""
    if user.is_active and user.is_superuser:
        return None
    sites = sites_for_user(user, SiteRole.EDITOR)
    roots = Page.objects.filter(translation_key__in=sites.values("root_page__translation_key"))
    return sorted(roots.values_list("path", flat=True))


def campaign_scope(user, path_lookup):
    """A Q object keeping rows whose campaign page (reached by ``path_lookup``, e.g.
    ``"campaign__path"``) lies under a site of ``user``. Matches nothing for a user
    without such a site; everything for a superuser."""
    paths = scope_root_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_lookup}__startswith": path}) for path in paths))


def editable_campaign_pages(user):
    """Campaign pages (every language) that ``user`` may attach records to."""
    return CampaignPage.objects.filter(campaign_scope(user, "path"))


class CampaignRecordPermissionPolicy(PagePathPolicy):
    """Records of a campaign page belong to the site whose tree holds that page:
    a user may do with one what a role group of theirs *of that site* allows
    (editors; translators with the translations of progress updates, see
    ``home.roles.SiteRolePermissionPolicy``).

    ``page_lookup`` leads from the model to its campaign page ("campaign" for a
    pledge, "demand__page" for a progress update).
    """
