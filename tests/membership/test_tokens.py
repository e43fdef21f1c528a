"""Tokens: the emails' links are random, stored only hashed, expire, and confirm once
(old signed links are read until they expire); a form's time token is accepted once."""

import hashlib
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils import timezone

from membership.models import ConsentRecord, SignUp, Supporter
from membership.records import LinkToken
from membership.services import purge
from membership.tokens import WITHDRAW_LINK_DAYS

from .conftest import confirm_link, join_data, path_of, volunteer_data
from .test_links import press, withdraw_link

pytestmark = pytest.mark.django_db

INVALID_SQ = "nuk është e vlefshme"
EXPIRED_SQ = "ka skaduar"


def token_in(link):
    return link.split("=", 1)[1]


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def test_links_are_random_and_only_their_hash_is_stored(submit, org, join_page):
    sq, _ = join_page
    for number in range(2):
        submit(sq, join_data(email=f"p{number}@example.org"))
    tokens = [
        token_in(link(message)) for message in mail.outbox for link in (confirm_link, withdraw_link)
    ]
    assert len(set(tokens)) == 4
    ids = {str(pk) for pk in SignUp.objects.values_list("pk", flat=True)}
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # no ids, no address, no signature
        assert LinkToken.objects.filter(digest=digest(token)).count() == 1
    stored = repr(list(LinkToken.objects.values()))
    assert not any(token in stored for token in tokens)
    assert "example.org" not in stored and ids

    # A token of the right shape that was never sent opens nothing.
    made_up = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
    client = Client()
    page = client.get(sq.url, {"confirm": made_up}, HTTP_HOST=org.hostname).content.decode()
    assert INVALID_SQ in page
    page = client.get(sq.url, {"withdraw": made_up}, HTTP_HOST=org.hostname).content.decode()
    assert INVALID_SQ in page


def test_a_confirmation_link_expires_after_the_sites_days(submit, client, org, join_page):
    from membership.models import MembershipSettings

    rules = MembershipSettings.for_site(org.site)
    rules.confirmation_link_days = 3
    rules.save()
    sq, _ = join_page
    submit(sq, join_data())
    token = token_in(confirm_link(mail.outbox[0]))
    row = LinkToken.objects.get(digest=digest(token))
    assert abs(row.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    LinkToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        EXPIRED_SQ
        in client.get(sq.url, {"confirm": token}, HTTP_HOST=org.hostname).content.decode()
    )
    posted = client.post(
        sq.url, {"membership-action": "confirm", "membership-token": token}, HTTP_HOST=org.hostname
    )
    assert posted.status_code == 400
    assert SignUp.objects.get().state == SignUp.State.PENDING


def test_a_withdrawal_link_lasts_a_year_and_each_email_renews_it(
    submit, client, org, join_page, volunteer_page
):
    sq, _ = join_page
    submit(sq, join_data(email="ana@example.org"))
    first = token_in(withdraw_link(mail.outbox[0]))
    row = LinkToken.objects.get(digest=digest(first))
    year = timedelta(days=WITHDRAW_LINK_DAYS)
    assert abs(row.expires_at - (timezone.now() + year)) < timedelta(minutes=1)

    def shown(token):
        return client.get(sq.url, {"withdraw": token}, HTTP_HOST=org.hostname).content.decode()

    LinkToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert INVALID_SQ in shown(first)  # a year after the last email
    submit(volunteer_page[0], volunteer_data(email="ana@example.org"))  # another email
    assert "Tërhiq" in shown(first) and INVALID_SQ not in shown(first)
    purge()
    assert LinkToken.objects.filter(pk=row.pk).exists()  # still good: kept

    LinkToken.objects.filter(purpose="withdraw").update(expires_at=timezone.now())
    assert INVALID_SQ in shown(first)
    posted = client.post(
        sq.url,
        {"membership-action": "withdraw", "membership-token": first, "membership-scope": "all"},
        HTTP_HOST=org.hostname,
    )
    assert posted.status_code == 400
    assert not SignUp.objects.filter(state=SignUp.State.WITHDRAWN).exists()
    purge()
    assert not LinkToken.objects.filter(purpose="withdraw").exists()


def test_a_confirmation_link_confirms_once_and_a_second_press_changes_nothing(
    submit, client, org, join_page
):
    sq, _ = join_page
    submit(sq, join_data())
    link = path_of(confirm_link(mail.outbox[0]))
    html = client.get(link, HTTP_HOST=org.hostname).content.decode()
    assert "Anëtarësia" in html  # what the button confirms
    first = press(client, sq.url, html, org.hostname)
    confirmed_at = SignUp.objects.get().confirmed_at
    second = press(client, sq.url, html, org.hostname)  # a double click
    assert first.status_code == second.status_code == 302
    assert SignUp.objects.get().confirmed_at == confirmed_at
    again = client.get(link, HTTP_HOST=org.hostname).content.decode()
    assert "konfirmuar" in again and 'value="confirm"' not in again  # already confirmed

    # The confirmed page's way out works with the same link while it is valid.
    done = client.get(second["Location"], HTTP_HOST=org.hostname).content.decode()
    out = re.search(r'href="([^"]*\?withdraw=[^"]*)"', done).group(1).replace("&amp;", "&")
    shown = client.get(out, HTTP_HOST=org.hostname).content.decode()
    press(client, sq.url, shown, org.hostname, **{"membership-scope": "all"})
    assert SignUp.objects.get().state == SignUp.State.WITHDRAWN

    # Signing up again is a new sign-up: the old, used link does not confirm it.
    submit(sq, join_data())
    assert SignUp.objects.get().state == SignUp.State.PENDING
    old = client.get(link, HTTP_HOST=org.hostname).content.decode()
    assert 'value="confirm"' not in old
    press(client, sq.url, html, org.hostname)
    assert SignUp.objects.get().state == SignUp.State.PENDING
    new_link = path_of(confirm_link(mail.outbox[-1]))
    press(
        client, sq.url, client.get(new_link, HTTP_HOST=org.hostname).content.decode(), org.hostname
    )
    assert SignUp.objects.get().state == SignUp.State.CONFIRMED


def _signed_long_ago(value, salt, seconds, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - seconds)
    try:
        return signing.dumps(value, salt=salt)
    finally:
        monkeypatch.setattr(time, "time", real_time)


def test_links_of_the_earlier_signed_kind_work_until_they_expire(
    client, org, join_page, monkeypatch, django_capture_on_commit_callbacks
):
    from membership.services import store_submission

    sq, _ = join_page
    ids = store_submission(
        site=org.site,
        page=sq,
        language="sq",
        email="old@example.org",
        person={},
        signups=[{"kind": "membership", "consents": []}],
        notify=False,
    )
    supporter = Supporter.objects.get()
    confirm = signing.dumps({"ids": ids, "d": 7}, salt="membership.confirm")
    expired = _signed_long_ago({"ids": ids, "d": 7}, "membership.confirm", 8 * 86400, monkeypatch)
    tag = hashlib.sha256(b"old@example.org").hexdigest()[:16]
    withdraw = {"s": supporter.pk, "p": sq.pk, "e": tag}
    too_old = _signed_long_ago(withdraw, "membership.withdraw", 366 * 86400, monkeypatch)
    withdraw = _signed_long_ago(withdraw, "membership.withdraw", 300 * 86400, monkeypatch)

    def page(**query):
        return client.get(sq.url, query, HTTP_HOST=org.hostname).content.decode()

    assert EXPIRED_SQ in page(confirm=expired)
    assert INVALID_SQ in page(withdraw=too_old)
    html = page(confirm=confirm)
    press(client, sq.url, html, org.hostname)
    assert SignUp.objects.get().state == SignUp.State.CONFIRMED
    html = page(withdraw=withdraw)
    press(client, sq.url, html, org.hostname, **{"membership-scope": "all"})
    assert SignUp.objects.get().state == SignUp.State.WITHDRAWN


# -- the form's time token ------------------------------------------------------------


def form_token(html):
    return re.search(r'name="form_time" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "language,message",
    [("sq", "Ky formular është dërguar tashmë"), ("en", "This form was sent already")],
)
def test_a_time_token_is_accepted_once_from_any_address(submit, org, join_page, language, message):
    page = join_page[0] if language == "sq" else join_page[1]
    data = join_data(email="first@example.org")
    assert submit(page, data).status_code == 302
    replay = submit(page, {**data, "email": "second@example.org"}, REMOTE_ADDR="203.0.113.9")
    assert replay.status_code == 400
    html = replay.content.decode()
    assert message in html
    assert form_token(html) != data["form_time"]  # shown again with a token of its own
    assert list(Supporter.objects.values_list("email", flat=True)) == ["first@example.org"]
    assert len(mail.outbox) == 1


def test_a_form_shown_again_after_an_error_can_be_sent_at_once(submit, org, join_page):
    sq, _ = join_page
    data = join_data(email="")
    shown = submit(sq, data)
    assert shown.status_code == 400 and not Supporter.objects.exists()
    fresh = form_token(shown.content.decode())
    assert fresh != data["form_time"]
    from membership.forms import read_form_time_token

    # The time it was first shown: correcting the mistake at once is not "too fast".
    assert read_form_time_token(fresh) == read_form_time_token(data["form_time"])
    corrected = submit(sq, {**data, "email": "arta@example.org", "form_time": fresh})
    assert corrected.status_code == 302
    assert Supporter.objects.get().email == "arta@example.org"


class DownCache(LocMemCache):
    """A cache whose server is down for adding keys."""

    def add(self, *args, **kwargs):
        raise ConnectionError("cache down")


def test_a_time_token_is_accepted_when_the_cache_is_down(submit, org, join_page, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "tests.membership.test_tokens.DownCache", "LOCATION": "down"},
    }
    response = submit(join_page[0], join_data())
    assert response.status_code == 302
    assert Supporter.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_token_sent_twenty_times_at_once_is_accepted_once(org, join_page):
    from .test_concurrency import post_job, run_at_once

    sq, _ = join_page
    data = join_data()
    jobs = [
        post_job(sq.url, org.hostname, {**data, "email": f"p{n}@example.org"}) for n in range(20)
    ]
    results = run_at_once(jobs)
    assert sorted(results) == [302] + [400] * 19, results
    assert Supporter.objects.count() == 1 and SignUp.objects.count() == 1


def test_the_same_form_sent_twice_with_its_address_is_one_submission(submit, org, join_page):
    """A double click or a resent page: the visitor gets the thank-you page again,
    and nothing is stored twice (the link is sent again, within the per-address
    limit, as for anyone who asks for it again)."""
    sq, _ = join_page
    data = join_data(email="arta@example.org")
    assert submit(sq, data).status_code == 302
    assert submit(sq, {**data, "email": " Arta@Example.org "}).status_code == 302
    assert Supporter.objects.count() == 1 and SignUp.objects.count() == 1
    assert ConsentRecord.objects.count() == 1
