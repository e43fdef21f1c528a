"""A statement's signing period: before it opens, while open, after it closes (the
page, its sign page, the page cache, paper signatures)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from membership.models import SignUp

from .conftest import make_campaign, sign_url, statement_data

KOSOVO = ZoneInfo("Europe/Belgrade")
OPENS = datetime(2019, 9, 1, 8, 0, tzinfo=KOSOVO)
CLOSES = datetime(2019, 10, 6, 19, 0, tzinfo=KOSOVO)


def set_period(pages, opens=None, closes=None):
    for page in pages:
        page.signing_opens = opens
        page.signing_closes = closes
        page.save()


@pytest.fixture
def closed_campaign(org):
    pages = make_campaign(org, threshold=50)
    set_period(pages, OPENS, CLOSES)
    return pages


def test_a_closed_campaign_shows_the_final_count_and_no_sign_link(client, org, closed_campaign):
    sq, en = closed_campaign
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    assert "Final count: 0 signatures" in html
    assert "Signing closed on 6 October 2019, 19:00." in html
    assert sign_url(en) not in html
    html_sq = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert "Nënshkrimi u mbyll më 6 tetor 2019, 19:00." in html_sq
    assert "Numri përfundimtar" in html_sq


def test_a_closed_campaign_refuses_a_signature_clearly(submit, client, org, closed_campaign):
    sq, en = closed_campaign
    page = client.get(sign_url(en), HTTP_HOST=org.hostname)
    assert page.status_code == 200
    assert 'name="statement-email"' not in page.content.decode()
    response = submit(sign_url(en), statement_data())
    assert response.status_code == 403
    html = response.content.decode()
    assert "Online signing has closed, so your signature was not saved." in html
    assert 'role="alert"' in html
    response_sq = submit(sign_url(sq), statement_data())
    assert response_sq.status_code == 403
    assert "nënshkrimi juaj nuk u ruajt" in response_sq.content.decode()
    # A post to the page's own URL is sent on to the sign page, which refuses it too.
    moved = submit(en, statement_data())
    assert moved.status_code == 307
    assert SignUp.objects.count() == 0


def test_before_signing_opens_the_page_says_when(submit, client, org):
    pages = make_campaign(org)
    opens = timezone.now() + timedelta(days=3)
    set_period(pages, opens, opens + timedelta(days=30))
    _sq, en = pages
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    assert "Online signing opens on" in html
    assert sign_url(en) not in html
    response = submit(sign_url(en), statement_data())
    assert response.status_code == 403
    assert "has not opened yet" in response.content.decode()
    assert SignUp.objects.count() == 0


def test_while_open_signing_works_and_the_page_says_until_when(submit, client, org):
    pages = make_campaign(org)
    now = timezone.now()
    set_period(pages, now - timedelta(days=1), now + timedelta(days=1))
    _sq, en = pages
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    assert "You can sign online until" in html and sign_url(en) in html
    assert submit(sign_url(en), statement_data()).status_code == 302
    assert SignUp.objects.filter(kind="signature").count() == 1
    assert en.signing_is_open() and not en.signing_is_open(now + timedelta(days=2))


@pytest.mark.parametrize("which", ["opens", "closes"])
def test_the_cached_page_changes_when_signing_opens_or_closes(client, org, which, monkeypatch):
    pages = make_campaign(org)
    now = timezone.now()
    if which == "opens":
        set_period(pages, now + timedelta(seconds=20), None)
    else:
        set_period(pages, None, now + timedelta(seconds=20))
    _sq, en = pages
    response = client.get(en.url, HTTP_HOST=org.hostname)
    assert response.wsgi_request.page_cache_max_seconds <= 21
    # The cached copy expires by then (as above); past the moment the page shows
    # the other state.
    caches["pages"].clear()
    later = now + timedelta(seconds=25)
    monkeypatch.setattr("membership.statements.timezone.now", lambda: later)
    html = client.get(en.url, HTTP_HOST=org.hostname).content.decode()
    if which == "opens":
        assert sign_url(en) in html
    else:
        assert "Final count" in html and sign_url(en) not in html


def test_a_page_without_period_is_always_open(org):
    _sq, en = make_campaign(org)
    assert en.signing_is_open()
    assert en.seconds_until_signing_changes() is None


def test_signing_must_close_after_it_opens(org):
    _sq, en = make_campaign(org)
    en.signing_opens = CLOSES
    en.signing_closes = OPENS
    with pytest.raises(ValidationError) as error:
        en.full_clean()
    assert "signing_closes" in error.value.message_dict
    en.signing_closes = CLOSES + timedelta(days=1)
    en.full_clean()


def paper(page, **extra):
    return {
        "page": str(page.pk),
        "given_name": "Ferat",
        "family_name": "Shembulli",
        "municipality": "fushe-kosove",
        **extra,
    }


def test_paper_signatures_of_a_closed_campaign_need_a_date_inside_the_period(
    client, staff, org, closed_campaign
):
    sq, _en = closed_campaign
    client.force_login(staff["officer_a"])
    url = reverse("membership_paper")
    missing = client.post(url, paper(sq))
    assert missing.status_code == 200
    assert "this statement has a signing period" in missing.content.decode()
    late = client.post(url, paper(sq, signed_on="2019-10-07"))
    assert late.status_code == 200
    assert "outside the signing period" in late.content.decode()
    early = client.post(url, paper(sq, signed_on="2019-08-31"))
    assert "outside the signing period" in early.content.decode()
    assert SignUp.objects.count() == 0
    # The day it closed, and the day it opened, are inside.
    assert client.post(url, paper(sq, signed_on="2019-10-06")).status_code == 302
    assert (
        client.post(url, paper(sq, signed_on="2019-09-01", given_name="Liridon")).status_code == 302
    )
    assert sq.signature_count() == 2
    assert sorted(str(d) for d in SignUp.objects.values_list("signed_on", flat=True)) == [
        "2019-09-01",
        "2019-10-06",
    ]


def test_paper_import_refuses_rows_dated_outside_the_period(client, staff, org, closed_campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sq, _en = closed_campaign
    client.force_login(staff["officer_a"])
    content = (
        "given_name,family_name,municipality,signed_on\n"
        "Ferat,Shembulli,Prishtinë,2019-10-01\n"
        "Arben,Shembulli,Pejë,2019-11-01\n"
    ).encode()
    response = client.post(
        reverse("membership_paper_import"),
        {"page": str(sq.pk), "file": SimpleUploadedFile("p.csv", content), "dry_run": "on"},
    )
    html = response.content.decode()
    assert "outside the signing period" in html
    assert SignUp.objects.count() == 0


def test_signing_day_in_period_uses_kosovo_days(org):
    _sq, en = make_campaign(org)
    en.signing_opens, en.signing_closes = OPENS, CLOSES
    assert en.signing_day_in_period(date(2019, 9, 1))
    assert en.signing_day_in_period(date(2019, 10, 6))
    assert not en.signing_day_in_period(date(2019, 10, 7))


def test_other_pages_with_the_headers_sign_action_switch_with_the_campaign(
    client, org, standard_page
):
    org.settings.header_actions = "sign"
    org.settings.save()
    pages = make_campaign(org)
    set_period(pages, None, timezone.now() + timedelta(seconds=20))
    _sq, en = standard_page
    response = client.get(en.url, HTTP_HOST=org.hostname)
    assert sign_url(pages[1]) in response.content.decode()  # the header's Sign button
    assert response.wsgi_request.page_cache_max_seconds <= 21
