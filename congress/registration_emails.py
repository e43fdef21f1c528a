"""The emails of congress registrations: the outbox (``RegistrationEmail``) and its
sender.

- Queued with the change that calls for it (a place, the waiting list, moving up,
  a cancellation, changes to confirm), in the same transaction, and handed to the
  task backend after commit.
- Never twice: a sender claims the row (one conditional UPDATE, queued/failed →
  sending, that only one sender wins), hands the email over, then records ``sent``.
- Mail server down: ``failed``, due again after 2, 4, 8… minutes (at most six hours
  apart), ``MAX_ATTEMPTS`` times, then ``gave_up``; the links issued for it are
  taken back. ``manage.py congress_send_emails`` (every five minutes) sends what
  is due, the reminders the day before and the livestream link once live.
- An email that no longer fits (a place email of a registration cancelled since)
  is not sent (``gave_up``).
- The reminder and the live email are made at most once per registration (a
  unique constraint): of two runs of the command only one creates the row.

Every email is in the person's language (``SignUp.language``) and carries a link to
cancel (membership's withdrawal link, answered on ``register/``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task
from wagtail.models import Page

from home.dates import format_moment
from membership.constants import SIGNUP_PATHS, WITHDRAW_PARAM, SignUpKind
from membership.records import MembershipSettings
from membership.tasks import sender_identity
from membership.tokens import issue_links, revoke

from .ics import congress_calendar
from .registrations import Registration, RegistrationEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
RETRY_CAP = timedelta(hours=6)
#: How long a queued email is left to the worker before the command sends it.
WORKER_GRACE = timedelta(minutes=5)
#: The reminder goes once the congress is this close.
REMINDER_BEFORE = timedelta(hours=24)
#: Query string parameter of the link that applies changes to a registration.
CHANGE_PARAM = "change"
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"

M = RegistrationEmail.Message
S = Registration.Status
#: The statuses each email fits.
FITS = {
    M.PLACE: {S.PLACE},
    M.WAITLIST: {S.WAITLIST},
    M.MOVED_UP: {S.PLACE},
    M.CANCELLED: {S.CANCELLED},
    M.CHANGE: {S.PLACE, S.WAITLIST},
    M.REMINDER: {S.PLACE, S.WAITLIST},
    M.LIVE: {S.PLACE, S.WAITLIST},
}


def retry_delay(attempts):
    """The wait after the ``attempts``-th failure: 2, 4, 8… minutes, capped."""
    return min(timedelta(minutes=2 ** min(attempts, 20)), RETRY_CAP)


def queue_outbox(items):
    """Outbox rows for [(registration, message)], sent after commit."""
    rows = [
        RegistrationEmail.objects.create(registration=registration, message=message)
        for registration, message in items
    ]
    for row in rows:
        transaction.on_commit(lambda pk=row.pk: enqueue(pk))
    return rows


def enqueue(email_id):
    try:
        send_registration_email.enqueue(email_id=email_id)
    except Exception:
        logger.exception("Could not queue registration email %s", email_id)


def page_in_language(page_id, language):
    """The live congress page in ``language`` (any version of ``page_id``), else
    the page itself, as its specific type."""
    keys = Page.objects.filter(pk=page_id).values("translation_key")
    pages = Page.objects.filter(translation_key__in=keys).order_by("pk")
    found = pages.filter(locale__language_code=language, live=True).first()
    found = found or pages.filter(pk=page_id).first()
    return found.specific if found is not None else None


def deliver(email_id, now=None):
    """Send one outbox email: SENT, FAILED or SKIPPED (another sender had it, it no
    longer fits, its person cannot be written to)."""
    now = now or timezone.now()
    row = (
        RegistrationEmail.objects.select_related(
            "registration__signup__supporter__site", "registration__congress"
        )
        .filter(pk=email_id)
        .first()
    )
    if row is None:
        return SKIPPED
    registration = row.registration
    supporter = registration.signup.supporter
    unfit = (
        registration.status not in FITS[row.message]
        or supporter.erased_at is not None
        or not supporter.email
        or (row.message == M.CHANGE and not registration.proposed)
    )
    if unfit:
        RegistrationEmail.objects.filter(
            pk=row.pk, status__in=[RegistrationEmail.Status.QUEUED, RegistrationEmail.Status.FAILED]
        ).update(status=RegistrationEmail.Status.GAVE_UP)
        return SKIPPED
    claimed = RegistrationEmail.objects.filter(
        pk=row.pk,
        status__in=[RegistrationEmail.Status.QUEUED, RegistrationEmail.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=RegistrationEmail.Status.SENDING)
    if not claimed:
        return SKIPPED
    tokens = ()
    try:
        message, tokens = prepare(row, now)
        message.send()
    except Exception:
        logger.warning("Registration email %s failed", row.pk, exc_info=True)
        if tokens:
            revoke(tokens)
        attempts = row.attempts + 1
        RegistrationEmail.objects.filter(pk=row.pk, status=RegistrationEmail.Status.SENDING).update(
            status=(
                RegistrationEmail.Status.FAILED
                if attempts < MAX_ATTEMPTS
                else RegistrationEmail.Status.GAVE_UP
            ),
            attempts=F("attempts") + 1,
            due_at=now + retry_delay(attempts),
        )
        return FAILED
    RegistrationEmail.objects.filter(pk=row.pk, status=RegistrationEmail.Status.SENDING).update(
        status=RegistrationEmail.Status.SENT, attempts=F("attempts") + 1, sent_at=now
    )
    return SENT


def prepare(row, now):
    """(the email, its link tokens) of an outbox row, in the person's language."""
    registration = row.registration
    signup = registration.signup
    supporter = signup.supporter
    site = supporter.site
    language = signup.language or supporter.language or settings.LANGUAGE_CODE
    page = page_in_language(registration.congress_id, language)
    days = MembershipSettings.for_site(site).confirmation_link_days
    details = {signup.pk: registration.proposed} if row.message == M.CHANGE else {}
    tokens = issue_links(supporter, page.pk, [signup.pk], days, now=now, details=details)
    base = page.get_full_url() + SIGNUP_PATHS[SignUpKind.REGISTRATION]
    organisation, reply_to = sender_identity(site, language)
    with translation.override(language):
        proposed = registration.proposed or {}
        context = {
            "registration": registration,
            "supporter": supporter,
            "page": page,
            "message": row.message,
            "mode": Registration.Mode(registration.mode).label,
            "proposed_mode": (
                Registration.Mode(proposed["mode"]).label if proposed.get("mode") else ""
            ),
            "proposed": proposed,
            "when": format_moment(page.start_at),
            "location": page.location_text,
            "map_link": page.map_link,
            "streams": page.stream_urls,
            "page_url": page.get_full_url(),
            "cancel_link": f"{base}?{WITHDRAW_PARAM}={tokens[1]}",
            "change_link": f"{base}?{CHANGE_PARAM}={tokens[0]}",
            "days": days,
            "organisation": organisation,
            "language": language,
        }
        name = f"congress/email/{row.message}"
        subject = render_to_string(f"{name}_subject.txt", context)
        body = render_to_string(f"{name}.txt", context)
        # The text body is plain text rendered without escaping, and comes back marked
        # safe: message.html escapes it again (force_escape) before making links.
        html = render_to_string("congress/email/message.html", {**context, "body": body})
        calendar = (
            congress_calendar(page) if row.message in (M.PLACE, M.MOVED_UP, M.WAITLIST) else None
        )
    email = EmailMultiAlternatives(
        # One line: fixed text and the congress's title, nothing a visitor typed.
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [supporter.email],
        reply_to=[reply_to] if reply_to else None,
    )
    email.attach_alternative(html, "text/html")
    if calendar is not None:
        email.attach(f"{page.slug}.ics", calendar, "text/calendar")
    return email, tokens


@task()
def send_registration_email(email_id):
    outcome = deliver(email_id)
    if outcome == FAILED and default_task_backend.supports_defer:
        row = RegistrationEmail.objects.filter(
            pk=email_id, status=RegistrationEmail.Status.FAILED
        ).first()
        if row is not None:
            send_registration_email.using(run_after=row.due_at).enqueue(email_id=email_id)
    return outcome == SENT


# -- the command's work ---------------------------------------------------------------


def send_due(now=None):
    """Failed emails after their back-off and queued ones the worker left."""
    now = now or timezone.now()
    due = RegistrationEmail.objects.filter(
        status__in=[RegistrationEmail.Status.QUEUED, RegistrationEmail.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        due_at__lte=now,
    ).exclude(status=RegistrationEmail.Status.QUEUED, created_at__gt=now - WORKER_GRACE)
    return sum(deliver(pk, now) == SENT for pk in due.order_by("pk").values_list("pk", flat=True))


def _once(registrations, message, now):
    """Make and send ``message`` for each registration that has none yet; a row
    another run made first (the unique constraint) is left to it."""
    sent = 0
    for registration in registrations:
        try:
            with transaction.atomic():
                row = RegistrationEmail.objects.create(
                    registration=registration, message=message, created_at=now, due_at=now
                )
        except IntegrityError:
            continue
        sent += deliver(row.pk, now) == SENT
    return sent


def send_reminders(now=None):
    """The reminder to those with a place (or waiting) of congresses starting within a
    day; once each."""
    now = now or timezone.now()
    registrations = (
        Registration.objects.filter(
            status__in=[S.PLACE, S.WAITLIST],
            congress__start_at__gt=now,
            congress__start_at__lte=now + REMINDER_BEFORE,
            signup__supporter__erased_at__isnull=True,
        )
        .exclude(emails__message=M.REMINDER)
        .order_by("pk")
    )
    return _once(registrations, M.REMINDER, now)


def send_live(now=None):
    """The livestream link, once each, to those following online and those waiting,
    while the congress is live."""
    now = now or timezone.now()
    registrations = (
        Registration.objects.filter(
            congress__start_at__lte=now,
            congress__end_at__gt=now,
            signup__supporter__erased_at__isnull=True,
        )
        .filter(Q(status=S.PLACE, mode=Registration.Mode.ONLINE) | Q(status=S.WAITLIST))
        .exclude(emails__message=M.LIVE)
        .select_related("congress")
        .order_by("pk")
    )
    return _once([r for r in registrations if r.congress.stream_urls], M.LIVE, now)


def run(now=None):
    """Everything the command does; counts of what went."""
    now = now or timezone.now()
    return {
        "due": send_due(now),
        "reminders": send_reminders(now),
        "live": send_live(now),
    }
