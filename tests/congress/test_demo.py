"""The demo congresses of Kosovo We Want, built twice: the second run changes nothing."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page, Site

from congress.demo import FACEBOOK_STREAM, load_demo
from congress.models import CongressPage, Outcome
from congress.timing import CONGRESS_TIME_ZONE
from home import demo_content
from home.demo import DemoReport


def build(report):
    sites = demo_content.load(report)
    load_demo(sites, report)
    return sites


def test_demo_congresses(client, settings, tmp_path, sq_locale, en_locale):
    settings.VAR_DIR = tmp_path
    Site.objects.all().delete()
    report = DemoReport()
    build(report)
    counts = (Page.objects.count(), Outcome.objects.count())
    build(DemoReport())
    assert (Page.objects.count(), Outcome.objects.count()) == counts

    second = CongressPage.objects.get(slug="kongresi-i-dyte-kombetar")
    assert second.number == 2
    assert (
        timezone.localtime(second.start_at, CONGRESS_TIME_ZONE).date()
        == datetime(2019, 5, 23).date()
    )
    assert second.theme == "Siguri sociale – Zhvillim ekonomik – Punë dhe jetë e denjë"
    assert second.stream_urls == [FACEBOOK_STREAM]
    assert second.contact_phone == "+383 (0) 38 600 108"
    english = second.get_translation(en_locale)
    assert english.theme == "Social Security – Economic Development – Decent Work and Life"
    assert Outcome.objects.filter(congress=second, locale=sq_locale, live=True).count() >= 3
    assert Outcome.objects.filter(congress=second, locale=en_locale, live=True).count() >= 3

    upcoming = CongressPage.objects.get(slug="kongres-shembull")
    assert upcoming.start_at > timezone.now()
    example = "National congress on education and health (illustrative example)"
    assert upcoming.get_translation(en_locale).title == example

    user = get_user_model().objects.get(username="kww-events")
    assert any("kww-events" in line for line in report.lines)
    assert user.has_perm("congress.add_outcome")
    assert second.permissions_for_user(user).can_edit()
    assert (
        not Page.objects.get(pk=second.get_site().root_page_id)
        .permissions_for_user(user)
        .can_edit()
    )

    host = "kosovowewant.localhost:8000"
    html = client.get(english.url, HTTP_HOST=host).content.decode()
    assert "23 May 2019" in html and "Watch the video on Facebook" in html
    html = client.get(second.url, HTTP_HOST=host).content.decode()
    assert "23 maj 2019" in html and "Kongresi i dytë kombëtar" in html
    home = client.get("/en/", HTTP_HOST=host).content.decode()
    assert "Next congress" in home and example in home
