"""Fixed lists of the movement app: progress statuses (and Kosovo's municipalities)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Kosovo's 38 municipalities: one list for the whole project, kept by membership.
from membership.constants import (  # noqa: F401
    MUNICIPALITIES,
    municipality_choices,
    municipality_name,
)


class Status(models.TextChoices):
    """The fixed scale on which a demand's progress is rated after the election."""

    NOT_RATED = "not_rated", _("Not yet rated")
    IN_THE_WORKS = "in_the_works", _("In the works")
    STALLED = "stalled", _("Stalled")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY_ACHIEVED = "partly_achieved", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
