"""Sending a message to its audience: one copy per person, never two.

Starting (``start_sending``, in the officer's request) checks the message's state
and hands it to the "mailings" task queue (a worker of its own, so that
confirmation emails never wait behind a message to ten thousand people). The sender
first queues one ``Delivery`` per person the audience selects at that moment
(``queue_copies``), reading their ids in chunks so that memory stays flat at any
size and renewing its lease between chunks; until then the message's
``recipients`` is empty. No message starts without the organisation's postal
address in its first language (``has_postal_address``): every copy carries it.

The sender (``send_mailing``, a task) works through the queued copies in order:

- Only one sender works on a message at a time: it takes the message's lease
  (``Mailing.lease_until``, one conditional UPDATE that only one sender can win)
  and renews it as it goes. The value it wrote is its token: a sender whose lease
  another one took (because it stalled longer than ``MEMBERSHIP_MAILING_LEASE``)
  finds its token gone and stops.
- Each copy is claimed before it is handed to the mail server (``queued`` ->
  ``sending``, one conditional UPDATE) and recorded after (``sent`` or ``failed``).
  A copy is claimed once, so it is handed over at most once.
- A sender killed between the hand-over and the record leaves its copy
  ``sending``. Whether the mail server took it nobody can tell; the next sender
  marks it ``interrupted`` and never sends it again. That person may miss the
  message (at most one person per killed sender); nobody ever receives it twice.
  Likewise a copy whose connection broke during the hand-over (no answer from the
  server) is ``interrupted``, not retried; a copy the server refused for good (a
  5xx answer about the person) is ``failed``. An answer that means "not now" (any
  4xx, or a refusal of the organisation's own address or login) is no refusal:
  the copy was not taken, goes back to ``queued``, and the sender rests (below).
- Just after the claim the person is checked again: erased, unsubscribed, address
  marked undeliverable, no confirmed sign-up any more: ``skipped`` with the reason.
- At most ``MembershipSettings.messages_per_minute`` copies a minute (the mail
  provider's limit), over one SMTP connection per batch, opened again after an
  error. Before each claim the connection is checked: opened again when it was
  idle longer than ``IDLE_SECONDS`` or does not answer a NOOP (servers drop idle
  connections, and a copy sent into a dropped one would be lost as
  ``interrupted``).
- The sender rests when the mail server cannot be reached, answers "not now", or
  refused ``FAILURES_IN_A_ROW`` copies in a row: it lets go of the message for
  ``retry_delay`` (a few minutes, longer after each stop for refusals in a row, at
  most ``MEMBERSHIP_EMAIL_RETRY_CAP``), logs a warning, and ``send_due_mailings``
  hands it to a sender after that. Meanwhile the officer sees the message still
  "Being sent", its progress standing still with the rest of the copies queued;
  cancelling still works.
- Where tasks wait for a worker, one task sends for ``SLICE_SECONDS`` and hands
  the rest on to a new task (due when the pace allows the next copy) with its
  lease token: a worker asked to stop is free within a minute, and messages sent
  at the same time take turns.
- A worker killed mid-message leaves its task unfinished for good (django-tasks-db
  does not run it again): ``send_due_mailings`` (``manage.py
  membership_send_mailings``, every 5 minutes) hands every message whose lease ran
  out to the queue again, and the next sender carries on where the last stopped.
  A task handed on with an old token then finds the message taken and ends, so a
  message never has two senders for long, and even two never send one copy twice.
"""

import logging
import re
import smtplib
import time
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid, parseaddr
from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task
from wagtail.rich_text import expand_db_html

from home.languages import site_languages

from . import audience as audiences
from .emails import normalise_email
from .mailings import Delivery, Mailing, UndeliverableAddress
from .records import AuditEntry, MembershipSettings, SignUp, Supporter
from .services import audit
from .tasks import organisation_texts, retry_delay, sender_identity
from .unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

#: The task queue of messages (a worker of its own: settings.TASKS).
MAILING_QUEUE = "mailings"
#: People queued with one INSERT when sending starts.
QUEUE_CHUNK = 1000
#: Copies the sender reads at once, and sends over one SMTP connection.
SEND_BATCH = 100
#: Where tasks wait for a worker, one task sends for this long, then hands the rest
#: on to the next (well within the lease).
SLICE_SECONDS = 50
#: The sender stops after this many copies refused in a row (a mail server that
#: refuses everything would otherwise mark the whole audience failed); the rest
#: stays queued for the next run.
FAILURES_IN_A_ROW = 10
#: A sender that stops because of the mail server (it cannot be reached, asks to try
#: later, or refuses everything) lets the message rest ``retry_delay`` of this many
#: attempts (4 minutes), more after refusals stop it again and again.
BACK_OFF_ATTEMPTS = 2
#: A connection idle longer than this is opened again rather than trusted (mail
#: servers drop idle ones, some after a few seconds; a NOOP finds those).
IDLE_SECONDS = 20
#: ``_send_one``'s outcome when the server answered "not now": the copy is queued.
TEMPORARY = "temporary"
#: The merge field of a subject, preview text and body: the person's given name.
NAME_FIELD = "{name}"
#: The name shown in previews in place of the person's.
SAMPLE_NAME = "Arta"
#: Inline styles of the body's elements: mail programs drop style sheets.
BODY_STYLES = {
    "p": "margin:0 0 16px;",
    "h3": "margin:24px 0 10px;font-size:20px;line-height:1.3;",
    "ul": "margin:0 0 16px;padding-left:24px;",
    "ol": "margin:0 0 16px;padding-left:24px;",
    "li": "margin:0 0 6px;",
    "a": "color:#0b57d0;text-decoration:underline;",
}
#: Invisible characters after the preview text, so that mail programs show no body
#: text after it.
PREHEADER_PADDING = range(60)

Status = Mailing.Status
Copy = Delivery.Status


class CannotSend(Exception):
    """The message is not in a state from which it may be sent (the text says why)."""


def pause(seconds):
    """Wait between two copies (the pace); tests replace it."""
    time.sleep(seconds)


def clock():
    """Seconds on a clock that only goes forward (the pace); tests replace it."""
    return time.monotonic()


# --- rendering -----------------------------------------------------------------------


class _TextWriter(HTMLParser):
    """The plain-text twin of a message's rich text: paragraphs apart, list items
    with a dash or their number, a link's address after its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.lists = []
        self.links = []

    def _block(self):
        self.parts.append("\n\n")

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote"):
            if not (tag in ("ul", "ol") and self.lists):
                self._block()
            if tag in ("ul", "ol"):
                self.lists.append(0 if tag == "ol" else None)
        elif tag == "li":
            self.parts.append("\n" + "  " * (len(self.lists) - 1))
            if self.lists and self.lists[-1] is not None:
                self.lists[-1] += 1
                self.parts.append(f"{self.lists[-1]}. ")
            else:
                self.parts.append("- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("#"):
                self.parts.append(f" ({href})")
        elif tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"):
            self._block()

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))

    def text(self):
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html):
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    return writer.text()


def _one_line(text):
    """A header value: no line breaks (nobody can add a header through a name)."""
    return " ".join((text or "").split())


class _Version:
    """A message in one language, prepared once for every copy in that language:
    the body's links made absolute, its plain text, the organisation's texts."""

    def __init__(self, mailing, version, language, texts):
        site = mailing.site
        self.language = language
        self.subject = version.subject
        self.preview_text = version.preview_text
        with translation.override(language):
            html = expand_db_html(version.body)
        # Links to pages of the site are written from its root (``/sq/…``); a mail
        # program needs the whole address.
        root = site.root_url.rstrip("/")
        html = re.sub(r'href="/(?!/)', f'href="{root}/', html)
        self.text = html_to_text(html)
        self.html = re.sub(
            r"<({})\b".format("|".join(BODY_STYLES)),
            lambda tag: f'<{tag.group(1)} style="{BODY_STYLES[tag.group(1)]}"',
            html,
        )
        self.organisation, self.reply_to = sender_identity(site, language, texts)
        self.postal_address = _postal_address(site, texts, language)
        self.site_url = root + "/"


def _first_language(site):
    return site_languages(site)[0][0]


def _postal_address(site, texts, language):
    """The organisation's postal address in ``language``, else in its first language
    (which ``start_sending`` requires), else in any language it is given in."""
    addresses = {code: text.postal_address.strip() for code, text in texts.items()}
    return (
        addresses.get(language)
        or addresses.get(_first_language(site))
        or next((address for address in addresses.values() if address), "")
    )


def has_postal_address(site):
    """Whether the organisation gave its postal address in its first language: every
    message carries it (the law asks for it), and that one stands in for a language
    without its own. No message is sent before it is there."""
    text = organisation_texts(site).get(_first_language(site))
    return bool(text and text.postal_address.strip())


class _Renderer:
    """Renders copies of one message, preparing each language's version once."""

    def __init__(self, mailing):
        self.mailing = mailing
        self.site = mailing.site
        self.versions = {v.language: v for v in mailing.versions.all()}
        self.prepared = {}
        self.first = next(
            (code for code, _name in site_languages(self.site) if code in self.versions),
            next(iter(sorted(self.versions)), None),
        )
        self.from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
        self.domain = self.from_address.rpartition("@")[2] or None

    @cached_property
    def texts(self):
        """The organisation's texts, read once for every version."""
        return organisation_texts(self.site)

    def language_for(self, language):
        """The version a person of ``language`` receives: theirs, else the
        organisation's first language (else any there is)."""
        if language in self.versions:
            return language
        if self.first is None:
            raise CannotSend(_("The message has no text in any language."))
        return self.first

    def version(self, language):
        language = self.language_for(language)
        if language not in self.prepared:
            self.prepared[language] = _Version(
                self.mailing, self.versions[language], language, self.texts
            )
        return self.prepared[language]

    def render(self, supporter, language, test=False):
        """(subject, text, HTML, headers, version) of the copy for ``supporter``."""
        version = self.version(language)
        given = supporter.given_name or ""
        url = unsubscribe_url(self.site, supporter.pk or 0, self.mailing.pk, version.language)
        subject = _one_line(version.subject.replace(NAME_FIELD, given))
        preview = _one_line(version.preview_text.replace(NAME_FIELD, given))
        with translation.override(version.language):
            if test:
                subject = _("[Test] %(subject)s") % {"subject": subject}
            context = {
                "language": version.language,
                "subject": subject,
                "preview_text": preview,
                "organisation": version.organisation,
                "postal_address": version.postal_address,
                "site_url": version.site_url,
                "unsubscribe_url": url,
                "test": test,
                "padding": PREHEADER_PADDING,
            }
            html = render_to_string(
                "membership/email/mailing.html",
                {**context, "body": mark_safe(version.html.replace(NAME_FIELD, escape(given)))},  # noqa: S308 - the officer's rich text; the name is escaped
            )
            text = render_to_string(
                "membership/email/mailing.txt",
                {**context, "body": version.text.replace(NAME_FIELD, given)},
            )
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": make_msgid(idstring=f"m{self.mailing.pk}", domain=self.domain),
            "Content-Language": version.language,
        }
        return subject, text, html, headers, version

    def message(self, supporter, language, to, test=False, connection=None):
        subject, text, html, headers, version = self.render(supporter, language, test)
        message = EmailMultiAlternatives(
            subject,
            text,
            formataddr((_one_line(version.organisation), self.from_address)),
            [to],
            reply_to=[version.reply_to] if version.reply_to else None,
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message


def render_message(mailing, supporter, language=None, test=False):
    """The copy of ``mailing`` for ``supporter`` (an ``EmailMultiAlternatives`` to
    their address), in ``language`` or else theirs, else the organisation's first."""
    renderer = _Renderer(mailing)
    return renderer.message(supporter, language or supporter.language, supporter.email, test)


def preview_html(mailing, language):
    """The HTML of the version in ``language`` as a person sees it, with a sample
    name (and an unsubscribe link that unsubscribes nobody)."""
    renderer = _Renderer(mailing)
    sample = Supporter(site=mailing.site, given_name=SAMPLE_NAME, language=language)
    return renderer.render(sample, language)[2]


def test_send(mailing, user, language):
    """Send the version in ``language`` to the user's own address, marked as a test
    (no copy is recorded, nobody else receives it). True when the mail server took
    it; False when the user has no address or the server refused (logged)."""
    if not user.email:
        return False
    renderer = _Renderer(mailing)
    name = user.first_name or user.get_username()
    person = Supporter(site=mailing.site, given_name=name, language=language)
    message = renderer.message(person, language, user.email, test=True)
    try:
        return bool(message.send())
    except Exception:
        logger.warning("Test of message %s to %s failed", mailing.pk, user.pk, exc_info=True)
        return False


test_send.__test__ = False  # a function of the app, not one for pytest to collect


# --- starting, stopping, progress ----------------------------------------------------


def start_sending(mailing, user):
    """Hand the message to the sender, which queues one copy per person of the
    audience.

    Sent from a draft where the organisation does not ask for approval, else once
    another officer approved it. Raises ``CannotSend`` otherwise. Returns the number
    of people the audience selects now."""
    site = mailing.site
    need_approval = MembershipSettings.for_site(site).mailings_need_approval
    now = timezone.now()
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if locked.status == Status.DRAFT:
            if need_approval:
                raise CannotSend(_("This message needs another officer's approval first."))
        elif locked.status == Status.AWAITING_APPROVAL:
            approved = locked.approved_by_id and locked.approved_by_id != locked.submitted_by_id
            if need_approval and not approved:
                raise CannotSend(_("This message needs another officer's approval first."))
        else:
            raise CannotSend(_("This message was sent or cancelled already."))
        if not locked.versions.exists():
            raise CannotSend(_("The message has no text in any language."))
        if not has_postal_address(site):
            raise CannotSend(
                _(
                    "Add the organisation's postal address in its settings first: "
                    "every message carries it."
                )
            )
        # The copies are queued by the sender (``queue_copies``), not in this
        # request: a large audience takes a while.
        count = audiences.recipients(site, locked.audience or {}).count()
        locked.status = Status.QUEUED
        locked.queued_at = now
        locked.lease_until = None
        locked.recipients = None  # known once the sender queued every copy
        if locked.submitted_by_id is None:
            locked.submitted_by, locked.submitted_at = user, now
        locked.save(
            update_fields=[
                "status",
                "queued_at",
                "lease_until",
                "recipients",
                "submitted_by",
                "submitted_at",
                "updated_at",
            ]
        )
        audit(
            site,
            user,
            AuditEntry.Action.MAILING,
            mailing=locked.pk,
            name=locked.name,
            recipients=count,
        )
        mailing_id = locked.pk
        transaction.on_commit(lambda: send_mailing.enqueue(mailing_id))
    mailing.refresh_from_db()
    return count


def queue_copies(mailing, keep=None):
    """The sender's first step: queue one copy per person the audience selects now,
    a chunk of ids at a time (flat memory at any size), then record how many there
    are. Safe to run again (the database refuses a second copy for anyone): a
    sender stopped half-way leaves ``recipients`` empty, and the next one carries
    on after the last person queued. Returns the number of copies, or None when
    the message was cancelled meanwhile (the copies queued since are skipped).

    ``keep`` (the sender's ``_Lease.keep``) is called after each chunk, so that a
    large audience does not outlast the lease; when it returns False (another
    sender took the message over, or it was cancelled) queueing stops there and
    None is returned."""
    renderer = _Renderer(mailing)
    people = audiences.recipients(mailing.site, mailing.audience or {}).order_by("pk")
    queued = Delivery.objects.filter(mailing=mailing)
    last = queued.aggregate(last=Max("supporter_id"))["last"] or 0
    while True:
        chunk = list(people.filter(pk__gt=last).values_list("pk", "language")[:QUEUE_CHUNK])
        if not chunk:
            break
        last = chunk[-1][0]
        Delivery.objects.bulk_create(
            [
                Delivery(mailing=mailing, supporter_id=pk, language=renderer.language_for(lang))
                for pk, lang in chunk
            ],
            ignore_conflicts=True,
        )
        if keep is not None and not keep():
            return None
    count = queued.count()
    if Mailing.objects.filter(pk=mailing.pk, status__in=[Status.QUEUED, Status.SENDING]).update(
        recipients=count
    ):
        mailing.recipients = count
        return count
    queued.filter(status=Copy.QUEUED).update(status=Copy.SKIPPED, reason=Delivery.Reason.CANCELLED)
    return None


def cancel(mailing, user):
    """Stop a message being sent: the copies not yet sent are skipped (reason
    "cancelled"); one being handed over at that moment still goes. False when the
    message was not waiting or being sent."""
    now = timezone.now()
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if locked.status not in (Status.QUEUED, Status.SENDING):
            return False
        Mailing.objects.filter(pk=locked.pk).update(
            status=Status.CANCELLED, finished_at=now, lease_until=None, updated_at=now
        )
        skipped = Delivery.objects.filter(mailing=locked, status=Copy.QUEUED).update(
            status=Copy.SKIPPED, reason=Delivery.Reason.CANCELLED
        )
        audit(
            locked.site,
            user,
            AuditEntry.Action.MAILING,
            mailing=locked.pk,
            name=locked.name,
            cancelled=True,
            not_sent=skipped,
        )
    mailing.refresh_from_db()
    return True


def progress(mailing):
    """How many copies are in each state (every ``Delivery.Status``), and the total."""
    counts = dict.fromkeys(Copy.values, 0)
    rows = (
        Delivery.objects.filter(mailing=mailing)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    counts["total"] = sum(counts[status] for status in Copy.values)
    return counts


def mark_undeliverable(site, email, reason, note="", user=None):
    """Mark an address of ``site`` undeliverable (a bounce, a complaint, or staff's
    decision): no later message goes to it, and the copies still waiting for it are
    skipped. Returns the ``UndeliverableAddress``."""
    email = normalise_email(email)
    with transaction.atomic():
        marked, _created = UndeliverableAddress.objects.update_or_create(
            site=site, email=email, defaults={"reason": reason, "note": note[:300]}
        )
        person = Supporter.objects.filter(site=site, email=email).first()
        if person is not None:
            Delivery.objects.filter(supporter=person, status=Copy.QUEUED).update(
                status=Copy.SKIPPED, reason=Delivery.Reason.UNDELIVERABLE
            )
        audit(site, user, AuditEntry.Action.UNDELIVERABLE, person, reason=reason, note=note)
    return marked


# --- the sender ------------------------------------------------------------------------


def _lease_seconds():
    return max(5, int(settings.MEMBERSHIP_MAILING_LEASE))


class _Lease:
    """The sender's claim on a message; the time it wrote is its token."""

    def __init__(self, mailing_id):
        self.mailing_id = mailing_id
        self.until = None

    def take(self, token=None):
        """Take the message if nobody holds it (its lease ran out or was never
        taken), or it was handed on with ``token``, and it is waiting or being
        sent; marks it "being sent"."""
        now = timezone.now()
        until = now + timedelta(seconds=_lease_seconds())
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        if token:
            free |= Q(lease_until=datetime.fromisoformat(token))
        taken = (
            Mailing.objects.filter(pk=self.mailing_id, status__in=[Status.QUEUED, Status.SENDING])
            .filter(free)
            .update(status=Status.SENDING, lease_until=until, updated_at=now)
        )
        self.until = until if taken else None
        return bool(taken)

    def hand_on(self, delay):
        """Keep the message for the sender that carries on ``delay`` seconds from
        now: (its token, when it is due); None when the lease is gone."""
        now = timezone.now()
        until = now + timedelta(seconds=delay + _lease_seconds())
        kept = Mailing.objects.filter(
            pk=self.mailing_id, status=Status.SENDING, lease_until=self.until
        ).update(lease_until=until)
        if not kept:
            return None
        self.until = until
        return until.isoformat(), now + timedelta(seconds=delay)

    def keep(self):
        """Renew the lease once half of it is used; False when it is gone (taken
        over, or the message cancelled): then the sender stops."""
        now = timezone.now()
        if self.until - now > timedelta(seconds=_lease_seconds() / 2):
            return True
        until = now + timedelta(seconds=_lease_seconds())
        kept = Mailing.objects.filter(
            pk=self.mailing_id, status=Status.SENDING, lease_until=self.until
        ).update(lease_until=until)
        self.until = until if kept else self.until
        return bool(kept)

    def release(self, delay):
        """Let the message rest for ``delay`` (a timedelta) without a sender: it stays
        "being sent" with its copies queued, and ``send_due_mailings`` hands it to a
        sender once that time is over (a cancel still works meanwhile)."""
        now = timezone.now()
        released = Mailing.objects.filter(
            pk=self.mailing_id, status=Status.SENDING, lease_until=self.until
        ).update(lease_until=now + delay, updated_at=now)
        self.until = None
        return bool(released)

    def finish(self):
        """Sent: no copy is waiting any more."""
        now = timezone.now()
        return bool(
            Mailing.objects.filter(
                pk=self.mailing_id, status=Status.SENDING, lease_until=self.until
            ).update(status=Status.SENT, finished_at=now, lease_until=None, updated_at=now)
        )


class _Pace:
    """At most ``per_minute`` copies a minute, evenly spaced; waits in pieces short
    enough for the lease to be renewed in between."""

    def __init__(self, lease):
        self.interval = 1.0
        self.lease = lease
        self.next_at = None

    def per_minute(self, count):
        self.interval = 60.0 / max(1, count)

    def due_in(self):
        """Seconds until the next copy may go."""
        return max(0.0, (self.next_at or 0) - clock())

    def wait(self):
        """Wait for the next copy's turn; False when the lease was lost meanwhile.
        The clock is read once: the pieces add up to the wait (a ``pause`` that
        does not wait, as in tests, makes the pace free)."""
        left = self.next_at - clock() if self.next_at is not None else 0
        while left > 0:
            piece = min(left, _lease_seconds() / 4)
            pause(piece)
            left -= piece
            if not self.lease.keep():
                return False
        self.next_at = max(self.next_at or 0, clock()) + self.interval
        return True


def _skip_reason(supporter):
    """Why ``supporter`` (annotated by ``_person``) is no longer written to, or None."""
    if supporter is None or supporter.erased_at is not None or not supporter.email:
        return Delivery.Reason.ERASED
    if supporter.contact_consent_at is None:
        return Delivery.Reason.UNSUBSCRIBED
    if supporter.undeliverable:
        return Delivery.Reason.UNDELIVERABLE
    if not supporter.confirmed:
        return Delivery.Reason.WITHDRAWN
    return None


def _person(supporter_id):
    """The person of a copy as they are now, with what the sender must check."""
    if supporter_id is None:
        return None
    return (
        Supporter.objects.filter(pk=supporter_id)
        .annotate(
            undeliverable=Exists(
                UndeliverableAddress.objects.filter(site=OuterRef("site"), email=OuterRef("email"))
            ),
            confirmed=Exists(
                SignUp.objects.filter(supporter=OuterRef("pk"), state=SignUp.State.CONFIRMED)
            ),
        )
        .first()
    )


def _temporary(error):
    """Whether the mail server's answer means "not now" rather than "not this
    person": a 4xx answer, or a refusal of the sender (the organisation's address or
    login, the same for every copy). The copy was not taken and can go later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _answer in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 400 <= error.smtp_code < 500


#: What a mail server answers when it refuses a message: it was not taken. Any other
#: error during the hand-over (a broken connection, a timeout) may come after the
#: server took it.
REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


class _Connection:
    """One mail-server connection for a batch of copies, opened again after an
    error, and checked before each copy is claimed: at a slow pace the server may
    have dropped it while it was idle, and a copy sent over a dropped connection
    could not be told from one cut off after the server took it."""

    def __init__(self):
        self.backend = None
        self.used_at = None

    def open(self):
        """True when there is a usable connection (opened now if needed)."""
        if self.backend is not None and not self._usable():
            self.close()
        if self.backend is None:
            backend = get_connection(fail_silently=False)
            try:
                backend.open()
            except Exception:
                logger.warning("Could not connect to the mail server", exc_info=True)
                self._close(backend)
                return False
            self.backend = backend
        self.used_at = clock()
        return True

    def _usable(self):
        """False when the connection was idle longer than ``IDLE_SECONDS`` (servers
        drop idle ones) or does not answer a NOOP. A backend other than SMTP (no
        ``connection``) has nothing to check."""
        if self.used_at is None or clock() - self.used_at > IDLE_SECONDS:
            return False
        smtp = getattr(self.backend, "connection", None)
        if smtp is None:
            return True
        try:
            code, _answer = smtp.noop()
        except (smtplib.SMTPException, OSError):
            return False
        return code == 250

    @staticmethod
    def _close(backend):
        try:
            backend.close()
        except Exception:  # noqa: S110 - a broken connection is dropped all the same
            pass

    def close(self):
        if self.backend is not None:
            self._close(self.backend)
            self.backend = None


def run_mailing(mailing_id, token=None, seconds=None):
    """Send the queued copies of a message (see the module's text), for about
    ``seconds`` (None: to the end). Returns (copies handed over now, rest): rest is
    None when the message is done, or when this sender stopped or had nothing to do
    (another holds it); else (token, when): the lease is kept for the sender that
    carries on, due ``when`` (the pace's next copy), with ``token``."""
    lease = _Lease(mailing_id)
    if not lease.take(token):
        return 0, None
    mailing = Mailing.objects.select_related("site").get(pk=mailing_id)
    # Copies a sender claimed and never recorded: that sender is gone (it held the
    # lease that just ran out). They may have been sent: never again.
    Delivery.objects.filter(mailing_id=mailing_id, status=Copy.SENDING).update(
        status=Copy.INTERRUPTED
    )
    if mailing.recipients is None and queue_copies(mailing, keep=lease.keep) is None:
        return 0, None
    renderer = _Renderer(mailing)
    connection = _Connection()
    pace = _Pace(lease)
    ends = None if seconds is None else clock() + seconds
    sent = refused = last = 0
    try:
        while True:
            # Read again for every batch: an officer may lower it while it is sent.
            pace.per_minute(MembershipSettings.for_site(mailing.site).messages_per_minute)
            batch = list(
                Delivery.objects.filter(mailing_id=mailing_id, status=Copy.QUEUED, pk__gt=last)
                .order_by("pk")
                .values_list("pk", "supporter_id", "language")[:SEND_BATCH]
            )
            if not batch:
                break
            for pk, supporter_id, language in batch:
                if ends is not None and clock() >= ends:
                    return sent, lease.hand_on(pace.due_in())
                last = pk
                if not lease.keep() or not pace.wait():
                    return sent, None
                if not connection.open():
                    _rest(lease, mailing_id, "the mail server cannot be reached")
                    return sent, None
                if not Delivery.objects.filter(pk=pk, status=Copy.QUEUED).update(
                    status=Copy.SENDING, claimed_at=timezone.now()
                ):
                    continue  # skipped meanwhile (unsubscribed, cancelled)
                outcome = _send_one(renderer, connection, pk, supporter_id, language)
                if outcome == Copy.SENT:
                    sent += 1
                    refused = 0
                elif outcome == TEMPORARY:
                    _rest(lease, mailing_id, "the mail server asked to try again later")
                    return sent, None
                elif outcome in (Copy.FAILED, Copy.INTERRUPTED):
                    refused += 1
                    if refused >= FAILURES_IN_A_ROW:
                        _rest(lease, mailing_id, f"{refused} copies refused in a row", refused=True)
                        return sent, None
            connection.close()
        lease.finish()
        return sent, None
    finally:
        connection.close()


def _rest(lease, mailing_id, why, refused=False):
    """Stop sending for a while (``BACK_OFF_ATTEMPTS`` in ``retry_delay``): the
    message rests without a sender, then the timer hands it on. After refusals the
    rest grows with each stop in a row (the copies refused since the last one sent),
    so that a server refusing everything is not worked through the whole audience."""
    attempts = BACK_OFF_ATTEMPTS
    if refused:
        copies = Delivery.objects.filter(mailing_id=mailing_id)
        last_sent = copies.filter(status=Copy.SENT).aggregate(last=Max("pk"))["last"] or 0
        in_a_row = copies.filter(
            status__in=[Copy.FAILED, Copy.INTERRUPTED], pk__gt=last_sent
        ).count()
        attempts += max(0, in_a_row // FAILURES_IN_A_ROW - 1)
    delay = retry_delay(attempts)
    logger.warning("Message %s: sending paused for %s: %s", mailing_id, delay, why)
    lease.release(delay)


def _send_one(renderer, connection, pk, supporter_id, language):
    """Check, render and hand over one claimed copy; record and return its state."""
    person = _person(supporter_id)
    reason = _skip_reason(person)
    if reason:
        Delivery.objects.filter(pk=pk, status=Copy.SENDING).update(
            status=Copy.SKIPPED, reason=reason
        )
        return Copy.SKIPPED
    try:
        message = renderer.message(person, language, person.email, connection=connection.backend)
    except Exception as error:
        # Nothing was handed over; a copy that cannot be written is not retried.
        logger.exception("Message %s: copy %s could not be prepared", renderer.mailing.pk, pk)
        _record(pk, Copy.FAILED, f"{type(error).__name__}: {error}")
        return Copy.FAILED
    try:
        taken = connection.backend.send_messages([message])
    except Exception as error:
        connection.close()
        if _temporary(error):
            # Not taken: the copy waits for the next sender.
            logger.warning("Message %s: copy %s not taken now: %s", renderer.mailing.pk, pk, error)
            Delivery.objects.filter(pk=pk, status=Copy.SENDING).update(
                status=Copy.QUEUED, claimed_at=None
            )
            return TEMPORARY
        if isinstance(error, REFUSED):
            _record(pk, Copy.FAILED, str(error))
            return Copy.FAILED
        # The connection broke during the hand-over: it may have gone out.
        logger.warning("Message %s: copy %s cut off", renderer.mailing.pk, pk, exc_info=True)
        _record(pk, Copy.INTERRUPTED, f"{type(error).__name__}: {error}")
        return Copy.INTERRUPTED
    if not taken:
        _record(pk, Copy.FAILED, "not sent")
        return Copy.FAILED
    _record(pk, Copy.SENT)
    return Copy.SENT


def _record(pk, status, error=""):
    """The outcome of a claimed copy. Also over ``interrupted``: a sender that stalled
    past its lease still knows better than the one that took over."""
    values = {"status": status, "error": error[:300]}
    if status == Copy.SENT:
        values["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=pk, status__in=[Copy.SENDING, Copy.INTERRUPTED]).update(**values)


@task(queue_name=MAILING_QUEUE)
def send_mailing(mailing_id, token=None):
    """The sender of one message (see the module's text). Where tasks wait for a
    worker, it sends for ``SLICE_SECONDS`` and hands on to a task of its own for the
    rest: the worker stops quickly when asked to, and two messages share it."""
    sliced = default_task_backend.supports_defer
    seconds = min(SLICE_SECONDS, _lease_seconds() / 2) if sliced else None
    sent, rest = run_mailing(mailing_id, token, seconds)
    if rest is not None:
        token, when = rest
        send_mailing.using(run_after=when).enqueue(mailing_id, token=token)
    return sent


def send_due_mailings(older_than=timedelta(minutes=2), now=None):
    """Hand to the sender again every message waiting or being sent that nobody
    works on: its sender's lease ran out (a killed worker), or it was queued
    ``older_than`` ago and never taken (its task was lost). Returns their ids."""
    now = now or timezone.now()
    due = list(
        Mailing.objects.filter(status__in=[Status.QUEUED, Status.SENDING])
        .filter(
            Q(lease_until__lt=now) | Q(lease_until__isnull=True, queued_at__lt=now - older_than)
        )
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )
    for mailing_id in due:
        send_mailing.enqueue(mailing_id)
    return due
