"""The tokens of the links in the confirmation emails: random and opaque.

A token is ``secrets.token_urlsafe(32)`` (256 random bits); the database keeps only
its SHA-256 (``LinkToken``) with its purpose, person, page, the sign-ups it confirms
and its expiry, so a token tells nothing (no ids, no address) and a copy of the
database opens no link.

- Confirmation: valid for the site's ``confirmation_link_days``; it confirms once
  (a second press only shows what is confirmed).
- Withdrawal: valid for ``WITHDRAW_LINK_DAYS``, and as long as any later withdrawal
  link of the same person is (every email carries a new one): a year after the last
  email. A confirmation link also lets its person withdraw while it is valid (the
  confirmed page offers that).

Both die with the person: only links of a person who is not erased are read.

Links sent before these tokens (signed with the secret key, with a ``:`` in them)
are still read until they expire: a confirmation link after its days (at most
``MEMBERSHIP_LINK_MAX_AGE``), a withdrawal link ``WITHDRAW_LINK_DAYS`` after it was
made. Delete ``_legacy_*`` once the last of them has expired.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from .records import LinkToken, Supporter

WITHDRAW_LINK_DAYS = 365
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
LEGACY_CONFIRM_SALT = "membership.confirm"
LEGACY_WITHDRAW_SALT = "membership.withdraw"


class InvalidLink(Exception):
    """Unknown, forged, of another site, or of an erased person."""


class ExpiredLink(InvalidLink):
    pass


@dataclass
class Link:
    """A link that was read: its person, the sign-ups it confirms, whether it was
    used, and its page (a withdrawal's scope)."""

    supporter: Supporter | None
    signup_ids: list = field(default_factory=list)
    page_id: int | None = None
    purpose: str = LinkToken.Purpose.CONFIRM
    used: bool = False
    token_id: int | None = None  # None for a link of the earlier, signed kind
    # The details its sign-ups proposed when it was sent ({"id": details}); empty
    # for links of the earlier kind, sent before details waited for confirmation.
    details: dict = field(default_factory=dict)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_links(supporter, page_id, signup_ids, days, now=None, details=None):
    """New (confirmation token, withdrawal token) for one email; ``details`` are the
    sign-ups' proposed details as the email is sent ({sign-up id: details})."""
    now = now or timezone.now()
    withdraw_until = now + timedelta(days=WITHDRAW_LINK_DAYS)
    confirm, withdraw = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    LinkToken.objects.bulk_create(
        [
            LinkToken(
                digest=_digest(confirm),
                purpose=LinkToken.Purpose.CONFIRM,
                supporter=supporter,
                page_id=page_id,
                signup_ids=list(signup_ids),
                details={str(pk): value for pk, value in (details or {}).items()},
                created_at=now,
                expires_at=now + timedelta(days=days),
            ),
            LinkToken(
                digest=_digest(withdraw),
                purpose=LinkToken.Purpose.WITHDRAW,
                supporter=supporter,
                page_id=page_id,
                created_at=now,
                expires_at=withdraw_until,
            ),
        ]
    )
    return confirm, withdraw


def read_link(token, site, purposes):
    """The ``Link`` of a token of one of ``purposes`` for a person of ``site``;
    raises InvalidLink (ExpiredLink when it is too old)."""
    if not isinstance(token, str):
        raise InvalidLink
    if ":" in token:
        return _legacy_link(token, site, purposes)
    if not TOKEN_PATTERN.fullmatch(token):
        raise InvalidLink
    row = (
        LinkToken.objects.filter(
            digest=_digest(token),
            purpose__in=purposes,
            supporter__site=site,
            supporter__erased_at__isnull=True,
            supporter__email__isnull=False,
        )
        .select_related("supporter")
        .order_by()
        .first()
    )
    if row is None:
        raise InvalidLink
    now = timezone.now()
    if row.expires_at <= now and not (
        row.purpose == LinkToken.Purpose.WITHDRAW and _withdrawal_links_alive(row.supporter_id, now)
    ):
        raise ExpiredLink
    return Link(
        supporter=row.supporter,
        signup_ids=[i for i in row.signup_ids if isinstance(i, int)],
        page_id=row.page_id,
        purpose=row.purpose,
        used=row.used_at is not None,
        token_id=row.pk,
        details=row.details if isinstance(row.details, dict) else {},
    )


def revoke(tokens):
    """Forget links that were never sent (their email failed)."""
    LinkToken.objects.filter(digest__in=[_digest(token) for token in tokens]).delete()


def mark_used(link):
    """A confirmation link confirms once."""
    if link.token_id is not None:
        LinkToken.objects.filter(pk=link.token_id, used_at__isnull=True).update(
            used_at=timezone.now()
        )


def _withdrawal_links_alive(supporter_id, now):
    return LinkToken.objects.filter(
        supporter_id=supporter_id, purpose=LinkToken.Purpose.WITHDRAW, expires_at__gt=now
    ).exists()


def delete_expired(now=None):
    """Forget the links that can no longer be used; returns how many."""
    now = now or timezone.now()
    alive = LinkToken.objects.filter(purpose=LinkToken.Purpose.WITHDRAW, expires_at__gt=now).values(
        "supporter_id"
    )
    expired = LinkToken.objects.filter(expires_at__lte=now).exclude(
        purpose=LinkToken.Purpose.WITHDRAW, supporter_id__in=alive
    )
    deleted, _ = expired.delete()
    return deleted


# -- links of the earlier, signed kind (read until they expire) ---------------------


def _legacy_link(token, site, purposes):
    readers = {
        LinkToken.Purpose.CONFIRM: _legacy_confirm,
        LinkToken.Purpose.WITHDRAW: _legacy_withdraw,
    }
    for purpose in purposes:
        try:
            return readers[purpose](token, site)
        except signing.SignatureExpired as error:
            raise ExpiredLink from error
        except (signing.BadSignature, ValueError, TypeError, AttributeError):
            continue
    raise InvalidLink


def _legacy_confirm(token, site):
    payload = signing.loads(
        token, salt=LEGACY_CONFIRM_SALT, max_age=settings.MEMBERSHIP_LINK_MAX_AGE
    )
    days = int(payload.get("d", 7)) if isinstance(payload, dict) else 0
    payload = signing.loads(token, salt=LEGACY_CONFIRM_SALT, max_age=timedelta(days=days))
    ids = payload.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise signing.BadSignature("malformed")
    return Link(supporter=None, signup_ids=ids)


def _legacy_withdraw(token, site):
    payload = signing.loads(
        token, salt=LEGACY_WITHDRAW_SALT, max_age=timedelta(days=WITHDRAW_LINK_DAYS)
    )
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise signing.BadSignature("malformed")
    supporter = Supporter.objects.filter(
        pk=payload["s"], site=site, erased_at__isnull=True, email__isnull=False
    ).first()
    tag = hashlib.sha256((supporter.email if supporter else "").encode()).hexdigest()[:16]
    if supporter is None or tag != payload.get("e"):
        raise signing.BadSignature("unknown")
    page_id = payload.get("p")
    return Link(
        supporter=supporter,
        page_id=page_id if isinstance(page_id, int) else None,
        purpose=LinkToken.Purpose.WITHDRAW,
    )
