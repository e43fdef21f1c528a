"""Statements hosted by any page (here the movement app's CampaignPage): the page
(cacheable, with the count and a link) and its sign page (the form, never cached),
spam traps and the rate limit."""

import logging
import re
import time
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client

from membership.forms import form_time_token
from membership.models import ConsentRecord, SignUp, Supporter
from membership.statements import STATEMENT_COUNT_MAX_AGE

from .conftest import (
    COMMUNITY_CONSENT_SQ,
    STATEMENT_CONSENT_SQ,
    confirm_link,
    follow_confirm_link,
    join_data,
    make_campaign,
    path_of,
    sign_url,
    statement_data,
)

pytestmark = pytest.mark.django_db


TIME_TOKEN = re.compile(r'name="statement-form_time" value="([^"]+)"')
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_page_shows_the_goal_not_a_low_count(client, org, campaign):
    sq, en = campaign
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert "Ne kërkojmë punësim" in html
    assert f'href="{sign_url(sq)}"' in html  # the link to the sign page
    assert "100" in html
    assert not re.search(r"(?<!\d)0 (nënshkrim|signature)", html)
    stats = sq.signature_stats()
    assert stats == {"count": 0, "goal": 100, "show_count": False, "percent": 0}
    form = client.get(sign_url(sq), HTTP_HOST=org.hostname).content.decode()
    assert 'name="statement-email"' in form
    assert STATEMENT_CONSENT_SQ in form
    assert "Ne kërkojmë punësim" in form  # people see what they sign


def test_the_statement_page_is_cacheable_and_carries_no_form(client, org, campaign):
    sq, _ = campaign
    first = client.get(sq.url, HTTP_HOST=org.hostname)
    html = first.content.decode()
    assert "csrfmiddlewaretoken" not in html and "form_time" not in html
    assert "<form" not in html.split('id="statement"', 1)[1].split("</section>", 1)[0]
    assert not first.cookies  # no CSRF cookie: nothing of this visitor in the page
    assert "public" in first["Cache-Control"]
    second = client.get(sq.url, HTTP_HOST=org.hostname)
    assert second["X-Cache"] == "HIT"
    assert second.content == first.content


def test_the_count_on_the_page_lags_by_at_most_a_minute(client, org, campaign, settings):
    settings.PAGE_CACHE_SECONDS = 600
    sq, _ = campaign
    response = client.get(sq.url, HTTP_HOST=org.hostname)
    assert response.wsgi_request.page_cache_max_seconds == STATEMENT_COUNT_MAX_AGE == 60
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age <= 60


def test_the_sign_page_is_never_cached_and_each_visitor_gets_a_token(org, campaign):
    sq, _ = campaign
    pages = [Client().get(sign_url(sq), HTTP_HOST=org.hostname) for _ in range(2)]
    for page in pages:
        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"] and "X-Cache" not in page
        assert "csrftoken" in page.cookies
    tokens = [TIME_TOKEN.search(page.content.decode()).group(1) for page in pages]
    csrf = [CSRF_TOKEN.search(page.content.decode()).group(1) for page in pages]
    assert tokens[0] != tokens[1] and csrf[0] != csrf[1]
    assert Client().get(sign_url(sq), HTTP_HOST=org.hostname).get("X-Cache") is None


def test_signing_from_the_sign_page_stores_once_and_thanks(
    org, campaign, settings, django_capture_on_commit_callbacks
):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    sq, _ = campaign
    browser = Client(enforce_csrf_checks=True)
    campaign_page = browser.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    link = re.search(r'<a class="button" href="([^"]+)">Nënshkruaj deklaratën</a>', campaign_page)
    form = browser.get(link.group(1), HTTP_HOST=org.hostname).content.decode()
    action = re.search(r'<form class="signup-form" method="post" action="([^"#]+)', form).group(1)
    assert action == sign_url(sq)
    data = {
        **statement_data(),
        "statement-form_time": TIME_TOKEN.search(form).group(1),
        "csrfmiddlewaretoken": CSRF_TOKEN.search(form).group(1),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(action, data, HTTP_HOST=org.hostname)
    assert response.status_code == 302
    assert response["Location"] == f"{sign_url(sq)}?signed=1"
    thanks = browser.get(response["Location"], HTTP_HOST=org.hostname)
    assert "Faleminderit që nënshkruat!" in thanks.content.decode()
    assert 'id="statement-thank-you"' in thanks.content.decode()
    assert SignUp.objects.filter(kind="signature").count() == 1
    assert len(mail.outbox) == 1
    # Without a CSRF token: refused, nothing more stored.
    refused = Client(enforce_csrf_checks=True).post(
        sign_url(sq), statement_data(), HTTP_HOST=org.hostname
    )
    assert refused.status_code == 403
    assert SignUp.objects.count() == 1


def test_signing_and_confirming_moves_the_count(submit, client, org, make_org):
    sq, en = make_campaign(org, threshold=1)
    response = submit(sign_url(sq), statement_data())
    assert response.status_code == 302
    signature = SignUp.objects.get()
    assert signature.kind == "signature" and signature.state == "pending"
    assert sq.signature_count() == 0  # unconfirmed signatures do not count
    link = confirm_link(mail.outbox[0])
    assert path_of(link).startswith(sign_url(sq) + "?confirm=")  # straight to the sign page

    follow_confirm_link(client, mail.outbox[0], org.hostname)
    assert sq.signature_count() == 1 and en.signature_count() == 1
    stats = sq.signature_stats()
    assert stats["show_count"] and stats["count"] == 1 and stats["percent"] == 1
    # The sign page is never cached: it shows the count at once.
    sign_page = client.get(sign_url(en), HTTP_HOST=org.hostname).content.decode()
    assert "1 signature" in sign_page


def test_links_and_posts_to_the_pages_own_url_go_to_the_sign_page(submit, client, org, campaign):
    sq, _ = campaign
    for query in ("confirm=abc", "withdraw=abc", "confirmed=abc", "withdrawn=1", "signed=1"):
        response = client.get(f"{sq.url}?{query}", HTTP_HOST=org.hostname)
        assert response.status_code == 302
        assert response["Location"] == f"{sign_url(sq)}?{query}"
    # A form shown by the page before it moved: sent on with its data (307 keeps the POST).
    response = submit(sq, statement_data())
    assert response.status_code == 307 and response["Location"] == sign_url(sq)
    assert SignUp.objects.count() == 0
    followed = submit(response["Location"], statement_data())
    assert followed.status_code == 302 and SignUp.objects.count() == 1


def test_a_page_without_a_statement_has_no_sign_page(client, org):
    sq, _ = make_campaign(org)
    sq.statement_text = ""
    sq.save_revision().publish()
    assert client.get(sign_url(sq), HTTP_HOST=org.hostname).status_code == 404
    html = client.get(sq.url, HTTP_HOST=org.hostname).content.decode()
    assert 'id="statement"' not in html


def test_invalid_signature_re_renders_the_page_and_stores_nothing(submit, org, campaign):
    sq, _ = campaign
    response = submit(sign_url(sq), statement_data(email="", municipality="atlantis"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_statement-email_error"' in html
    assert 'value="Drita"' in html
    assert SignUp.objects.count() == 0 and Supporter.objects.count() == 0


def test_signing_twice_in_two_languages_is_one_signature(submit, org, campaign):
    sq, en = campaign
    submit(sign_url(sq), statement_data())
    submit(sign_url(en), statement_data(email="DRITA@example.org"))
    assert SignUp.objects.filter(kind="signature").count() == 1
    assert Supporter.objects.count() == 1


def test_community_is_stored_only_with_its_own_consent(submit, org, campaign):
    sq, _ = campaign
    response = submit(sign_url(sq), statement_data(community="roma"))
    assert response.status_code == 400
    assert Supporter.objects.count() == 0
    response = submit(sign_url(sq), statement_data(community="roma", community_consent="on"))
    assert response.status_code == 302
    signature = SignUp.objects.get()
    assert signature.community == "roma"
    purposes = sorted(signature.consents.values_list("purpose", "text"))
    assert purposes == [("community", COMMUNITY_CONSENT_SQ), ("signup", STATEMENT_CONSENT_SQ)]


def test_community_is_not_asked_or_stored_when_the_editor_turned_it_off(submit, client, org):
    sq, _ = make_campaign(org, ask_community=False)
    html = client.get(sign_url(sq), HTTP_HOST=org.hostname).content.decode()
    assert 'name="statement-community"' not in html
    submit(sign_url(sq), statement_data(community="roma", community_consent="on"))
    assert SignUp.objects.get().community == ""
    assert ConsentRecord.objects.filter(purpose="community").count() == 0


@pytest.mark.parametrize(
    "trap",
    [
        {"website": "http://spam.example"},  # honeypot filled
        {"form_time": "forged"},  # not our signature
        {"form_time": None},  # missing
    ],
)
def test_spam_gets_the_normal_thank_you_and_nothing_is_stored(
    submit, org, join_page, campaign, trap
):
    sq, _ = join_page
    response = submit(sq, join_data(**trap))
    assert response.status_code == 302 and response["Location"] == f"{sq.url}?sent=1"
    response = submit(sign_url(campaign[0]), statement_data(**trap))
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
    for _number in range(3):
        assert submit(sq, join_data(email="p@example.org")).status_code == 302
    blocked = submit(sq, join_data(email="p@example.org", given_name="Drita"))
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "600"
    html = blocked.content.decode()
    assert "Shumë përpjekje" in html
    # The form is shown again with what was typed, ready to be sent once more.
    assert 'value="Drita"' in html and 'value="p@example.org"' in html
    assert f'action="{sq.url}"' in html
    blocked_en = submit(en, join_data(email="P@example.org"))
    assert blocked_en.status_code == 429
    assert "Too many attempts" in blocked_en.content.decode()
    assert Supporter.objects.count() == 1
    # Another email from the same address, and the same email from another address,
    # are not affected.
    assert submit(sq, join_data(email="q@example.org")).status_code == 302
    other = submit(sq, join_data(email="p@example.org"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert submit(sign_url(campaign[0]), statement_data(email="r@example.org")).status_code == 302


def test_many_people_behind_one_address_can_sign(submit, org, campaign, settings):
    """A carrier's shared address or a canvasser's phone: 30 people sign from one
    address; the sixth try of one of them in the hour is refused, input kept."""
    settings.MEMBERSHIP_RATE_LIMIT = (5, 3600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (200, 3600)
    url = sign_url(campaign[0])
    for number in range(30):
        response = submit(url, statement_data(email=f"person{number}@example.org"))
        assert response.status_code == 302, number
    assert SignUp.objects.filter(kind="signature").count() == 30
    for _try in range(4):  # person0 sent once already
        assert submit(url, statement_data(email="person0@example.org")).status_code == 302
    sixth = submit(url, statement_data(email="person0@example.org", given_name="Arta"))
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert 'value="Arta"' in html and 'value="person0@example.org"' in html
    assert SignUp.objects.filter(kind="signature").count() == 30


def test_the_per_address_ceiling_still_applies(submit, org, campaign, settings):
    settings.MEMBERSHIP_RATE_LIMIT = (5, 3600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (3, 1800)
    url = sign_url(campaign[0])
    for number in range(3):
        assert submit(url, statement_data(email=f"n{number}@example.org")).status_code == 302
    blocked = submit(url, statement_data(email="n9@example.org"))
    assert blocked.status_code == 429 and blocked["Retry-After"] == "1800"
    assert SignUp.objects.count() == 3


@pytest.mark.parametrize("which", ["join", "statement"])
def test_a_form_sent_too_fast_is_shown_again_and_works_the_second_time(
    submit, org, join_page, campaign, monkeypatch, which
):
    """Browser autofill sends a form within a second: nothing is stored, the form
    comes back with what was typed and a message, and sending it again stores it."""
    import membership.forms

    if which == "join":
        url, data, field = join_page[1].url, join_data, "form_time"
    else:
        url, data, field = sign_url(campaign[1]), statement_data, "statement-form_time"
    shown = time.time()
    sent = form_time_token(now=shown)
    first = submit(url, data(form_time=sent, given_name="Blerta"))
    assert first.status_code == 400
    html = first.content.decode()
    assert "Please check it and send it once more." in html
    assert 'value="Blerta"' in html
    assert SignUp.objects.count() == 0 and mail.outbox == []
    token = re.search(rf'name="{field}" value="([^"]+)"', html).group(1)
    assert token != sent
    # The visitor reads the message and presses the button again.
    monkeypatch.setattr(membership.forms, "time", SimpleNamespace(time=lambda: shown + 5))
    second = submit(url, data(form_time=token, given_name="Blerta"))
    assert second.status_code == 302
    assert SignUp.objects.count() == 1
    assert Supporter.objects.get().given_name == "Blerta"


def test_the_too_fast_message_is_translated(submit, org, join_page):
    response = submit(join_page[0], join_data(form_time=form_time_token()))
    assert response.status_code == 400
    assert "dërgojeni edhe një herë" in response.content.decode()


def test_forwarded_address_is_used_only_behind_a_trusted_proxy(rf, settings):
    from membership.services import client_address

    request = rf.post("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "10.0.0.1"
    settings.MEMBERSHIP_TRUSTED_PROXIES = 1
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.1"]
    assert client_address(request) == "2.2.2.2"


def test_a_fast_but_invalid_form_shows_its_errors(submit, org, join_page):
    sq, _ = join_page
    response = submit(sq, {"form_time": form_time_token(), "website": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert Supporter.objects.count() == 0


class UnreachableCache:
    """A cache whose server is down: every call raises, as redis-py does."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        return fail


def test_the_rate_limit_lets_sign_ups_through_when_the_cache_is_down(
    submit, org, join_page, campaign, settings, monkeypatch, caplog
):
    settings.MEMBERSHIP_RATE_LIMIT = (1, 600)
    # The rate limit's store (Redis or the database) fails as redis-py does.
    monkeypatch.setattr("home.security.ratelimit._hit", UnreachableCache().incr)
    sq, _ = join_page
    with caplog.at_level(logging.WARNING, logger="membership.services"):
        first = submit(sq, join_data())
        second = submit(sq, join_data(email="other@example.org"))
        signed = submit(sign_url(campaign[0]), statement_data())
    assert first.status_code == second.status_code == signed.status_code == 302
    assert Supporter.objects.count() == 3
    assert SignUp.objects.filter(kind="signature").count() == 1
    warnings = [r for r in caplog.records if "Rate limit not applied" in r.getMessage()]
    # One per submission (and one per confirmation email, which has a limit too).
    assert len(warnings) >= 3 and warnings[0].levelno == logging.WARNING


def test_sign_ups_are_stored_with_redis_down(submit, org, join_page, settings, caplog):
    """The production cache (django-redis, errors ignored and logged) with nothing
    listening: the page renders, the sign-up is stored, the limit is not applied."""
    settings.MEMBERSHIP_RATE_LIMIT = (1, 600)
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
    }
    settings.CACHES = {"default": redis, "pages": redis}
    sq, _ = join_page
    with caplog.at_level(logging.WARNING, logger="membership.services"):
        first = submit(sq, join_data())
        second = submit(sq, join_data(email="other@example.org"))
    assert first.status_code == second.status_code == 302
    assert Supporter.objects.count() == 2
    assert [r for r in caplog.records if "Rate limit not applied" in r.getMessage()]


def test_forwarded_address_is_read_only_from_the_proxys_own_address(rf, settings):
    from membership.services import client_address

    settings.MEMBERSHIP_TRUSTED_PROXIES = 1
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.0/24"]
    via_proxy = rf.post("/", HTTP_X_FORWARDED_FOR="2.2.2.2", REMOTE_ADDR="10.0.0.1")
    direct = rf.post("/", HTTP_X_FORWARDED_FOR="2.2.2.2", REMOTE_ADDR="10.0.1.7")
    assert client_address(via_proxy) == "2.2.2.2"
    # A machine reaching the app server directly cannot choose its own address.
    assert client_address(direct) == "10.0.1.7"
