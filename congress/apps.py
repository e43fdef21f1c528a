from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CongressConfig(AppConfig):
    name = "congress"
    verbose_name = _("Congress")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from . import signals
        from .models import Outcome, Speaker
        from .permissions import OutcomePermissionPolicy, SitePermissionPolicy

        signals.connect()
        register_permission_policy(Outcome, OutcomePermissionPolicy(Outcome))
        register_permission_policy(Speaker, SitePermissionPolicy(Speaker))
