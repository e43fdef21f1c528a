from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home and site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, invalidation, translations, translations_tree  # noqa: F401
        from .demo import ensure_locales
        from .roles import complete_site_roles
        from .security import restrictions

        invalidation.connect()
        translations.connect()
        # A page and its translations share their privacy; deleted media leave no
        # dangling copy in wagtail-localize (home/translations_tree.py).
        restrictions.connect()
        translations_tree.connect()
        # Every configured content language gets its Locale: adding a language is a
        # settings change, not a data migration.
        post_migrate.connect(ensure_locales, sender=self)
        # The role groups of every organisation get what the roles hold now.
        post_migrate.connect(complete_site_roles, sender=self)
