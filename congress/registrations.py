"""Registrations to attend a congress, and the emails about them.

A registration is a membership sign-up (``SignUp.Kind.REGISTRATION``, on the
congress page's first version: one per person and congress) with its consent and
double opt-in; ``Registration`` keeps beside it what only a congress needs: how the
person attends, their place or turn on the waiting list, and their check-in.
``RegistrationEmail`` is the outbox of the emails a registration is sent after its
confirmation (place, waiting list, moved up, cancelled, changes to confirm, the
reminder and the livestream link); each is claimed by one sender before it goes.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Registration(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the email confirmation")
        PLACE = "place", _("Has a place")
        WAITLIST = "waitlist", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    signup = models.OneToOneField(
        "membership.SignUp",
        verbose_name=_("sign-up"),
        on_delete=models.CASCADE,
        related_name="registration",
    )
    # The congress page's first version (``membership.services.canonical_page``):
    # places are counted there whichever language people registered in.
    congress = models.ForeignKey(
        "congress.CongressPage",
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    mode = models.CharField(_("attends"), max_length=12, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # When the status was last set: the order of the waiting list.
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    accessibility = models.TextField(_("accessibility needs"), max_length=1000, blank=True)
    # What a later form with the same address asked to change (mode, organisation,
    # role, accessibility), applied once the person confirms it by the emailed link.
    proposed = models.JSONField(_("changes waiting for confirmation"), default=dict, blank=True)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("congress registration")
        verbose_name_plural = _("congress registrations")
        ordering = ["status_changed_at", "pk"]
        indexes = [
            # Counting places and moving the waiting list up: per congress and mode.
            models.Index(
                fields=["congress", "mode", "status", "status_changed_at"],
                name="registration_places_idx",
            )
        ]
        permissions = [
            ("export_registration", _("Can export congress registrations")),
            ("check_in_registration", _("Can check people in at a congress")),
        ]

    def __str__(self):
        return f"{self.signup.supporter} ({self.get_mode_display()})"


class RegistrationEmail(models.Model):
    class Message(models.TextChoices):
        PLACE = "place", _("Place confirmed")
        WAITLIST = "waitlist", _("On the waiting list")
        MOVED_UP = "moved_up", _("Moved up from the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        CHANGE = "change", _("Changes to confirm")
        REMINDER = "reminder", _("Reminder the day before")
        LIVE = "live", _("The congress is live")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Not sent")

    #: Messages a registration gets at most once (a row is made only by the sender
    #: that wins the unique constraint).
    ONCE = (Message.REMINDER, Message.LIVE)

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="emails",
    )
    message = models.CharField(_("message"), max_length=12, choices=Message.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration email")
        verbose_name_plural = _("registration emails")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "message"],
                condition=models.Q(message__in=["reminder", "live"]),
                name="one_reminder_and_live_email_per_registration",
            )
        ]

    def __str__(self):
        return f"{self.get_message_display()} → {self.registration_id}"
