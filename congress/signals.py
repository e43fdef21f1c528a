"""New congress and news index pages give event staff their rights at once; a
congress published with more places moves its waiting list up."""

from django.db import transaction
from wagtail.signals import page_published

from membership.services import canonical_page_id

from .permissions import grant_on_new_index_page
from .registration_flow import fill_free_places
from .registrations import Registration

INDEX_PAGE_LABELS = {"congress.congressindexpage", "movement.newsindexpage"}


def _index_page_published(sender, instance, **kwargs):
    if instance._meta.label_lower in INDEX_PAGE_LABELS:
        grant_on_new_index_page(instance)


def _congress_published(sender, instance, **kwargs):
    """Places raised on a published congress go to the waiting list first (after the
    commit, on the first version, which holds the places for every translation)."""
    if instance._meta.label_lower != "congress.congresspage":
        return
    congress_id = canonical_page_id(instance)

    def fill():
        for mode in Registration.Mode.values:
            fill_free_places(congress_id, mode)

    transaction.on_commit(fill)


def connect():
    page_published.connect(_index_page_published, dispatch_uid="congress_index_published")
    page_published.connect(_congress_published, dispatch_uid="congress_page_published")
