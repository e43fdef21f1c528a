"""Messages that an organisation's membership officers send to its supporters.

- ``Mailing``: one message, its audience (``audience.Audience``: which confirmed,
  consenting people receive it), its state from draft to sent, who wrote, approved
  and sent it.
- ``MailingVersion``: the message in one language (subject, preview text, body);
  each person receives the version in their language, else the organisation's
  first language.
- ``Delivery``: one person's copy: queued when the message is sent, claimed by the
  sender just before it goes to the mail server, then sent (or skipped, failed or
  interrupted). The database refuses a second copy of a message for one person.
- ``UndeliverableAddress``: an address that bounced or complained; skipped by every
  later message of the organisation.

How a message is sent, and why nobody receives it twice, is in ``mailing_send.py``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField

#: The rich-text features of a message's body: what every mail program shows alike.
BODY_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class Mailing(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "approval", _("Waiting for approval")
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="mailings",
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("For staff only, to find the message again; recipients never see it."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # The audience form's cleaned values (``audience.Audience.as_json``).
    audience = models.JSONField(_("audience"), default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Who last changed its text or audience: like its author, never its approver.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who asked for it to be sent (and so for approval, where the organisation wants
    # one), who approved it: always another person.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    queued_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    # How many copies were queued when sending started.
    recipients = models.PositiveIntegerField(_("recipients"), null=True, blank=True)
    # A sender's claim on the message: only one sender works on a message at a time,
    # and a sender that died lets another take over once its claim has run out.
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_mailing", _("Can write and send messages to supporters"))]

    def __str__(self):
        return self.name

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.AWAITING_APPROVAL)


class MailingVersion(models.Model):
    """The message in one language."""

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("message"), on_delete=models.CASCADE, related_name="versions"
    )
    language = models.CharField(_("language"), max_length=12)
    subject = models.CharField(_("subject"), max_length=200)
    preview_text = models.CharField(
        _("preview text"),
        max_length=200,
        blank=True,
        help_text=_("Shown by most mail programs after the subject, before the message is opened."),
    )
    body = RichTextField(_("message"), features=BODY_FEATURES)

    class Meta:
        verbose_name = _("message version")
        verbose_name_plural = _("message versions")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "language"], name="one_mailing_version_per_language"
            )
        ]

    def __str__(self):
        return f"{self.language}: {self.subject}"


class Delivery(models.Model):
    """One person's copy of a message."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENDING = "sending", _("Being handed to the mail server")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("The mail server refused it")
        SKIPPED = "skipped", _("Not sent")
        # Claimed by a sender that was stopped before it recorded the mail server's
        # answer: the copy may or may not have gone out, and it is never sent again.
        INTERRUPTED = "interrupted", _("Cut off while being sent; may not have arrived")

    class Reason(models.TextChoices):
        NONE = "", "—"
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed before it was sent")
        UNDELIVERABLE = "undeliverable", _("The address is marked undeliverable")
        ERASED = "erased", _("The person was erased")
        WITHDRAWN = "withdrawn", _("No confirmed sign-up any more")
        CANCELLED = "cancelled", _("The message was cancelled")

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # Emptied when the person is erased: the count stays, the link to them goes.
    supporter = models.ForeignKey(
        "membership.Supporter",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=Reason.choices, default=Reason.NONE, blank=True
    )
    error = models.CharField(_("mail server's answer"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "supporter"], name="one_delivery_per_mailing_and_person"
            )
        ]
        # The sender's "next copy waiting" and the progress counts.
        indexes = [models.Index(fields=["mailing", "status", "id"], name="delivery_next_idx")]

    def __str__(self):
        return f"{self.mailing_id}/{self.supporter_id} {self.get_status_display()}"

    def subject(self):
        """The subject this copy had: its language's version, else the first one
        written. Reads ``mailing.versions.all()``, so a list prefetches them."""
        versions = sorted(self.mailing.versions.all(), key=lambda version: version.pk)
        chosen = next((v for v in versions if v.language == self.language), None)
        chosen = chosen or next(iter(versions), None)
        return chosen.subject if chosen else ""


class UndeliverableAddress(models.Model):
    """An address of an organisation that bounced or complained, marked by staff on
    the person's page or with ``manage.py membership_undeliverable``."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Bounced")
        COMPLAINT = "complaint", _("Reported as spam")
        MANUAL = "manual", _("Marked by staff")

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The normalised address (``emails.normalise_email``), as ``Supporter.email``.
    email = models.CharField(_("email"), max_length=254)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        verbose_name = _("undeliverable address")
        verbose_name_plural = _("undeliverable addresses")
        constraints = [
            models.UniqueConstraint(fields=["site", "email"], name="one_undeliverable_per_address")
        ]

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"
