"""Email each translator of the sites that ask for it the week's out-of-date
translations (``home.drift_digest``); run weekly by civic-translation-digest.timer."""

from django.core.management.base import BaseCommand, CommandError

from home.drift_digest import send_digests


class Command(BaseCommand):
    help = "Email translators the list of translations that lack their source's current text."

    def handle(self, *args, **options):
        sent, failed = send_digests()
        if options["verbosity"] > 1:
            self.stdout.write(f"{sent} email(s) sent.")
        if failed:
            # The others were sent; the timer's unit shows as failed, with the log.
            raise CommandError(f"{failed} email(s) could not be sent ({sent} sent).")
