"""The home page panel: the congress happening now, or the next one."""

from django.template.loader import render_to_string
from django.utils import timezone

from home.cache import limit_page_cache

from . import timing
from .models import CongressPage


def next_congress(home_page, now):
    """The live, public congress under ``home_page`` that is happening at ``now``, or
    else the next one to start; None when none is to come.

    Ordered by start, the first congress that has not ended is the one under way (it
    started before any that is still to come)."""
    return (
        CongressPage.objects.live()
        .public()
        .descendant_of(home_page)
        .filter(end_at__gt=now)
        .select_related("locale")
        .order_by("start_at", "pk")
        .first()
    )


def home_page_panel(request, home_page):
    now = timezone.now()
    congress = next_congress(home_page, now)
    if congress is None:
        return ""
    # The panel changes when this congress starts or ends (then the next one shows)
    # and when the countdown moves on.
    limit_page_cache(request, congress.seconds_until_change(now))
    countdown_text, valid = timing.countdown(congress.start_at, now)
    if valid is not None:
        limit_page_cache(request, valid)
    return render_to_string(
        "congress/includes/home_panel.html",
        {
            "congress": congress,
            "state": congress.state_at(now),
            "countdown": countdown_text,
            "url": congress.get_url(request),
        },
        request=request,
    )
