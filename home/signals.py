from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Locale, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import invalidate_page_cache
from .models import OrganisationSettings, OrganisationText

page_published.connect(invalidate_page_cache, dispatch_uid="pagecache_published")
page_unpublished.connect(invalidate_page_cache, dispatch_uid="pagecache_unpublished")
post_page_move.connect(invalidate_page_cache, dispatch_uid="pagecache_moved")

for model in (Site, Locale, PageViewRestriction, OrganisationSettings, OrganisationText):
    post_save.connect(
        invalidate_page_cache, sender=model, dispatch_uid=f"pagecache_save_{model.__name__}"
    )
    post_delete.connect(
        invalidate_page_cache, sender=model, dispatch_uid=f"pagecache_del_{model.__name__}"
    )


def _page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        invalidate_page_cache()


post_delete.connect(_page_deleted, dispatch_uid="pagecache_page_deleted")


def _site_setting_changed(sender, instance, **kwargs):
    """Any app's site settings (kept per generation by home.cache.settings_for_site)."""
    if isinstance(instance, BaseSiteSetting):
        invalidate_page_cache()


post_save.connect(_site_setting_changed, dispatch_uid="pagecache_site_setting_saved")
post_delete.connect(_site_setting_changed, dispatch_uid="pagecache_site_setting_deleted")


def connect_site_setting_parts():
    """Rows that belong to a site setting (its inline panels: volunteer areas, texts
    per language) change what pages show as much as the setting itself."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            related = getattr(field, "related_model", None)
            if field.many_to_one and isinstance(related, type):
                if issubclass(related, BaseSiteSetting):
                    uid = f"pagecache_part_{model._meta.label_lower}"
                    post_save.connect(invalidate_page_cache, sender=model, dispatch_uid=uid)
                    post_delete.connect(invalidate_page_cache, sender=model, dispatch_uid=uid)
                    break


connect_site_setting_parts()


def _ensure_locales(sender, **kwargs):
    from .demo import ensure_locales

    ensure_locales()
