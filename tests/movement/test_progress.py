"""The progress computation: value against baseline and target, deadlines."""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from movement.choices import Status
from movement.progress import (
    DemandProgress,
    deadline_passed,
    progress_percent,
    seconds_until_next_deadline,
    status_summary,
)


@pytest.mark.parametrize(
    ("baseline", "target", "value", "expected"),
    [
        (0, 10, 0, 0),
        (0, 10, 5, 50),
        (0, 10, 10, 100),
        (0, 10, 12, 100),  # beyond the target counts as reached
        (20, 10, 15, 50),  # a rate that should fall
        (20, 10, 25, 0),  # moved away from the target
        (None, 90, 45, 50),  # unknown baseline counts as zero
        (Decimal("60.5"), Decimal("90"), Decimal("75.25"), 50),
        (10, 10, 10, 100),
        (10, 10, 9, 0),
        (0, 10, None, None),  # no value known yet
        (0, None, 5, None),  # no target
    ],
)
def test_progress_percent(baseline, target, value, expected):
    assert progress_percent(baseline, target, value) == expected


def test_deadline_passed_only_after_the_day():
    deadline = datetime.date(2022, 12, 31)
    assert not deadline_passed(deadline, today=datetime.date(2022, 12, 30))
    assert not deadline_passed(deadline, today=deadline)
    assert deadline_passed(deadline, today=datetime.date(2023, 1, 1))
    assert not deadline_passed(None, today=datetime.date(2030, 1, 1))


def test_seconds_until_next_deadline_is_the_local_midnight_after_it():
    zone = ZoneInfo("Europe/Belgrade")
    now = datetime.datetime(2022, 12, 31, 23, 0, tzinfo=zone)
    deadlines = [datetime.date(2022, 12, 31), datetime.date(2023, 6, 1), None]
    assert seconds_until_next_deadline(deadlines, now=now) == 3600
    later = datetime.datetime(2023, 1, 1, 0, 30, tzinfo=zone)
    expected = (datetime.datetime(2023, 6, 2, tzinfo=zone) - later).total_seconds()
    assert seconds_until_next_deadline(deadlines, now=later) == int(expected)
    assert seconds_until_next_deadline([datetime.date(2020, 1, 1)], now=later) is None


def _demand(**fields):
    values = {"baseline_value": Decimal(0), "target_value": Decimal(10), "deadline": None}
    values.update(fields)
    return SimpleNamespace(**values)


def _update(date, status, value=None):
    return SimpleNamespace(date=date, status=status, value=value)


def test_demand_progress_follows_the_latest_update_and_latest_known_value():
    updates = [
        _update(datetime.date(2020, 1, 1), Status.IN_THE_WORKS, Decimal(2)),
        _update(datetime.date(2021, 1, 1), Status.STALLED, Decimal(4)),
        _update(datetime.date(2022, 1, 1), Status.PARTLY_ACHIEVED, None),
    ]
    item = DemandProgress(
        _demand(deadline=datetime.date(2022, 12, 31)), updates, today=datetime.date(2023, 1, 2)
    )
    assert item.status == Status.PARTLY_ACHIEVED
    with translation.override("en"):
        assert item.status_label == "Partly achieved"
    with translation.override("sq"):
        assert item.status_label == "Pjesërisht e arritur"
    assert item.latest_value == Decimal(4)
    assert item.latest_measurement is updates[1]
    assert item.percent == 40
    assert not item.target_reached
    assert item.deadline_passed
    assert item.history == list(reversed(updates))


def test_demand_without_updates_is_not_yet_rated():
    item = DemandProgress(
        _demand(deadline=datetime.date(2030, 1, 1)), [], today=datetime.date(2024, 1, 1)
    )
    assert item.status == Status.NOT_RATED
    assert item.latest_value is None
    assert item.percent is None
    assert not item.deadline_passed


def test_status_summary_counts_every_status_in_scale_order():
    items = [
        DemandProgress(_demand(), [_update(datetime.date(2020, 1, 1), Status.ACHIEVED)]),
        DemandProgress(_demand(), [_update(datetime.date(2020, 1, 1), Status.ACHIEVED)]),
        DemandProgress(_demand(), []),
    ]
    summary = status_summary(items)
    assert [value for value, _label, _count in summary] == list(Status.values)
    counts = {value: count for value, _label, count in summary}
    assert counts[Status.ACHIEVED] == 2
    assert counts[Status.NOT_RATED] == 1
    assert sum(counts.values()) == 3
