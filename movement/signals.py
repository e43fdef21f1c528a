"""Pledges and progress updates show on campaign pages but are not page publishes:
every change to them empties the page cache."""

from django.db.models.signals import post_delete, post_save

from home.cache import invalidate_page_cache

from .models import Pledge, ProgressUpdate


def connect():
    for model in (Pledge, ProgressUpdate):
        name = model.__name__
        post_save.connect(invalidate_page_cache, sender=model, dispatch_uid=f"movement_save_{name}")
        post_delete.connect(
            invalidate_page_cache, sender=model, dispatch_uid=f"movement_del_{name}"
        )
