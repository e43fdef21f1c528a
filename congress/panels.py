"""The home page panel: the congress happening now, or the next one."""

from django.template.loader import render_to_string
from django.utils import timezone

from home.cache import cached_per_generation, limit_page_cache
from home.routing import is_restricted

from . import timing
from .models import CongressPage


def _coming(home_page, now):
    """The next live, public congresses under ``home_page`` that have not ended."""
    return [
        congress
        for congress in CongressPage.objects.live()
        .descendant_of(home_page)
        .filter(end_at__gt=now)
        .order_by("start_at")[:10]
        if not is_restricted(congress.path)
    ]


def home_page_panel(request, home_page):
    now = timezone.now()
    # Kept per generation (publishing moves it on); what ended since is dropped here.
    coming = cached_per_generation(
        f"congress:coming:{home_page.pk}", lambda: _coming(home_page, now)
    )
    congresses = [congress for congress in coming if congress.end_at > now]
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
