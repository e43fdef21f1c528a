"""Before, live and after: the page, the home page panel, and the cache lifetime."""

from datetime import timedelta

import pytest

from tests.congress.conftest import add_outcome, kosovo

START = kosovo(2030, 5, 23, 10, 0)


@pytest.fixture
def congress(make_congress):
    return make_congress(start=START, hours=4, recording_url="https://www.youtube.com/watch?v=demo")


def get(client, org, url):
    response = client.get(url, HTTP_HOST=org.hostname)
    assert response.status_code == 200
    return response, response.content.decode()


def test_before_shows_countdown_and_calendar_link(client, org, clock, congress):
    page, _ = congress
    clock.set(START - timedelta(days=3, hours=2))
    response, html = get(client, org, page.url)
    assert "Fillon pas 3 ditësh" in html
    assert f'href="{page.url}calendar/"' in html
    assert "Live now" not in html and "Drejtpërdrejt tani" not in html
    assert "Shikojeni transmetimin e drejtpërdrejtë në Facebook" in html

    clock.set(START - timedelta(minutes=90))
    _, html = get(client, org, page.url + "?fresh=1")
    assert "Fillon pas 1 ore" in html


def test_before_page_is_cached_only_until_the_congress_starts(client, org, clock, congress):
    page, _ = congress
    clock.set(START - timedelta(seconds=30))
    response, _ = get(client, org, page.url)
    assert response["X-Cache"] == "MISS"
    assert "max-age=30" in response["Cache-Control"]
    assert response.wsgi_request.page_cache_max_seconds <= 30


def test_live_shows_banner_on_page_and_home(client, org, clock, congress):
    page, page_en = congress
    clock.set(START + timedelta(hours=1))
    response, html = get(client, org, page.url)
    assert "Drejtpërdrejt tani" in html
    assert "Fillon pas" not in html
    assert "calendar/" not in html
    # Cached no longer than until the end of the congress.
    assert response.wsgi_request.page_cache_max_seconds == 3 * 3600

    _, home = get(client, org, "/sq/")
    assert "congress-panel--live" in home and "Drejtpërdrejt tani" in home
    assert page.title in home
    _, home_en = get(client, org, "/en/")
    assert "Live now" in home_en and page_en.title in home_en


def test_home_panel_shows_next_congress_and_limits_cache(client, org, clock, congress):
    page, _ = congress
    clock.set(START - timedelta(seconds=45))
    response, home = get(client, org, "/sq/")
    assert "Kongresi i ardhshëm" in home and page.title in home
    assert "max-age=45" in response["Cache-Control"]


def test_home_panel_is_empty_after_the_congress(client, org, clock, congress):
    page, _ = congress
    clock.set(START + timedelta(days=1))
    _, home = get(client, org, "/sq/")
    assert "congress-panel" not in home


def test_after_recording_replaces_stream(client, org, clock, congress):
    page, page_en = congress
    clock.set(START + timedelta(hours=5))
    _, html = get(client, org, page.url)
    assert "Ky kongres ka përfunduar." in html
    assert "https://www.youtube.com/watch?v=demo" in html
    assert "Shikojeni videon në YouTube" in html
    main = html[html.index("<main") :]
    assert "facebook.com/FESPrishtina" not in main  # the recording replaced the stream
    _, html_en = get(client, org, page_en.url)
    assert "Watch the video on YouTube" in html_en


def test_live_record_is_newest_first(client, org, clock, congress):
    page, _ = congress
    add_outcome(page, title="E para", happened_at=START + timedelta(minutes=10))
    add_outcome(page, title="E dyta", happened_at=START + timedelta(minutes=50))
    clock.set(START + timedelta(hours=1))
    _, html = get(client, org, page.url)
    assert html.index("E dyta") < html.index("E para")
    clock.set(START + timedelta(hours=6))
    _, html = get(client, org, page.url + "?after=1")
    assert html.index("E para") < html.index("E dyta")
