"""Mark addresses of an organisation undeliverable (a bounce or complaint list from
the mail provider), or take the mark off again. Messages skip a marked address.

    manage.py membership_undeliverable --site example.org --reason bounce a@x.org b@y.org
    manage.py membership_undeliverable --site example.org --file bounces.txt
    manage.py membership_undeliverable --site example.org --remove a@x.org
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from wagtail.models import Site

from membership.emails import InvalidEmail, normalise_email
from membership.mailing_send import mark_undeliverable
from membership.mailings import UndeliverableAddress


class Command(BaseCommand):
    help = "Mark email addresses of an organisation undeliverable (or --remove the mark)."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", help="Addresses.")
        parser.add_argument(
            "--site", required=True, help="The organisation's site: its hostname or id."
        )
        parser.add_argument(
            "--reason",
            choices=UndeliverableAddress.Reason.values,
            default=UndeliverableAddress.Reason.BOUNCE,
            help="Why (default bounce).",
        )
        parser.add_argument("--note", default="", help="A note kept with each mark.")
        parser.add_argument(
            "--file", help="A file of addresses, one a line ('-' reads standard input)."
        )
        parser.add_argument("--remove", action="store_true", help="Take the mark off.")

    def site(self, value):
        sites = Site.objects.filter(hostname=value)
        if value.isdigit():
            sites = Site.objects.filter(pk=int(value))
        if len(sites) != 1:
            raise CommandError(f"No single site {value!r} (give its hostname or id).")
        return sites[0]

    def addresses(self, emails, path):
        found = list(emails)
        if path:
            if path == "-":
                import sys

                found += sys.stdin.read().splitlines()
            else:
                with open(path, encoding="utf-8") as file:
                    found += file.read().splitlines()
        return [line.strip() for line in found if line.strip() and not line.startswith("#")]

    def handle(self, *args, emails, site, reason, note, file, remove, **options):
        site = self.site(site)
        done = bad = 0
        for email in self.addresses(emails, file):
            try:
                key = normalise_email(email)
                validate_email(key)
                if remove:
                    done += UndeliverableAddress.objects.filter(site=site, email=key).delete()[0]
                else:
                    mark_undeliverable(site, email, reason, note=note)
                    done += 1
            except (InvalidEmail, ValidationError):
                bad += 1
                self.stderr.write(f"Not an address: {email}")
        verb = "unmarked" if remove else "marked undeliverable"
        self.stdout.write(f"{done} addresses {verb}" + (f", {bad} not addresses" if bad else ""))
