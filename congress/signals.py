"""Outcomes and speakers appear on public pages without a page publish, so every
change to them empties the page cache; new index pages give event staff their rights."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, published, unpublished

from home.cache import invalidate_page_cache

INDEX_PAGE_LABELS = {"congress.congressindexpage", "movement.newsindexpage"}


def _index_page_published(sender, instance, **kwargs):
    if instance._meta.label_lower in INDEX_PAGE_LABELS:
        from .permissions import grant_on_new_index_page

        grant_on_new_index_page(instance)


def connect():
    from .models import Outcome, Speaker

    for model in (Outcome, Speaker):
        name = model.__name__
        post_save.connect(invalidate_page_cache, sender=model, dispatch_uid=f"congress_save_{name}")
        post_delete.connect(
            invalidate_page_cache, sender=model, dispatch_uid=f"congress_del_{name}"
        )
    published.connect(invalidate_page_cache, sender=Outcome, dispatch_uid="congress_outcome_pub")
    unpublished.connect(
        invalidate_page_cache, sender=Outcome, dispatch_uid="congress_outcome_unpub"
    )
    page_published.connect(_index_page_published, dispatch_uid="congress_index_published")
