"""The signed tokens of the links in the confirmation emails.

A confirmation token holds the sign-up ids and how many days it is valid for; a
withdrawal token holds the person, the page and a tag of the email address, so it
stops working when the person is erased. Both are signed with the project's secret
key under their own salt.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing

from .records import Supporter

CONFIRM_SALT = "membership.confirm"
WITHDRAW_SALT = "membership.withdraw"


def confirmation_token(signup_ids, days):
    return signing.dumps({"ids": list(signup_ids), "d": int(days)}, salt=CONFIRM_SALT)


def read_confirmation_token(token):
    """The sign-up ids of a valid token, or raise signing.BadSignature
    (signing.SignatureExpired when it is too old)."""
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.MEMBERSHIP_LINK_MAX_AGE)
    days = int(payload.get("d", 7)) if isinstance(payload, dict) else 0
    payload = signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(days=days))
    ids = payload.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise signing.BadSignature("malformed")
    return ids


def withdraw_token(supporter, page_id):
    """A signed link token that lets a person withdraw (it does not expire: leaving
    must stay as easy as joining). Bound to the address, so it dies with erasure."""
    return signing.dumps(
        {"s": supporter.pk, "p": page_id, "e": _email_tag(supporter)}, salt=WITHDRAW_SALT
    )


def _email_tag(supporter):
    return hashlib.sha256((supporter.email or "").encode()).hexdigest()[:16]


def read_withdraw_token(token, site):
    """(supporter, page id) of a valid token for this site, or raise BadSignature."""
    payload = signing.loads(token, salt=WITHDRAW_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise signing.BadSignature("malformed")
    supporter = Supporter.objects.filter(
        pk=payload["s"], site=site, erased_at__isnull=True, email__isnull=False
    ).first()
    if supporter is None or _email_tag(supporter) != payload.get("e"):
        raise signing.BadSignature("unknown")
    page_id = payload.get("p")
    return supporter, page_id if isinstance(page_id, int) else None
