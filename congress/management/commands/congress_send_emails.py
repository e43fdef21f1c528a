"""Send the congress registrations' emails that are due (run every five minutes)."""

from django.core.management.base import BaseCommand

from congress.registration_emails import run


class Command(BaseCommand):
    help = (
        "Send the emails of congress registrations that are due: those the mail server "
        "refused (after their back-off) or that never reached the worker, the reminder "
        "the day before a congress and the livestream link once it is live. Each "
        "reminder and livestream email goes at most once, however often this runs."
    )

    def handle(self, *args, **options):
        counts = run()
        if options["verbosity"]:
            self.stdout.write(
                "{due} due, {reminders} reminders, {live} livestream emails sent".format(**counts)
            )
