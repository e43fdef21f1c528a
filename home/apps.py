from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import invalidation
        from .demo import ensure_locales

        invalidation.connect()
        # Every configured content language gets its Locale: adding a language is a
        # settings change, not a data migration.
        post_migrate.connect(ensure_locales, sender=self)
