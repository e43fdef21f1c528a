"""The candidate's link to their pledge (confirm, edit, withdraw, print) and where
it leads.

Every email about a pledge carries a new link, which replaces the ones before; only
the SHA-256 of its random token is stored (``Pledge.link_digest``). It is valid 30
days while the address is not confirmed (the pledge is deleted after that:
``movement_purge``), otherwise at least 30 days and until 400 days after the
election day (to withdraw or print the pledge later).
"""

import hashlib
import secrets
from datetime import datetime, time, timedelta
from urllib.parse import urljoin

from django.utils import timezone
from wagtail.models import Page

from .records import Pledge

LINK_DAYS = 30
LINK_DAYS_AFTER_ELECTION = 400
TOKEN_MAX_LENGTH = 100
#: The email that goes with each state, when one is sent again (``message_for``).
STATE_MESSAGES = {
    Pledge.State.PENDING: "confirm",
    Pledge.State.CONFIRMED: "link",
    Pledge.State.PROOF: "proof",
    Pledge.State.APPROVED: "approved",
    Pledge.State.DECLINED: "declined",
    Pledge.State.WITHDRAWN: "withdrawn",
}


def page_in_language(page, language):
    """The live translation of the campaign ``page`` in ``language`` (its own type),
    else ``page``."""
    found = (
        Page.objects.filter(
            translation_key=page.translation_key, locale__language_code=language, live=True
        )
        .order_by("pk")
        .first()
    )
    return found.specific if found is not None else page


def route_url(page, name, request=None):
    """The URL of one of the page's routes (full when there is no request)."""
    base = page.get_url(request) if request is not None else page.get_full_url()
    return (base or "/") + page.reverse_subpage(name).lstrip("/")


def full_url(page, url):
    """``url`` (as a page gives it: relative when one site is served) made absolute."""
    return urljoin(page.get_full_url() or "", url)


# -- the candidate's link ----------------------------------------------------------------


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(pledge, now=None):
    """30 days for a pledge whose address is not confirmed (it is deleted once its
    link has expired: ``movement_purge``); otherwise at least 30 days, and until
    400 days after the election day."""
    now = now or timezone.now()
    expiry = now + timedelta(days=LINK_DAYS)
    if pledge.state == Pledge.State.PENDING:
        return expiry
    election = pledge.campaign.election_date
    if election is not None:
        after = datetime.combine(election + timedelta(days=LINK_DAYS_AFTER_ELECTION), time.max)
        expiry = max(expiry, timezone.make_aware(after))
    return expiry


def issue_token(pledge, now=None):
    """A new link token for ``pledge``; the ones before stop working. Only its
    digest is stored."""
    token = secrets.token_urlsafe(32)
    pledge.link_digest = token_digest(token)
    pledge.link_expires_at = link_expiry(pledge, now)
    Pledge.objects.filter(pk=pledge.pk).update(
        link_digest=pledge.link_digest, link_expires_at=pledge.link_expires_at
    )
    return token


def manage_url(pledge, token, page=None):
    page = page or page_in_language(pledge.campaign, pledge.language)
    return f"{route_url(page, 'manage_pledge')}?token={token}"


def link_for(pledge, now=None):
    """Issue a new link for ``pledge`` (in its candidate's language): the full URL
    of its manage page."""
    return manage_url(pledge, issue_token(pledge, now))


def pledge_for_token(page, token, now=None):
    """The pledge of a valid, unexpired link token, for this campaign (any of its
    languages); None otherwise."""
    if not token or not isinstance(token, str) or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Pledge.objects.filter(
            link_digest=token_digest(token),
            link_expires_at__gt=now or timezone.now(),
            campaign__translation_key=page.translation_key,
        )
        .select_related("campaign", "photo")
        .first()
    )


def message_for(pledge):
    """The email that fits the pledge's state now."""
    return STATE_MESSAGES[pledge.state]
