"""Statements hosted by any page (here the movement app's CampaignPage), spam traps
and the rate limit."""

import re

import pytest
from django.core import mail
from django.test import Client

from membership.forms import form_time_token
from membership.models import ConsentRecord, SignUp, Supporter

from .conftest import (
    COMMUNITY_CONSENT_SQ,
    STATEMENT_CONSENT_SQ,
    follow_confirm_link,
    join_data,
    make_campaign,
    statement_data,
)

pytestmark = pytest.mark.django_db


def test_page_shows_the_goal_not_a_low_count(client, org, campaign):
    sq, en = campaign
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert "Ne kërkojmë punësim" in html
    assert 'name="statement-email"' in html
    assert STATEMENT_CONSENT_SQ in html
    assert "100" in html
    assert not re.search(r"(?<!\d)0 (nënshkrim|signature)", html)
    stats = sq.signature_stats()
    assert stats == {"count": 0, "goal": 100, "show_count": False, "percent": 0}


def test_signing_confirming_and_the_cached_counter(submit, client, org, make_org):
    sq, en = make_campaign(org, threshold=1)
    first = client.get(sq.url, HTTP_HOST=org.hostname)
    second = client.get(sq.url, HTTP_HOST=org.hostname)
    assert second["X-Cache"] == "HIT"  # a content page, served from the page cache

    response = submit(sq, statement_data())
    assert response.status_code == 302
    assert response["Location"] == f"{sq.url}?signed=1"
    thanks = client.get(response["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "Faleminderit që nënshkruat!" in thanks
    signature = SignUp.objects.get()
    assert signature.kind == "signature" and signature.state == "pending"
    assert sq.signature_count() == 0  # unconfirmed signatures do not count
    assert first.status_code == 200

    follow_confirm_link(client, mail.outbox[0], org.hostname)
    assert sq.signature_count() == 1 and en.signature_count() == 1
    page = client.get(sq.url, HTTP_HOST=org.hostname)
    assert page["X-Cache"] == "MISS"  # the confirmation emptied the page cache
    stats = sq.signature_stats()
    assert stats["show_count"] and stats["count"] == 1 and stats["percent"] == 1


def test_post_from_a_cached_page_passes_the_csrf_check(
    org, make_org, django_capture_on_commit_callbacks
):
    sq, _ = make_campaign(org)
    Client().get(sq.url, HTTP_HOST=org.hostname)  # fills the cache
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(sq.url, HTTP_HOST=org.hostname)
    assert page["X-Cache"] == "HIT"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            sq.url, {**statement_data(), "csrfmiddlewaretoken": token}, HTTP_HOST=org.hostname
        )
    assert response.status_code == 302
    assert SignUp.objects.count() == 1
    # Without a token: refused.
    refused = Client(enforce_csrf_checks=True).post(
        sq.url, statement_data(), HTTP_HOST=org.hostname
    )
    assert refused.status_code == 403


def test_invalid_signature_re_renders_the_page_and_stores_nothing(submit, org, campaign):
    sq, _ = campaign
    response = submit(sq, statement_data(email="", municipality="atlantis"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_statement-email_error"' in html
    assert 'value="Drita"' in html
    assert SignUp.objects.count() == 0 and Supporter.objects.count() == 0


def test_signing_twice_in_two_languages_is_one_signature(submit, org, campaign):
    sq, en = campaign
    submit(sq, statement_data())
    submit(en, statement_data(email="DRITA@example.org"))
    assert SignUp.objects.filter(kind="signature").count() == 1
    assert Supporter.objects.count() == 1


def test_community_is_stored_only_with_its_own_consent(submit, org, campaign):
    sq, _ = campaign
    response = submit(sq, statement_data(community="roma"))
    assert response.status_code == 400
    assert Supporter.objects.count() == 0
    response = submit(sq, statement_data(community="roma", community_consent="on"))
    assert response.status_code == 302
    signature = SignUp.objects.get()
    assert signature.community == "roma"
    purposes = sorted(signature.consents.values_list("purpose", "text"))
    assert purposes == [("community", COMMUNITY_CONSENT_SQ), ("signup", STATEMENT_CONSENT_SQ)]


def test_community_is_not_asked_or_stored_when_the_editor_turned_it_off(submit, client, org):
    sq, _ = make_campaign(org, ask_community=False)
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert 'name="statement-community"' not in html
    submit(sq, statement_data(community="roma", community_consent="on"))
    assert SignUp.objects.get().community == ""
    assert ConsentRecord.objects.filter(purpose="community").count() == 0


@pytest.mark.parametrize(
    "trap",
    [
        {"website": "http://spam.example"},  # honeypot filled
        {"form_time": "forged"},  # not our signature
        {"form_time": None},  # missing
        {"form_time": "now"},  # sent a second after the page was shown
    ],
)
def test_spam_gets_the_normal_thank_you_and_nothing_is_stored(
    submit, org, join_page, campaign, trap
):
    if trap.get("form_time") == "now":
        trap = {"form_time": form_time_token()}
    sq, _ = join_page
    response = submit(sq, join_data(**trap))
    assert response.status_code == 302 and response["Location"] == f"{sq.url}?sent=1"
    response = submit(campaign[0], statement_data(**trap))
    assert response.status_code == 302 and response["Location"].endswith("?signed=1")
    assert Supporter.objects.count() == 0 and SignUp.objects.count() == 0
    assert mail.outbox == []


def test_a_form_left_open_too_long_is_shown_again(submit, org, join_page, settings):
    settings.MEMBERSHIP_FORM_MAX_AGE = 30
    sq, _ = join_page
    response = submit(sq, join_data())  # the token is 60 seconds old
    assert response.status_code == 400
    assert Supporter.objects.count() == 0


def test_rate_limit_answers_429_in_the_pages_language(submit, org, join_page, campaign, settings):
    settings.MEMBERSHIP_RATE_LIMIT = (3, 600)
    sq, en = join_page
    for number in range(3):
        assert submit(sq, join_data(email=f"p{number}@example.org")).status_code == 302
    blocked = submit(sq, join_data(email="p9@example.org"))
    assert blocked.status_code == 429
    assert "Shumë përpjekje" in blocked.content.decode()
    blocked_en = submit(en, join_data(email="p9@example.org"))
    assert blocked_en.status_code == 429
    assert "Too many attempts" in blocked_en.content.decode()
    assert submit(campaign[0], statement_data()).status_code == 429
    assert Supporter.objects.count() == 3
    # Another address is not affected.
    other = submit(sq, join_data(email="q@example.org"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_forwarded_address_is_used_only_behind_a_trusted_proxy(rf, settings):
    from membership.services import client_address

    request = rf.post("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "10.0.0.1"
    settings.MEMBERSHIP_TRUSTED_PROXIES = 1
    assert client_address(request) == "2.2.2.2"


def test_a_fast_but_invalid_form_shows_its_errors(submit, org, join_page):
    sq, _ = join_page
    response = submit(sq, {"form_time": form_time_token(), "website": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert Supporter.objects.count() == 0
