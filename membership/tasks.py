"""Background work: the double opt-in email.

The task runs after the sign-up is committed. One email covers every pending sign-up
of its person (so the latest email always confirms everything still open), and is
sent only while a sign-up of theirs still waits for one.

- Mail server down: the sign-ups are ``failed`` and tried again after 2, 4, 8…
  minutes (at most ``MEMBERSHIP_EMAIL_RETRY_CAP`` seconds apart) for as long as the
  confirmation link would be valid, counted from the first failure; then
  ``gave_up``, which staff see in People ("Confirmation email not sent") and can
  send again. The task retries by itself on a backend that can defer work;
  ``manage.py membership_send_emails`` (every few minutes in production) retries in
  any case.
- At most ``MEMBERSHIP_EMAILS_PER_ADDRESS`` emails per address and hour, counted in
  the store every worker shares (``home.security.ratelimit``): the sign-ups beyond
  are stored as usual and ``held``; the command sends them once the hour is over,
  and the link of an email already sent confirms them too.
- Never twice: a sender first claims the sign-ups (``sending``, one committed update
  that only one sender can win: a worker, another worker or the command), then hands
  the email over, then records ``sent``. A worker killed in between leaves
  ``sending``: the email may or may not have gone out, nobody can tell, and it is
  not sent again by itself (staff see it among the emails not sent and can send it
  again; a new submission sends a new one). A worker killed before its claim leaves
  the sign-ups ``queued``: the command sends them.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task
from wagtail.models import Page

from home.models import OrganisationSettings, OrganisationText
from home.security import ratelimit

from .constants import CONFIRM_PARAM, SIGNUP_PATHS, WITHDRAW_PARAM, SignUpKind
from .records import MembershipSettings, SignUp
from .tokens import issue_links, revoke

logger = logging.getLogger(__name__)


def _page_in_language(page_id, language):
    """The live translation of the sign-up's page in ``language`` (a plain Page: its
    URL is all the email needs), else the page itself."""
    if page_id is None:
        return None
    keys = Page.objects.filter(pk=page_id).values("translation_key")
    pages = Page.objects.filter(translation_key__in=keys).order_by("pk")
    found = pages.filter(locale__language_code=language, live=True).first()
    return found or pages.filter(pk=page_id).first()


def page_link(page_id, language):
    """(id, full URL) of ``_page_in_language``; (None, None) when there is no such
    page."""
    page = _page_in_language(page_id, language)
    return (page.pk, page.get_full_url()) if page is not None else (None, None)


def organisation_texts(site):
    """The organisation's texts (``OrganisationText``) by language code, in one
    query: for a caller that needs several of them (``sender_identity`` for each
    language, and the postal address)."""
    return {
        text.locale.language_code: text
        for text in OrganisationText.objects.filter(settings__site=site).select_related(
            "locale", "settings"
        )
    }


def sender_identity(site, language, texts=None):
    """The organisation as it signs its emails: (name in ``language``, reply-to
    address). Emails of other apps (candidates' pledges) sign the same way.
    ``texts`` (from ``organisation_texts``) saves reading them again."""
    by_language = organisation_texts(site) if texts is None else texts
    text = (
        by_language.get(language)
        or by_language.get(settings.LANGUAGE_CODE)
        or next(iter(by_language.values()), None)
    )
    if text is None:
        org = OrganisationSettings.objects.filter(site=site).first()
        return site.site_name or site.hostname, org.email if org else ""
    return text.name, text.settings.email


#: Sign-ups in these states still wait for an email.
WAITING = (SignUp.EmailStatus.QUEUED, SignUp.EmailStatus.FAILED, SignUp.EmailStatus.HELD)
#: How long a sender may take between claiming an email and recording that it went
#: out (far more than the mail server's timeout, EMAIL_TIMEOUT); only after it does an
#: email still "sending" count as cut off (``people.UNSENT``), for staff to send again.
SENDING_GRACE = timedelta(minutes=15)


def retry_delay(attempts, cap=None):
    """The wait after the ``attempts``-th failure: 2, 4, 8… minutes, at most ``cap``
    (a timedelta; by default ``MEMBERSHIP_EMAIL_RETRY_CAP`` seconds). The other apps'
    emails back off the same way."""
    cap = cap if cap is not None else timedelta(seconds=settings.MEMBERSHIP_EMAIL_RETRY_CAP)
    return min(timedelta(minutes=2 ** min(attempts, 20)), cap)


def deliver_confirmation(signup_ids, language=None, now=None):
    """Send the confirmation email of the person of these sign-ups; True when it went
    out. It covers all their pending sign-ups, and is sent only if one of
    ``signup_ids`` still waits for an email. A new email counts towards the limit
    per address; trying again one the mail server refused does not."""
    now = now or timezone.now()
    person = SignUp.objects.filter(pk__in=signup_ids).values("supporter_id")
    pending = list(
        SignUp.objects.filter(
            supporter_id__in=person,
            state=SignUp.State.PENDING,
            supporter__erased_at__isnull=True,
            supporter__email__isnull=False,
        )
        .select_related("supporter__site")
        .order_by("-created_at", "-pk")
    )
    requested = [s for s in pending if s.pk in signup_ids and s.email_status in WAITING]
    if not requested:
        return False
    primary = requested[0]  # the newest: its page and language
    supporter = primary.supporter
    pending = [s for s in pending if s.supporter_id == supporter.pk]
    unsent = [s.pk for s in pending if s.email_status != SignUp.EmailStatus.SENT]
    if not _claim(requested, now):
        return False  # sent, or being sent, by another sender since
    try:
        prepared = _prepare(primary, pending, requested, unsent, language, now)
    except Exception:
        # Nothing was handed over: the sign-ups wait as they did.
        for status in {s.email_status for s in requested}:
            SignUp.objects.filter(
                pk__in=[s.pk for s in requested if s.email_status == status],
                email_status=SignUp.EmailStatus.SENDING,
            ).update(email_status=status)
        raise
    if prepared is None:
        return False
    message, tokens, days = prepared
    try:
        message.send()
    except Exception:
        logger.warning("Confirmation email for sign-ups %s failed", unsent, exc_info=True)
        revoke(tokens)
        _record_failure([s for s in pending if s.pk in unsent], days, now)
        return False
    SignUp.objects.filter(pk__in=unsent).update(
        email_status=SignUp.EmailStatus.SENT,
        email_attempts=F("email_attempts") + 1,
        email_sent_at=now,
        email_retry_at=None,
        email_retry_until=None,
    )
    return True


def _prepare(primary, pending, requested, unsent, language, now):
    """The email to send (message, its link tokens, their validity in days), or None
    when the limit per address holds it back (then the sign-ups are ``held``)."""
    supporter = primary.supporter
    limit, window = settings.MEMBERSHIP_EMAILS_PER_ADDRESS
    retry = all(s.email_status == SignUp.EmailStatus.FAILED for s in requested)
    key = f"membership:confirmation-email:{supporter.email}"
    if not retry and not ratelimit.allow(key, limit, window):
        logger.info("Confirmation email for sign-ups %s held back (per-address limit)", unsent)
        SignUp.objects.filter(pk__in=unsent).update(
            email_status=SignUp.EmailStatus.HELD, email_retry_at=now + timedelta(seconds=window)
        )
        return None

    language = language or primary.language or settings.LANGUAGE_CODE
    page_id, page_url = page_link(primary.page_id, language)
    site = supporter.site
    days = MembershipSettings.for_site(site).confirmation_link_days
    details = {s.pk: s.proposed_details for s in pending}
    tokens = issue_links(supporter, page_id, list(details), days, now=now, details=details)
    if page_url:
        # A statement is signed, a congress registered for (…), and their links
        # answered, on a page of its own under the page's URL.
        page_url += SIGNUP_PATHS.get(primary.kind, "")
    base = page_url or site.root_url + "/"
    link = f"{base}?{CONFIRM_PARAM}={tokens[0]}"
    withdraw_link = f"{base}?{WITHDRAW_PARAM}={tokens[1]}"
    name, reply_to = sender_identity(site, language)
    kinds = sorted({s.kind for s in pending})
    with translation.override(language):
        context = {
            "supporter": supporter,
            "kinds": kinds,
            "labels": [str(SignUpKind(kind).label) for kind in kinds],
            "link": link,
            "withdraw_link": withdraw_link,
            "days": days,
            "organisation": name,
            "language": language,
        }
        subject = render_to_string("membership/email/confirm_subject.txt", context)
        body = render_to_string("membership/email/confirm.txt", context)
        html = render_to_string("membership/email/confirm.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [supporter.email],
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(html, "text/html")
    return message, tokens, days


def _claim(requested, now):
    """Mark ``requested`` ``sending`` if they still wait for an email; False when
    another sender was first. One conditional UPDATE: PostgreSQL re-reads a row it
    had to wait for and skips it if it changed, SQLite runs one writer at a time, so
    of two senders only one finds them waiting. ``email_retry_at`` then says from
    when staff may send it again should the sender never record the outcome
    (``SENDING_GRACE`` later: an email being sent now is not a cut-off one)."""
    return bool(
        SignUp.objects.filter(pk__in=[s.pk for s in requested], email_status__in=WAITING).update(
            email_status=SignUp.EmailStatus.SENDING, email_retry_at=now + SENDING_GRACE
        )
    )


def _record_failure(signups, days, now):
    """Back off; give up once the next try would come after the link's validity
    (counted from the first failure of the sign-ups that are retrying)."""
    retrying = SignUp.EmailStatus.FAILED
    attempts = 1 + max(s.email_attempts for s in signups)
    until = min(
        (
            s.email_retry_until
            for s in signups
            if s.email_status in (retrying, SignUp.EmailStatus.HELD) and s.email_retry_until
        ),
        default=now + timedelta(days=days),
    )
    retry_at = now + retry_delay(attempts)
    SignUp.objects.filter(pk__in=[s.pk for s in signups]).update(
        email_status=retrying if retry_at <= until else SignUp.EmailStatus.GAVE_UP,
        email_attempts=F("email_attempts") + 1,
        email_retry_at=retry_at,
        email_retry_until=until,
    )


@task()
def send_confirmation_email(signup_ids, language):
    sent = deliver_confirmation(signup_ids, language)
    if not sent and default_task_backend.supports_defer:
        retry_at = SignUp.objects.filter(
            pk__in=signup_ids, email_status__in=[SignUp.EmailStatus.FAILED, SignUp.EmailStatus.HELD]
        ).aggregate(at=Min("email_retry_at"))["at"]
        if retry_at is not None:
            send_confirmation_email.using(run_after=retry_at).enqueue(
                signup_ids=signup_ids, language=language
            )
    return sent


def pending_by_person(signups):
    """The pending sign-ups among ``signups`` whose people can be emailed, grouped
    for one email each: {person id: ([sign-up ids, newest first], its language)}."""
    rows = (
        signups.filter(
            state=SignUp.State.PENDING,
            supporter__erased_at__isnull=True,
            supporter__email__isnull=False,
        )
        .order_by("supporter_id", "-created_at", "-pk")
        .values_list("pk", "supporter_id", "language")
    )
    people = {}
    for pk, supporter_id, language in rows:
        people.setdefault(supporter_id, ([], language))[0].append(pk)
    return people


def retry_unsent(older_than=timedelta(minutes=5), now=None):
    """Send the emails that failed or were held back (once their time has come) or
    were never handed over; one per person. Returns how many went."""
    now = now or timezone.now()
    due = Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now)
    people = pending_by_person(
        SignUp.objects.filter(
            Q(email_status=SignUp.EmailStatus.QUEUED, created_at__lt=now - older_than)
            | Q(due, email_status__in=[SignUp.EmailStatus.FAILED, SignUp.EmailStatus.HELD])
        )
    )
    return sum(
        1 for ids, language in people.values() if deliver_confirmation(ids, language or None, now)
    )
