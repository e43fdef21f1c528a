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
from wagtail.models import Page

from home.models import OrganisationSettings, OrganisationText

from .constants import CONFIRM_PARAM, STATEMENT_SIGN_PATH, WITHDRAW_PARAM, SignUpKind
from .records import MembershipSettings, SignUp
from .tokens import confirmation_token, withdraw_token

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


def _page_link(page_id, language):
    """(id, full URL) of ``_page_in_language``; (None, None) when there is no such
    page."""
    page = _page_in_language(page_id, language)
    return (page.pk, page.get_full_url()) if page is not None else (None, None)


def _organisation(site, language):
    """(name in ``language``, reply-to address)."""
    texts = list(
        OrganisationText.objects.filter(settings__site=site).select_related("locale", "settings")
    )
    by_language = {text.locale.language_code: text for text in texts}
    text = (
        by_language.get(language)
        or by_language.get(settings.LANGUAGE_CODE)
        or (texts[0] if texts else None)
    )
    if text is None:
        org = OrganisationSettings.objects.filter(site=site).first()
        return site.site_name or site.hostname, org.email if org else ""
    return text.name, text.settings.email


def deliver_confirmation(signup_ids, language):
    """Send one confirmation email for these sign-ups; True when it went out."""
    # By primary key, then checked here: a plan that cannot go wrong however young
    # the database's statistics are.
    signups = [
        signup
        for signup in SignUp.objects.filter(pk__in=signup_ids).select_related("supporter__site")
        if signup.supporter.erased_at is None
        and signup.supporter.email is not None
        and signup.state != SignUp.State.WITHDRAWN
    ]
    if not signups:
        return False
    supporter = signups[0].supporter
    signups = [s for s in signups if s.supporter_id == supporter.pk]
    page_id, page_url = _page_link(signups[0].page_id, language)
    site = supporter.site
    days = MembershipSettings.for_site(site).confirmation_link_days
    token = confirmation_token([s.pk for s in signups], days)
    if page_url and all(s.kind == SignUpKind.SIGNATURE for s in signups):
        # A statement is signed, and its links answered, on its sign page.
        page_url += STATEMENT_SIGN_PATH
    base = page_url or site.root_url + "/"
    link = f"{base}?{CONFIRM_PARAM}={token}"
    withdraw_link = f"{base}?{WITHDRAW_PARAM}={withdraw_token(supporter, page_id)}"
    name, reply_to = _organisation(site, language)
    with translation.override(language):
        context = {
            "supporter": supporter,
            "kinds": sorted({s.kind for s in signups}),
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
