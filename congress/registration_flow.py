"""Registrations to attend a congress: places, the waiting list, cancellations.

A registration is a membership sign-up of kind ``registration`` on the congress
page's first version, with a ``Registration`` beside it (``store_registration``,
the sign-up's ``on_store``). Its life:

- Stored pending; the same address again replaces a pending registration by the
  newest form. A confirmed one keeps its place: the changes wait in
  ``Registration.proposed`` and a "change" email carries a link that applies them
  (``apply_change``). The page answers the same way whether the address was known.
- Confirmed (membership's double opt-in, hook ``signups_confirmed``): the congress
  row is locked (``select_for_update``), the places of that mode are counted, and
  the person gets a place or a turn on the waiting list, with its email.
- Withdrawn (the cancel link of every email, hook ``signups_withdrawn``): cancelled;
  a freed place goes to the first on the waiting list of that mode, who is told.
"""

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from home.cache import limit_page_cache
from home.dates import format_moment
from membership.constants import SignUpKind

from .registration_emails import queue_outbox
from .registrations import Registration, RegistrationEmail

#: What a later form may change in a confirmed registration.
CHANGEABLE = ("mode", "organisation", "role", "accessibility")

REGISTRATION_OFF = "off"
REGISTRATION_OPEN = "open"
REGISTRATION_CLOSED = "closed"


# -- the state of registration -------------------------------------------------------


def canonical_congress(page):
    """The congress's first version, whose settings (registration on, closing time,
    places, questions on) hold for every translation (``CongressPage.first_version``,
    looked up once per page object)."""
    return page.first_version


def offered_modes(page):
    """The ways of attending the congress takes registrations for (0 places: not
    offered; None: no limit), as the congress's first version says for every
    translation."""
    page = canonical_congress(page)
    modes = []
    if page.in_person_places != 0:
        modes.append(Registration.Mode.IN_PERSON)
    if page.online_places != 0:
        modes.append(Registration.Mode.ONLINE)
    return modes


def registration_closes(page):
    return page.registration_closes_at or page.start_at


def registration_state(page, now=None):
    """REGISTRATION_OFF (not taken), REGISTRATION_OPEN or REGISTRATION_CLOSED."""
    page = canonical_congress(page)
    now = now or timezone.now()
    if not page.registration_enabled or not offered_modes(page):
        return REGISTRATION_OFF
    if now >= registration_closes(page):
        return REGISTRATION_CLOSED
    return REGISTRATION_OPEN


def register_url(page, request=None):
    url = page.get_url(request)
    return url + page.reverse_subpage("register").lstrip("/") if url else ""


def registration_context(page, request, now):
    """What the congress page shows about registering (the call to register). The
    page is cached: it says only whether registration is open, until when, and
    leaves the cache when it closes."""
    state = registration_state(page, now)
    if state == REGISTRATION_OFF or now >= page.end_at:
        # After the congress there is nothing to say about registering.
        return {"registration": None}
    closes = registration_closes(canonical_congress(page))
    if state == REGISTRATION_OPEN and request is not None:
        limit_page_cache(request, max(1, int((closes - now).total_seconds()) + 1))
    return {
        "registration": {
            "state": state,
            "open": state == REGISTRATION_OPEN,
            "url": register_url(page, request),
            "closes_text": format_moment(closes),
        }
    }


# -- storing ---------------------------------------------------------------------------


def _page_model():
    # CongressPage, through the registration's key: its module imports this one.
    return Registration._meta.get_field("congress").related_model


def store_registration(signup, details):
    """The sign-up's ``on_store``: keep the registration beside it (in the storing
    transaction; it may run again on a retry)."""
    registration = Registration.objects.filter(signup=signup).first()
    fields = {name: details.get(name, "") for name in CHANGEABLE}
    if registration is None:
        walk_in = signup.state == signup.State.CONFIRMED and signup.entered_by_id is not None
        Registration.objects.update_or_create(
            signup=signup,
            defaults={
                "congress_id": signup.page_id,
                "status": Registration.Status.PLACE if walk_in else Registration.Status.PENDING,
                "walk_in": walk_in,
                "status_changed_at": timezone.now(),
                "proposed": {},
                **fields,
            },
        )
        return
    if signup.state == signup.State.PENDING:
        # Not confirmed yet (or signed up again after cancelling): the newest form
        # is the registration.
        for name, value in fields.items():
            setattr(registration, name, value)
        registration.status = Registration.Status.PENDING
        registration.status_changed_at = timezone.now()
        registration.proposed = {}
        registration.save()
        return
    # Confirmed: nothing changes until the person confirms it by the emailed link.
    changes = {
        name: value for name, value in fields.items() if getattr(registration, name) != value
    }
    if changes == registration.proposed:
        return
    registration.proposed = changes
    registration.save(update_fields=["proposed"])
    if changes and signup.entered_by_id is None:
        queue_emails([(registration, RegistrationEmail.Message.CHANGE)])


def apply_change(registration, proposed):
    """Apply the confirmed changes ``proposed`` (as the emailed link carried them);
    a change of mode gives a place in the new mode or the waiting list, and frees
    the old place. False when they are no longer the ones waiting."""
    with transaction.atomic():
        lock_congress(registration.congress_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not proposed or registration.proposed != proposed:
            return False
        old_mode, old_status = registration.mode, registration.status
        for name in CHANGEABLE:
            if name in proposed:
                setattr(registration, name, proposed[name])
        registration.proposed = {}
        moved = registration.mode != old_mode and old_status in (
            Registration.Status.PLACE,
            Registration.Status.WAITLIST,
        )
        if moved:
            registration.status = Registration.Status.PENDING
        registration.save()
        if moved:
            _allocate(registration)
            if old_status == Registration.Status.PLACE:
                move_up(registration.congress_id, old_mode)
    return True


# -- places and the waiting list ----------------------------------------------------------


def lock_congress(congress_id):
    """Lock the congress's page row: places are counted and given one at a time.

    The row of Wagtail's ``Page`` table is locked (not the congress's own table as
    well): membership's ``withdraw`` locks that same row first, through its join on
    the page, so both take the locks in one order and never deadlock."""
    Page.objects.select_for_update().filter(pk=congress_id).values_list("pk", flat=True).first()


def capacity(congress, mode):
    if mode == Registration.Mode.IN_PERSON:
        return congress.in_person_places
    return congress.online_places


def places_taken(congress_id, mode):
    return Registration.objects.filter(
        congress_id=congress_id, mode=mode, status=Registration.Status.PLACE
    ).count()


def _allocate(registration):
    """Give a pending, now confirmed registration a place or the waiting list (the
    congress row is locked by the caller)."""
    congress = _page_model().objects.get(pk=registration.congress_id)
    limit = capacity(congress, registration.mode)
    free = limit is None or places_taken(registration.congress_id, registration.mode) < limit
    registration.status = Registration.Status.PLACE if free else Registration.Status.WAITLIST
    registration.status_changed_at = timezone.now()
    registration.save(update_fields=["status", "status_changed_at"])
    message = RegistrationEmail.Message.PLACE if free else RegistrationEmail.Message.WAITLIST
    queue_emails([(registration, message)])


def move_up(congress_id, mode):
    """Give free places of ``mode`` to the first on its waiting list, in order.
    Nobody moves up once the congress has begun (a "place" email would come too
    late)."""
    congress = _page_model().objects.get(pk=congress_id)
    if timezone.now() >= congress.start_at:
        return []
    limit = capacity(congress, mode)
    free = None if limit is None else limit - places_taken(congress_id, mode)
    waiting = Registration.objects.select_for_update().filter(
        congress_id=congress_id, mode=mode, status=Registration.Status.WAITLIST
    )
    if free is not None:
        waiting = waiting[: max(0, free)]
    moved = list(waiting)
    now = timezone.now()
    for registration in moved:
        registration.status = Registration.Status.PLACE
        registration.status_changed_at = now
        registration.save(update_fields=["status", "status_changed_at"])
    queue_emails([(r, RegistrationEmail.Message.MOVED_UP) for r in moved])
    return moved


def fill_free_places(congress_id, mode):
    """Give the free places of ``mode`` to the waiting list (after staff raise the
    number of places); returns the registrations moved up (each is emailed)."""
    with transaction.atomic():
        lock_congress(congress_id)
        return move_up(congress_id, mode)


def signups_confirmed(signups):
    """``membership_signups_confirmed`` hook: give confirmed registrations a place or
    a turn on the waiting list."""
    ids = [s.pk for s in signups if s.kind == SignUpKind.REGISTRATION]
    if not ids:
        return
    congresses = sorted(
        set(Registration.objects.filter(signup_id__in=ids).values_list("congress_id", flat=True))
    )
    with transaction.atomic():
        for congress_id in congresses:
            lock_congress(congress_id)
            for registration in Registration.objects.select_for_update().filter(
                signup_id__in=ids, congress_id=congress_id, status=Registration.Status.PENDING
            ):
                _allocate(registration)


def signups_withdrawn(signups):
    """``membership_signups_withdrawn`` hook: a withdrawn registration is cancelled
    and frees its place for the waiting list."""
    ids = [s.pk for s in signups if s.kind == SignUpKind.REGISTRATION]
    if not ids:
        return
    congresses = sorted(
        set(Registration.objects.filter(signup_id__in=ids).values_list("congress_id", flat=True))
    )
    with transaction.atomic():
        for congress_id in congresses:
            lock_congress(congress_id)
            registrations = list(
                Registration.objects.select_for_update()
                .filter(signup_id__in=ids, congress_id=congress_id)
                .exclude(status=Registration.Status.CANCELLED)
            )
            freed = set()
            told = []
            now = timezone.now()
            for registration in registrations:
                if registration.status == Registration.Status.PLACE:
                    freed.add(registration.mode)
                if registration.status != Registration.Status.PENDING:
                    told.append((registration, RegistrationEmail.Message.CANCELLED))
                registration.status = Registration.Status.CANCELLED
                registration.status_changed_at = now
                registration.proposed = {}
                registration.save(update_fields=["status", "status_changed_at", "proposed"])
            queue_emails(told)
            for mode in sorted(freed):
                move_up(congress_id, mode)


def queue_emails(items):
    """Put emails in the outbox and hand them to the task backend after commit."""
    queue_outbox(items)


# -- personal data -----------------------------------------------------------------------


def supporter_erased(supporter):
    """``membership_supporter_erased`` hook: the registration's personal parts go,
    and it is cancelled (no email: there is no address): a place it held goes to the
    first on the waiting list. The mode stays in the counts."""
    congresses = sorted(
        set(
            Registration.objects.filter(signup__supporter=supporter).values_list(
                "congress_id", flat=True
            )
        )
    )
    with transaction.atomic():
        for congress_id in congresses:
            lock_congress(congress_id)
            freed = set()
            now = timezone.now()
            for registration in Registration.objects.select_for_update().filter(
                signup__supporter=supporter, congress_id=congress_id
            ):
                if registration.status == Registration.Status.PLACE:
                    freed.add(registration.mode)
                if registration.status != Registration.Status.CANCELLED:
                    registration.status = Registration.Status.CANCELLED
                    registration.status_changed_at = now
                registration.organisation = ""
                registration.role = ""
                registration.accessibility = ""
                registration.proposed = {}
                registration.save()
            for mode in sorted(freed):
                move_up(congress_id, mode)
    RegistrationEmail.objects.filter(
        registration__signup__supporter=supporter,
        status__in=[RegistrationEmail.Status.QUEUED, RegistrationEmail.Status.FAILED],
    ).update(status=RegistrationEmail.Status.GAVE_UP)


def person_export(supporter):
    """``membership_person_export`` hook: the person's registrations."""

    def when(value):
        return value.isoformat() if value else None

    rows = Registration.objects.filter(signup__supporter=supporter).select_related("congress")
    registrations = [
        {
            "congress": r.congress.title,
            "mode": r.mode,
            "status": r.status,
            "status_since": when(r.status_changed_at),
            "organisation": r.organisation,
            "role": r.role,
            "accessibility_needs": r.accessibility,
            "changes_waiting_for_confirmation": r.proposed,
            "walk_in": r.walk_in,
            "checked_in_at": when(r.checked_in_at),
            "emails": [
                {"message": e.message, "status": e.status, "sent_at": when(e.sent_at)}
                for e in r.emails.all()
            ],
        }
        for r in rows
    ]
    if not registrations:
        return {}
    return {"congress_registrations": registrations}
