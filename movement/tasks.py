"""Background work of the pledges: the emails to candidates (``pledges.notify``).

Each email is sent in the candidate's language and carries a new link to their
pledge (``links.link_for``), which replaces the one before.

- Never twice: a sender first claims the email (``sending``, one conditional UPDATE
  that only one sender can win), then hands it over, then records ``sent``.
- Mail server down: the pledge's email is ``failed``, and the link issued for it is
  taken back (the link of the email before keeps working). It is due again after
  2, 4, 8… minutes (at most six hours apart), ``MAX_ATTEMPTS`` times in all (about
  a day and a half): the task tries again by itself on a backend that can defer
  work, and ``retry_failed`` (``manage.py movement_send_emails``, every five
  minutes) sends what is due on any backend, and what never reached the worker.
  After the last attempt staff see it on the pledge's review screen and can send
  it again.
- An email that no longer fits (the pledge moved on to another state since) is
  not sent: the email of the new state was queued with it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task

from membership import tasks as membership_tasks
from membership.services import site_for_page
from membership.tasks import sender_identity

from . import links
from .records import Pledge

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
#: How long a queued email is left to the worker before the command sends it.
WORKER_GRACE = timedelta(minutes=5)
RETRY_CAP = timedelta(hours=6)
#: The states each email is about ("link" fits any).
MESSAGE_STATES = {
    "confirm": {Pledge.State.PENDING},
    "approved": {Pledge.State.APPROVED},
    "proof": {Pledge.State.PROOF},
    "declined": {Pledge.State.DECLINED},
    "withdrawn": {Pledge.State.WITHDRAWN},
}
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def retry_delay(attempts):
    """The wait after the ``attempts``-th failure: 2, 4, 8… minutes, capped."""
    return membership_tasks.retry_delay(attempts, cap=RETRY_CAP)


def queue_email(pledge_id, message):
    """Hand the email to the task backend (after commit); if even that fails, the
    pledge stays ``queued`` and ``retry_failed`` sends it."""
    try:
        send_pledge_email.enqueue(pledge_id=pledge_id, message=message)
    except Exception:
        logger.exception("Could not queue the %s email of pledge %s", message, pledge_id)


def deliver(pledge_id, message, now=None):
    """Send one email about a pledge; SENT, FAILED (the mail server refused it) or
    SKIPPED (sent or being sent by another sender, no longer fitting, given up)."""
    now = now or timezone.now()
    pledge = Pledge.objects.select_related("campaign").filter(pk=pledge_id).first()
    if pledge is None or not pledge.email:
        return SKIPPED
    if message in MESSAGE_STATES and pledge.state not in MESSAGE_STATES[message]:
        return SKIPPED
    claimed = Pledge.objects.filter(
        pk=pledge_id, email_status__in=["queued", "failed"], email_attempts__lt=MAX_ATTEMPTS
    ).update(email_status="sending")
    if not claimed:
        return SKIPPED
    before = (pledge.link_digest, pledge.link_expires_at)
    try:
        email = prepare(pledge, message, now)
        email.send()
    except Exception:
        logger.warning("The %s email of pledge %s failed", message, pledge_id, exc_info=True)
        # The link of the email that never went is taken back (the one before works).
        Pledge.objects.filter(pk=pledge_id, link_digest=pledge.link_digest).update(
            link_digest=before[0], link_expires_at=before[1]
        )
        # Counted as an attempt: a broken email is not tried again for ever.
        Pledge.objects.filter(pk=pledge_id, email_status="sending").update(
            email_status="failed",
            email_attempts=F("email_attempts") + 1,
            email_due_at=now + retry_delay(pledge.email_attempts + 1),
        )
        return FAILED
    Pledge.objects.filter(pk=pledge_id, email_status="sending").update(
        email_status="sent", email_attempts=F("email_attempts") + 1, email_due_at=None
    )
    return SENT


def prepare(pledge, message, now=None):
    """The email (with a new link) about ``pledge``, in its candidate's language."""
    language = pledge.language or settings.LANGUAGE_CODE
    page = links.page_in_language(pledge.campaign, language)
    token = links.issue_token(pledge, now)
    link = links.manage_url(pledge, token, page)
    site = site_for_page(page)
    organisation, reply_to = sender_identity(site, language) if site else ("", "")
    with translation.override(language):
        public_url = ""
        if message == "approved":
            if hasattr(page, "candidate_url"):
                public_url = links.full_url(page, page.candidate_url(pledge))
            else:
                public_url = page.get_full_url()
        context = {
            "pledge": pledge,
            "campaign": page,
            "campaign_url": page.get_full_url(),
            "link": link,
            "print_link": f"{links.route_url(page, 'print_pledge')}?token={token}",
            "public_url": public_url,
            "expires": timezone.localdate(pledge.link_expires_at),
            "organisation": organisation,
            "review_message": pledge.review_message,
            "state": pledge.get_state_display(),
            "language": language,
        }
        name = f"movement/email/pledge_{message}"
        subject = render_to_string(f"{name}_subject.txt", context)
        body = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    email = EmailMultiAlternatives(
        # One line: a subject is fixed text and the campaign's title, nothing typed
        # by a visitor.
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [pledge.email],
        reply_to=[reply_to] if reply_to else None,
    )
    email.attach_alternative(html, "text/html")
    return email


@task()
def send_pledge_email(pledge_id, message):
    outcome = deliver(pledge_id, message)
    if outcome == FAILED and default_task_backend.supports_defer:
        attempts = (
            Pledge.objects.filter(pk=pledge_id, email_status="failed")
            .values_list("email_attempts", flat=True)
            .first()
        )
        if attempts is not None and attempts < MAX_ATTEMPTS:
            send_pledge_email.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(
                pledge_id=pledge_id, message=message
            )
    return outcome == SENT


def retry_failed(now=None):
    """Send the pledges' emails that are due: failed ones after their back-off
    (fewer than ``MAX_ATTEMPTS`` times), queued ones the worker has not sent within
    ``WORKER_GRACE``; each as the email of the pledge's state now. Returns how many
    went."""
    now = now or timezone.now()
    due = Pledge.objects.exclude(email="").filter(
        email_status__in=["queued", "failed"],
        email_attempts__lt=MAX_ATTEMPTS,
        email_due_at__lte=now,
    )
    sent = 0
    for pledge in due.select_related("campaign").order_by("pk"):
        sent += deliver(pledge.pk, links.message_for(pledge), now) == SENT
    return sent
