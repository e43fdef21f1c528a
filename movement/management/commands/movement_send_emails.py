"""Send the candidates' pledge emails that are due (run every few minutes)."""

from django.core.management.base import BaseCommand

from movement.tasks import retry_failed


class Command(BaseCommand):
    help = (
        "Send the emails about candidates' pledges that are due: those the mail server "
        "refused, after their back-off, and those that never reached the worker."
    )

    def handle(self, *args, **options):
        sent = retry_failed()
        if options["verbosity"]:
            self.stdout.write(f"{sent} pledge emails sent")
