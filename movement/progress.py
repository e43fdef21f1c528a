"""Where a demand stands: its status, latest value and distance to the target.

Pure functions over plain values, so that the page, the open-data files and the
tests compute progress the same way.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .choices import Status


def local_today():
    return timezone.localdate()


def progress_percent(baseline, target, value):
    """How far ``value`` has moved from ``baseline`` towards ``target``, 0–100.

    Works for targets above and below the baseline (a rate that should fall).
    ``None`` when the target or the value is unknown; a missing baseline counts
    as zero. Values beyond the target count as 100, values that moved away from
    it as 0.
    """
    if target is None or value is None:
        return None
    baseline = Decimal(0) if baseline is None else Decimal(baseline)
    target, value = Decimal(target), Decimal(value)
    if target == baseline:
        return 100 if value == target else 0
    fraction = (value - baseline) / (target - baseline)
    fraction = min(max(fraction, Decimal(0)), Decimal(1))
    return int((fraction * 100).to_integral_value())


def deadline_passed(deadline, today=None):
    """True once the whole deadline day is over (local time)."""
    if deadline is None:
        return False
    return deadline < (today or local_today())


def seconds_until_next_deadline(deadlines, now=None):
    """Seconds until the next of ``deadlines`` passes (midnight after it, local
    time), or None when none lies ahead. Pages showing "deadline passed" keep
    their cached copy no longer than this."""
    now = now or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    upcoming = [d for d in deadlines if d is not None and d >= today]
    if not upcoming:
        return None
    passes_at = datetime.datetime.combine(
        min(upcoming) + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return max(1, int((passes_at - now).total_seconds()))


@dataclass
class DemandProgress:
    """A demand with its progress history (oldest first) and what follows from it."""

    demand: object
    updates: list = field(default_factory=list)
    today: datetime.date | None = None

    @property
    def latest(self):
        return self.updates[-1] if self.updates else None

    @property
    def status(self):
        return self.latest.status if self.latest else Status.NOT_RATED

    @property
    def status_label(self):
        return Status(self.status).label

    @property
    def latest_measurement(self):
        for update in reversed(self.updates):
            if update.value is not None:
                return update
        return None

    @property
    def latest_value(self):
        measurement = self.latest_measurement
        return measurement.value if measurement else None

    @property
    def percent(self):
        return progress_percent(
            self.demand.baseline_value, self.demand.target_value, self.latest_value
        )

    @property
    def target_reached(self):
        return self.percent == 100

    @property
    def deadline_passed(self):
        return deadline_passed(self.demand.deadline, self.today)

    @property
    def history(self):
        """Newest first, for display."""
        return list(reversed(self.updates))


def status_summary(progress_list):
    """[(status value, label, count)] for every status of the scale, in its order."""
    counts = {value: 0 for value in Status.values}
    for item in progress_list:
        counts[item.status] += 1
    return [(value, Status(value).label, counts[value]) for value in Status.values]
