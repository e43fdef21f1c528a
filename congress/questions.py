"""Questions and comments to a congress or one session of its agenda.

Anyone may send one, with their name or anonymously; nothing is public until event
staff approve it. An approved question can be answered: the answer is shown with
the question and, after the congress, with its outcomes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Question(models.Model):
    class SpeaksAs(models.TextChoices):
        SELF = "self", _("For myself")
        NGO = "ngo", _("For an NGO")
        POLITICIAN = "politician", _("As a politician")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Public")
        REJECTED = "rejected", _("Not published")

    # The congress page's first version: questions show in every language.
    congress = models.ForeignKey(
        "congress.CongressPage",
        verbose_name=_("congress"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    # The id of the agenda's session block (the same in every translation); empty:
    # to the congress as a whole.
    session = models.CharField(_("session"), max_length=64, blank=True)
    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("Empty: sent anonymously.")
    )
    speaks_as = models.CharField(
        _("speaks"), max_length=12, choices=SpeaksAs.choices, default=SpeaksAs.SELF
    )
    organisation = models.CharField(_("organisation or party"), max_length=200, blank=True)
    text = models.TextField(_("question or comment"), max_length=2000)
    language = models.CharField(_("language"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = models.TextField(_("answer"), max_length=4000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["congress", "status", "created_at"], name="question_congress_idx")
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def is_answered(self):
        return self.answered_at is not None

    @property
    def shown_on(self):
        """The congress page that shows (or showed) this question: None while it was
        never public (a question waiting for moderation changes no cached page)."""
        if self.status == self.Status.APPROVED or self.moderated_at is not None:
            return self.congress
        return None
