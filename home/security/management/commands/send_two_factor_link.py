"""Send a user the link that sets up their second factor.

    manage.py send_two_factor_link USERNAME           # emailed to the account's address
    manage.py send_two_factor_link USERNAME --print   # printed, to hand over yourself

A user whose role requires two-factor authentication and who has no device cannot
set one up with the password alone; this link (also sent from their set-up screen on
request, or by a superuser from the admin's user list) lets them, once, for a day.
An earlier link stops working.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from home.security.twofactor import new_enrolment_link, send_enrolment_link


class Command(BaseCommand):
    help = "Email (or print) a user the one-time link that sets up two-factor authentication."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--print",
            action="store_true",
            dest="print_link",
            help="Print the link instead of emailing it.",
        )

    def handle(self, *args, username, print_link, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        if print_link:
            self.stdout.write(new_enrolment_link(user))
            return
        if not user.email:
            raise CommandError(f"{username} has no email address; use --print.")
        send_enrolment_link(user)
        self.stdout.write(f"Sent a two-factor set-up link to {user.email}.")
