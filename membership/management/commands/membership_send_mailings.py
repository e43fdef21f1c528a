"""Hand to the sender again the messages to supporters that nobody is sending: their
sender was killed (its lease ran out) or their task was lost. Run every 5 minutes
(civic-send-emails.timer); the sender carries on where the last one stopped and
never sends a copy twice (membership/mailing_send.py)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from membership.mailing_send import send_due_mailings


class Command(BaseCommand):
    help = "Resume the messages to supporters whose sender stopped (killed or lost)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=2,
            help="Messages never taken: only those queued at least this many minutes ago "
            "(default 2).",
        )

    def handle(self, *args, older_than, **options):
        resumed = send_due_mailings(timedelta(minutes=older_than))
        if options["verbosity"]:
            self.stdout.write(f"{len(resumed)} messages handed to the sender")
