"""What moves a site's page-cache generation on: the one list.

Each entry names a model whose rows public pages show, and how to find the site
they show on: a path of attributes from a row to a page (whose site it is) or to a
site, ``""`` for a page itself, or ``None`` for every site (rows that any
organisation's pages may show, or that say which site a host is). A save or a
delete of such a row, and a publish or unpublish of a page or snippet, empties that
site's part of the cache (``home.cache.invalidate_sites``). What is not listed
changes no cached page: drafts, revisions that are not published, sign-ups (counters
are kept at most 60 seconds, ``limit_page_cache``), the people area, logs.

tests/home/test_invalidation.py walks this list: it creates, edits and deletes a row
of each model and checks the public page on the next request.
"""

import logging

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

from .cache import invalidate_sites

logger = logging.getLogger(__name__)

EVERY_SITE = None
#: Models whose new rows change no page (a rendition is made by the page that shows it).
DELETES_ONLY = {"wagtailimages.Rendition"}
#: Site settings that only pages never kept in the cache show (the sign-up forms).
ONLY_ON_UNCACHED_PAGES = {"membership.MembershipSettings", "membership.VolunteerArea"}

SHOWN_ON_PUBLIC_PAGES = {
    # Which site a host is (a hostname or the default site changes).
    "wagtailcore.Site": EVERY_SITE,
    # Pages are covered by their publish, unpublish, move and delete (below); a view
    # restriction changes what anonymous visitors may see of a page and its menu.
    "wagtailcore.PageViewRestriction": "page",
    # Media: organisations' collections are not sites, and a file replaced or
    # deleted must go from every page that showed it.
    "wagtailimages.Image": EVERY_SITE,
    "wagtailimages.Rendition": EVERY_SITE,  # deletes only: a render makes new ones
    "wagtaildocs.Document": EVERY_SITE,
    # Site settings and the rows edited inline with them.
    "home.OrganisationSettings": "site",
    "home.OrganisationText": "settings.site",
    # Snippets and rows shown on a page without a publish of that page.
    # Pledges: once approved (a candidate's pledge waiting for its review, which
    # visitors make, changes nothing the public sees).
    "movement.Pledge": "shown_on",
    # Shown on the candidate's page and in the campaign page's summary.
    "movement.PledgeCommitment": "pledge.shown_on",
    "movement.CandidateRecord": "pledge.campaign",
    "movement.ProgressUpdate": "demand.page",
    "congress.Outcome": "congress",
    "congress.Question": "shown_on",
    "membership.OrganisationApplication": "shown_on",
    "congress.Speaker": EVERY_SITE,
}


def sites_of(instance, path):
    """The ids of the sites where ``instance`` shows (None: every site)."""
    if path is EVERY_SITE:
        return None
    target = instance
    try:
        for name in filter(None, path.split(".")):
            target = getattr(target, name)
    except ObjectDoesNotExist:  # its page or site went first (a cascading delete)
        return None
    if target is None:
        return set()
    if isinstance(target, Site):
        return {target.pk}
    if isinstance(target, Page):
        # Every site whose root (or a translation of it) the page lies under: one
        # page can be served under several hosts.
        sites = {
            root.site_id
            for root in Site.get_site_root_paths()
            if target.url_path.startswith(root.root_path)
        }
        return sites or None
    raise TypeError(f"{path!r} of {type(instance).__name__} leads to no page or site")


def _changed(sender, instance, path, **kwargs):
    if isinstance(instance, Site):
        # Every site (a host may move from one to another), and this one even when it
        # has just been deleted: pages stored under its hosts name it.
        invalidate_sites(set(Site.objects.values_list("pk", flat=True)) | {instance.pk})
        return
    invalidate_sites(sites_of(instance, path))


def _page_changed(sender=None, instance=None, **kwargs):
    invalidate_sites(sites_of(instance, ""))


def _page_moved(sender, instance, parent_page_before, **kwargs):
    before = sites_of(parent_page_before, "")
    after = sites_of(instance, "")
    invalidate_sites(None if before is None or after is None else before | after)


def _page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        _page_changed(instance=instance)


def connect():
    for label, path in SHOWN_ON_PUBLIC_PAGES.items():
        model = apps.get_model(label)

        def receiver(sender, instance, _path=path, **kwargs):
            _changed(sender, instance, _path)

        uid = f"pagecache:{label}"
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
        if label not in DELETES_ONLY:
            post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
            published.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
            unpublished.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    for signal in (page_published, page_unpublished):
        signal.connect(_page_changed, dispatch_uid="pagecache:page")
    post_page_move.connect(_page_moved, dispatch_uid="pagecache:page-moved")
    post_delete.connect(_page_deleted, dispatch_uid="pagecache:page-deleted")


def unlisted_site_settings():
    """Site settings, and models with a foreign key to one, missing from the list
    (a test keeps this empty)."""
    listed = {apps.get_model(label) for label in {*SHOWN_ON_PUBLIC_PAGES, *ONLY_ON_UNCACHED_PAGES}}
    missing = []
    for model in apps.get_models():
        if model in listed:
            continue
        if issubclass(model, BaseSiteSetting) or any(
            field.many_to_one
            and isinstance(field.related_model, type)
            and issubclass(field.related_model, BaseSiteSetting)
            for field in model._meta.concrete_fields
        ):
            missing.append(model._meta.label)
    return missing
