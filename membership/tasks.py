"""Background work: the double opt-in email.

The task runs after the sign-up is committed. A mail server that is down loses
nothing: the sign-ups stay ``failed`` and are tried again, by the task itself on a
backend that can defer work, and by ``manage.py membership_send_emails`` (run every
few minutes in production) otherwise.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task

from .models import MembershipSettings, SignUp
from .services import confirmation_token, site_for_page

logger = logging.getLogger(__name__)


def _page_in_language(page, language):
    if page is None:
        return None
    page = page.specific
    translated = page.get_translations(inclusive=True).filter(locale__language_code=language)
    return (translated.live().first() or page).specific


def deliver_confirmation(signup_ids, language):
    """Send one confirmation email for these sign-ups; True when it went out."""
    signups = list(
        SignUp.objects.filter(
            pk__in=signup_ids,
            supporter__erased_at__isnull=True,
            supporter__email__isnull=False,
        )
        .exclude(state=SignUp.State.WITHDRAWN)
        .select_related("supporter__site", "page")
    )
    if not signups:
        return False
    supporter = signups[0].supporter
    signups = [s for s in signups if s.supporter_id == supporter.pk]
    page = _page_in_language(signups[0].page, language)
    site = supporter.site if page is None else (site_for_page(page) or supporter.site)
    days = MembershipSettings.for_site(site).confirmation_link_days
    token = confirmation_token([s.pk for s in signups], days)
    base = page.get_full_url() if page is not None else site.root_url + "/"
    link = f"{base}?confirm={token}"
    from home.models import OrganisationSettings

    org = OrganisationSettings.objects.filter(site=site).first()
    with translation.override(language):
        text = org.text_for(language) if org else None
        context = {
            "supporter": supporter,
            "kinds": sorted({s.kind for s in signups}),
            "link": link,
            "days": days,
            "organisation": text.name if text else (site.site_name or site.hostname),
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
        reply_to=[org.email] if org and org.email else None,
    )
    message.attach_alternative(html, "text/html")
    ids = [s.pk for s in signups]
    try:
        message.send()
    except Exception:
        logger.warning("Confirmation email for sign-ups %s failed", ids, exc_info=True)
        SignUp.objects.filter(pk__in=ids).update(
            email_status=SignUp.EmailStatus.FAILED, email_attempts=F("email_attempts") + 1
        )
        return False
    SignUp.objects.filter(pk__in=ids).update(
        email_status=SignUp.EmailStatus.SENT,
        email_attempts=F("email_attempts") + 1,
        email_sent_at=timezone.now(),
    )
    return True


@task()
def send_confirmation_email(signup_ids, language):
    sent = deliver_confirmation(signup_ids, language)
    if not sent and default_task_backend.supports_defer:
        attempts = SignUp.objects.filter(pk__in=signup_ids).values_list("email_attempts", flat=True)
        attempt = max(attempts, default=settings.MEMBERSHIP_EMAIL_MAX_ATTEMPTS)
        if attempt < settings.MEMBERSHIP_EMAIL_MAX_ATTEMPTS:
            delay = timedelta(minutes=2**attempt)
            send_confirmation_email.using(run_after=timezone.now() + delay).enqueue(
                signup_ids=signup_ids, language=language
            )
    return sent


def retry_unsent(older_than=timedelta(minutes=5)):
    """Send the emails that failed (or were never handed over); returns how many went."""
    cutoff = timezone.now() - older_than
    rows = (
        SignUp.objects.filter(
            state=SignUp.State.PENDING,
            email_attempts__lt=settings.MEMBERSHIP_EMAIL_MAX_ATTEMPTS,
            supporter__erased_at__isnull=True,
            supporter__email__isnull=False,
        )
        .filter(
            email_status__in=[SignUp.EmailStatus.FAILED, SignUp.EmailStatus.QUEUED],
        )
        .exclude(email_status=SignUp.EmailStatus.QUEUED, created_at__gte=cutoff)
        .order_by("supporter_id", "language", "pk")
        .values_list("pk", "supporter_id", "language")
    )
    groups = {}
    for pk, supporter_id, language in rows:
        groups.setdefault((supporter_id, language), []).append(pk)
    sent = 0
    for (_supporter, language), ids in groups.items():
        if deliver_confirmation(ids, language or settings.LANGUAGE_CODE):
            sent += 1
    return sent
