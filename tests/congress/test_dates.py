from datetime import timedelta

from django.utils import translation

from congress import timing
from tests.congress.conftest import kosovo


def test_dates_in_both_languages_and_local_time(client, org, make_congress):
    # 08:00 UTC is 10:00 in Kosovo in May (summer time).
    page, page_en = make_congress(start=kosovo(2019, 5, 23, 10, 0), hours=3)
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    assert "23 maj 2019, 10:00" in html
    assert "13:00" in html
    assert 'datetime="2019-05-23T10:00:00+02:00"' in html
    assert "ora e Kosovës" in html
    html_en = client.get(page_en.url, HTTP_HOST=org.hostname).content.decode()
    assert "23 May 2019, 10:00" in html_en
    assert "Kosovo time" in html_en


def test_winter_time_and_multi_day(client, org, make_congress):
    page, page_en = make_congress(start=kosovo(2024, 12, 6, 9, 30), hours=30)
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    assert 'datetime="2024-12-06T09:30:00+01:00"' in html
    assert "6 dhjetor 2024, 09:30" in html and "7 dhjetor 2024, 15:30" in html
    html_en = client.get(page_en.url, HTTP_HOST=org.hostname).content.decode()
    assert "6 December 2024, 09:30" in html_en


def test_countdown_texts_and_how_long_they_hold():
    start = kosovo(2030, 1, 10, 10, 0)
    with translation.override("en"):
        assert timing.countdown(start, start - timedelta(days=2)) == ("Starts in 2 days", 1)
        assert timing.countdown(start, start - timedelta(days=2, hours=5)) == (
            "Starts in 2 days",
            5 * 3600,
        )
        assert timing.countdown(start, start - timedelta(minutes=90)) == (
            "Starts in 1 hour",
            30 * 60,
        )
        assert timing.countdown(start, start - timedelta(seconds=59)) == ("Starts in 1 minute", 59)
    with translation.override("sq"):
        assert timing.countdown(start, start - timedelta(days=1))[0] == "Fillon pas 1 dite"
        assert timing.countdown(start, start - timedelta(minutes=5))[0] == "Fillon pas 5 minutash"
    assert timing.countdown(start, start) == ("", None)
