"""Apply the retention rule of congress questions (run daily)."""

from django.core.management.base import BaseCommand

from congress.question_flow import purge_rejected


class Command(BaseCommand):
    help = "Delete questions and comments rejected by moderation more than 30 days ago."

    def handle(self, *args, **options):
        deleted = purge_rejected()
        self.stdout.write(f"{deleted} rejected questions deleted")
