"""Who may see and change candidates' pledges and progress updates in the admin.

Both are records of one campaign page, so they belong to the organisation (site)
whose page tree holds that campaign page, in any language. An editor of a site
(``SiteRole.EDITOR``) manages the records of that site's campaigns only; a
superuser manages all of them. The model permissions (add/change/delete) still
decide *what* a user may do; the site decides *which* records.

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
from wagtail.permission_policies import ModelPermissionPolicy

from home.models import SiteRole
from home.roles import sites_for_user

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


class CampaignRecordPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, limited to the records of the user's own sites.

    ``page_lookup`` leads from the model to its campaign page ("campaign" for a
    pledge, "demand__page" for a progress update).
    """

    def __init__(self, model, page_lookup, auth_model=None):
        super().__init__(model, auth_model=auth_model)
        self.page_lookup = page_lookup

    def scope(self, user):
        return campaign_scope(user, f"{self.page_lookup}__path")

    def campaign_page_id(self, instance):
        """The id of the campaign page ``instance`` belongs to (None when unset)."""
        target = instance
        *steps, last = self.page_lookup.split("__")
        for step in steps:
            target = getattr(target, step, None) if getattr(target, f"{step}_id", None) else None
            if target is None:
                return None
        return getattr(target, f"{last}_id", None)

    def is_in_scope(self, user, instance):
        """Whether ``instance`` belongs to a campaign of one of ``user``'s sites."""
        paths = scope_root_paths(user)
        if paths is None:
            return True
        page_id = self.campaign_page_id(instance)
        if page_id is None or not paths:
            return False
        return CampaignPage.objects.filter(campaign_scope(user, "path"), pk=page_id).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.is_in_scope(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self.is_in_scope(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return super().instances_user_has_any_permission_for(user, actions).filter(self.scope(user))
