"""Remove a user's second factor (lost phone and recovery codes).

    manage.py reset_two_factor USERNAME

The user then sets it up again: from their account page if it is optional for them,
or, if their role requires it, through the link that ``manage.py send_two_factor_link
USERNAME`` (or their set-up screen, on request) sends to their email address.
Use ``manage.py axes_reset_username USERNAME`` to lift a login lockout.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Remove the two-factor devices and recovery codes of a user."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        totp, _ = TOTPDevice.objects.filter(user=user).delete()
        static, _ = StaticDevice.objects.filter(user=user).delete()
        self.stdout.write(f"Removed {totp + static} two-factor record(s) of {username}.")
