"""The organisation's review of candidates' pledges.

A pledge made online waits for the candidate to confirm their address
(``PENDING``), then for staff (``CONFIRMED``). Staff approve it (``APPROVED``:
public), ask the candidate for proof (``PROOF``, e.g. a scan of the signed paper
pledge) or decline it (``DECLINED``); the candidate hears of each by email, in
their language (``pledges.notify``).

Each step is one conditional UPDATE from the states it may start from, so two
staff pressing at once cannot both act: the second finds the pledge changed and is
told so (``ReviewError``). Who did it and when is kept on the pledge
(``reviewed_by``, ``approved_at``) and in Wagtail's log of the pledge (its
"History"), with the actions registered in ``wagtail_hooks.py``.

``erase_contact`` removes the candidate's address and link for good and keeps the
public record.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from . import pledges
from .records import Pledge

State = Pledge.State

# The states staff may decide on: the address is confirmed, proof may be pending.
REVIEWABLE = (State.CONFIRMED, State.PROOF)

# Log actions (registered in wagtail_hooks.register_pledge_log_actions)
APPROVE = "movement.pledge.approve"
ASK_FOR_PROOF = "movement.pledge.proof"
DECLINE = "movement.pledge.decline"
ERASE_CONTACT = "movement.pledge.erase_contact"

NOT_REVIEWABLE = {
    State.PENDING: _(
        "The candidate has not confirmed their email address yet: the pledge can be "
        "reviewed once they have."
    ),
    State.APPROVED: _("This pledge has already been approved."),
    State.DECLINED: _("This pledge has already been declined."),
    State.WITHDRAWN: _("The candidate has withdrawn this pledge."),
}
CHANGED = _("Someone else has just reviewed this pledge; see its state now.")
EDITED = _(
    "The candidate changed the pledge while you were reviewing it. Read it again "
    "below before you decide."
)
MESSAGE_REQUIRED = _("Write the message to the candidate.")


class ReviewError(Exception):
    """The step cannot be taken; ``message`` says why, for staff."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _refusal(pledge, seen_state=None, seen_version=None):
    if seen_state is not None and pledge.state != seen_state:
        return CHANGED
    if seen_version is not None and pledge.version != seen_version:
        return EDITED
    return NOT_REVIEWABLE.get(pledge.state, CHANGED)


def _step(pledge, user, action, message, seen_state=None, seen_version=None, **values):
    """Move ``pledge`` to ``values`` if it is still in a reviewable state (and, with
    ``seen_state`` and ``seen_version``, still as the reviewer saw it); log it and
    tell the candidate (``message``) once committed. Raises ReviewError otherwise."""
    if seen_state is None:
        allowed = list(REVIEWABLE)
    else:
        allowed = [seen_state] if seen_state in REVIEWABLE else []
    unchanged = {} if seen_version is None else {"version": seen_version}
    values["reviewed_by"] = user if user is not None and user.is_authenticated else None
    values["reviewed_at"] = timezone.now()
    with transaction.atomic():
        done = Pledge.objects.filter(pk=pledge.pk, state__in=allowed, **unchanged).update(**values)
        pledge.refresh_from_db()
        if not done:
            raise ReviewError(_refusal(pledge, seen_state, seen_version))
        if pledge.is_public:
            # Saved again (same values) for the signals: the campaign's pages show
            # it now (home.invalidation).
            pledge.save(update_fields=list(values))
        log(
            instance=pledge,
            action=action,
            user=values["reviewed_by"],
            # Not the message: it is personal data that erasure removes.
            data={"state": pledge.state},
        )
        pledges.notify(pledge, message)
    return pledge


def approve(pledge, user, seen_state=None, seen_version=None):
    """Publish ``pledge`` (it must be CONFIRMED or PROOF)."""
    return _step(
        pledge,
        user,
        APPROVE,
        "approved",
        seen_state,
        seen_version,
        state=State.APPROVED,
        approved_at=timezone.now(),
        review_message="",
    )


def _required(message):
    message = (message or "").strip()
    if not message:
        raise ReviewError(MESSAGE_REQUIRED)
    return message


def ask_for_proof(pledge, user, message, seen_state=None, seen_version=None):
    """Ask the candidate for proof (``message`` says what); the pledge stays private."""
    return _step(
        pledge,
        user,
        ASK_FOR_PROOF,
        "proof",
        seen_state,
        seen_version,
        state=State.PROOF,
        review_message=_required(message),
    )


def decline(pledge, user, message, seen_state=None, seen_version=None):
    """Decline ``pledge``; ``message`` (the reason) is emailed to the candidate."""
    return _step(
        pledge,
        user,
        DECLINE,
        "declined",
        seen_state,
        seen_version,
        state=State.DECLINED,
        review_message=_required(message),
    )


CONTACT_FIELDS = {
    "email": "",
    "link_digest": None,
    "link_expires_at": None,
    "review_message": "",
    "email_status": "",
    "email_attempts": 0,
}


def erase_contact(pledge, user=None):
    """Remove the candidate's address, link and the messages to them; what is public
    (name, party, commitments, records) stays. Returns whether anything was there."""
    with transaction.atomic():
        had = Pledge.objects.filter(pk=pledge.pk).exclude(email="", link_digest=None).exists()
        Pledge.objects.filter(pk=pledge.pk).update(**CONTACT_FIELDS)
        pledge.refresh_from_db()
        if user is not None:
            log(instance=pledge, action=ERASE_CONTACT, user=user)
    return had


# Retention (``manage.py movement_purge``, daily)

#: A declined pledge's address is kept this long after it was received.
DECLINED_KEEP_DAYS = 90
#: Every other pledge's address and link: this long after its campaign's election day.
AFTER_ELECTION_KEEP_DAYS = 365
#: A pending pledge whose confirmation email never carried a link: this long.
UNCONFIRMED_KEEP_DAYS = 30


def purge(now=None):
    """Apply the retention rules to candidates' data; returns (pledges deleted,
    contacts erased).

    - Pledges never confirmed (``PENDING``) whose link has expired (or that never
      got one, after ``UNCONFIRMED_KEEP_DAYS``) are deleted, with the photo the
      candidate uploaded.
    - Declined pledges lose the candidate's address and link
      ``DECLINED_KEEP_DAYS`` after they were received; every other pledge
      ``AFTER_ELECTION_KEEP_DAYS`` after its campaign's election day. The public
      record stays; the photo a candidate sent with a pledge never made public
      (declined, withdrawn before its approval) goes with the address.
    """
    from django.db.models import Q
    from wagtail.images import get_image_model

    now = now or timezone.now()
    today = timezone.localdate(now)
    unconfirmed = Pledge.objects.filter(state=State.PENDING).filter(
        Q(link_expires_at__lt=now)
        | Q(
            link_expires_at__isnull=True,
            created_at__lt=now - timedelta(days=UNCONFIRMED_KEEP_DAYS),
        )
    )
    with transaction.atomic():
        deleted = unconfirmed.count()
        unconfirmed.delete()  # with their photos (``records.delete_candidates_photo``)
        has_contact = ~Q(email="") | Q(link_digest__isnull=False)
        due = (
            Pledge.objects.exclude(state=State.PENDING)
            .filter(has_contact)
            .filter(
                Q(state=State.DECLINED, reviewed_at__lt=now - timedelta(days=DECLINED_KEEP_DAYS))
                | Q(campaign__election_date__lt=today - timedelta(days=AFTER_ELECTION_KEEP_DAYS))
            )
        )
        due_ids = list(due.values_list("pk", flat=True))
        never_public = Pledge.objects.filter(
            pk__in=due_ids, source=Pledge.Source.ONLINE, approved_at__isnull=True
        ).exclude(state=State.APPROVED)
        photos = list(never_public.exclude(photo=None).values_list("photo_id", flat=True))
        never_public.update(photo=None)
        if photos:
            get_image_model().objects.filter(pk__in=photos).delete()
        erased = Pledge.objects.filter(pk__in=due_ids).update(**CONTACT_FIELDS)
    return deleted, erased
