"""Send the candidates' pledge emails that are due again (run every few minutes)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from movement.tasks import retry_failed


class Command(BaseCommand):
    help = (
        "Send again the emails about candidates' pledges that the mail server refused, "
        "or that never reached the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            help="Minutes an email must have waited for the worker before it is sent here.",
        )

    def handle(self, *args, older_than, **options):
        sent = retry_failed(older_than=timedelta(minutes=older_than))
        if options["verbosity"]:
            self.stdout.write(f"{sent} pledge emails sent")
