"""Which failed logins count together (django-axes ``AXES_LOCKOUT_PARAMETERS``).

Three counts, each against ``AXES_FAILURE_LIMIT`` within ``AXES_COOLOFF_TIME``
(django-axes locks when the largest of them reaches the limit):

- the user name from this address (the pair),
- this address, whatever user names it tries (one address guessing many accounts),
- this user name, from any address (many addresses guessing one account).

The per-account count would let anyone lock an officer out by failing on purpose, so
it does not apply at an address where that user has signed in successfully in the
last ``KNOWN_ADDRESS_DAYS`` days (axes' access log): there only the pair counts, so an
attacker elsewhere cannot keep the owner out of their usual office or home. A
success there resets that pair only (``AXES_RESET_ON_SUCCESS`` deletes what these
parameters select, and the access log of the success is written first), never the
count of the address or of the account.
"""

from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessLog
from django.utils import timezone

KNOWN_ADDRESS_DAYS = 90

PAIR = ["username", "ip_address"]
EVERY_COUNT = [PAIR, "ip_address", "username"]


def lockout_parameters(request, credentials=None):
    """AXES_LOCKOUT_PARAMETERS: every count, or the pair alone at a known address."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    if username and address and is_known_address(username, address):
        return [PAIR]
    return EVERY_COUNT


def is_known_address(username, address):
    since = timezone.now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).exists()
