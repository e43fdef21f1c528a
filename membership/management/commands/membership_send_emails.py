"""Send confirmation emails that failed (once their back-off is over), were held back
by the limit per address (once the hour is over) or were never handed over to the
task backend. Run every few minutes."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from membership.tasks import retry_unsent


class Command(BaseCommand):
    help = "Send the confirmation emails that are due: failed, held back or never handed over."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            help="Only emails queued at least this many minutes ago (default 5).",
        )

    def handle(self, *args, older_than, **options):
        sent = retry_unsent(timedelta(minutes=older_than))
        self.stdout.write(f"{sent} confirmation emails sent")
