"""Apply the retention rules to candidates' pledges (run daily)."""

from django.core.management.base import BaseCommand

from movement.review import purge


class Command(BaseCommand):
    help = (
        "Delete candidates' pledges never confirmed whose link has expired, and erase "
        "the candidate's email and link of declined pledges after 90 days and of every "
        "other pledge a year after its campaign's election day."
    )

    def handle(self, *args, **options):
        deleted, erased = purge()
        self.stdout.write(
            f"{deleted} unconfirmed pledges deleted, {erased} candidates' contact data erased"
        )
