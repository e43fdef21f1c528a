"""Send confirmation emails that failed or were never handed over (run every few minutes)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from membership.tasks import retry_unsent


class Command(BaseCommand):
    help = "Retry confirmation emails that could not be sent."

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
