"""The kinds and statuses of a congress outcome."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutcomeKind(models.TextChoices):
    RESULT = "result", _("Result")
    RESOLUTION = "resolution", _("Resolution")
    DECISION = "decision", _("Decision")
    QUOTE = "quote", _("Quote")
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


# Kinds that carry a number ("Resolution no. 3").
NUMBERED_KINDS = frozenset({OutcomeKind.RESULT, OutcomeKind.RESOLUTION, OutcomeKind.DECISION})


class OutcomeStatus(models.TextChoices):
    DISCUSSION = "discussion", _("Under discussion")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in_progress", _("Being carried out")
    DONE = "done", _("Carried out")
