"""The home page panel: the congress happening now, or the next one."""

from django.template.loader import render_to_string
from django.utils import timezone

from home.cache import limit_page_cache

from . import timing
from .models import CongressPage


def home_page_panel(request, home_page):
    now = timezone.now()
    congresses = list(
        CongressPage.objects.live()
        .public()
        .descendant_of(home_page)
        .filter(end_at__gt=now)
        .order_by("start_at")[:10]
    )
    if not congresses:
        return ""
    for congress in congresses:
        limit_page_cache(request, congress.seconds_until_change(now))
    live = [c for c in congresses if c.state_at(now) == timing.LIVE]
    congress = live[0] if live else congresses[0]
    state = congress.state_at(now)
    countdown_text, valid = timing.countdown(congress.start_at, now)
    if valid is not None:
        limit_page_cache(request, valid)
    return render_to_string(
        "congress/includes/home_panel.html",
        {
            "congress": congress,
            "state": state,
            "countdown": countdown_text,
            "url": congress.get_url(request),
        },
        request=request,
    )
