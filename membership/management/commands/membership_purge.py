"""Apply each organisation's retention settings (run daily)."""

from django.core.management.base import BaseCommand
from wagtail.models import Site

from membership.exports import delete_expired_exports
from membership.services import purge


class Command(BaseCommand):
    help = (
        "Delete unconfirmed sign-ups and anonymise withdrawn people older than each "
        "site's retention settings (Settings → Membership), and exports older than a day."
    )

    def handle(self, *args, **options):
        results = purge()
        names = {s.pk: s.site_name or s.hostname for s in Site.objects.all()}
        for site_id, counts in results.items():
            self.stdout.write(
                f"{names.get(site_id, site_id)}: {counts['signups_deleted']} unconfirmed "
                f"sign-ups deleted, {counts['people_deleted']} people deleted, "
                f"{counts['people_erased']} withdrawn people anonymised"
            )
        exports = delete_expired_exports()
        if exports:
            self.stdout.write(f"{exports} expired exports deleted")
