from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovementConfig(AppConfig):
    name = "movement"
    verbose_name = _("Movement")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from .models import CandidateRecord, Pledge, ProgressUpdate
        from .permissions import CampaignRecordPermissionPolicy

        # Editors see and change only the records of their own sites' campaigns.
        register_permission_policy(Pledge, CampaignRecordPermissionPolicy(Pledge, "campaign"))
        register_permission_policy(
            ProgressUpdate, CampaignRecordPermissionPolicy(ProgressUpdate, "demand__page")
        )
        register_permission_policy(
            CandidateRecord, CampaignRecordPermissionPolicy(CandidateRecord, "pledge__campaign")
        )
