"""Attendance counts of a congress, shown in its Outcomes once it is live or over:
people registered with a place and people checked in, per way of attending.

The counts change at the door without anything being published, so a page that
shows them tells the page cache to keep its copy for ``ATTENDANCE_MAX_AGE`` seconds
at most (as signature counts do)."""

from django.db.models import Count, Q

from home.cache import limit_page_cache

from . import timing
from .registrations import Registration

ATTENDANCE_MAX_AGE = 60


def attendance_counts(page):
    """[{"mode", "label", "registered", "checked_in"}] of the congress ``page`` (any
    language version; one query); modes nobody registered for are left out."""
    found = {
        row["mode"]: row
        for row in Registration.objects.filter(congress__translation_key=page.translation_key)
        .values("mode")
        .annotate(
            registered=Count("pk", filter=Q(status=Registration.Status.PLACE)),
            checked_in=Count(
                "pk",
                filter=Q(checked_in_at__isnull=False) & ~Q(status=Registration.Status.CANCELLED),
            ),
        )
        .order_by()
    }
    rows = []
    for mode, label in Registration.Mode.choices:
        row = found.get(mode)
        if row and (row["registered"] or row["checked_in"]):
            rows.append(
                {
                    "mode": mode,
                    "label": label,
                    "registered": row["registered"],
                    "checked_in": row["checked_in"],
                }
            )
    return rows


def attendance_context(page, state, request=None):
    """``attendance``: the counts, while the congress is live and after it, when
    anyone registered; nothing before (the page does not say
    how full it is)."""
    if state not in (timing.LIVE, timing.AFTER):
        return {}
    rows = attendance_counts(page)
    if request is not None and (rows or page.first_version.registration_enabled):
        limit_page_cache(request, ATTENDANCE_MAX_AGE)
    if not rows:
        return {}
    return {
        "attendance": {
            "modes": rows,
            "registered": sum(row["registered"] for row in rows),
            "checked_in": sum(row["checked_in"] for row in rows),
        }
    }
