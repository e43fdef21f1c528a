"""New congress and news index pages give event staff their rights at once."""

from wagtail.signals import page_published

from .permissions import grant_on_new_index_page

INDEX_PAGE_LABELS = {"congress.congressindexpage", "movement.newsindexpage"}


def _index_page_published(sender, instance, **kwargs):
    if instance._meta.label_lower in INDEX_PAGE_LABELS:
        grant_on_new_index_page(instance)


def connect():
    page_published.connect(_index_page_published, dispatch_uid="congress_index_published")
