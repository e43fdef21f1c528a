"""The links of the confirmation email: opening one changes nothing (email scanners
open links), only the button's POST confirms or withdraws (POST/redirect/GET)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from membership.models import SignUp, Supporter
from membership.services import purge
from membership.tokens import issue_links

from .conftest import (
    confirm_link,
    join_data,
    make_campaign,
    path_of,
    sign_url,
    statement_data,
    volunteer_data,
)


def withdraw_token(supporter, page_id):
    """A withdrawal token of the person, as an email to them carries."""
    return issue_links(supporter, page_id, [], days=7)[1]


def withdraw_link(message):
    match = re.search(r"https?://\S+\?withdraw=\S+", message.body)
    assert match, message.body
    return match.group(0)


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def press(client, page_path, html, host, **extra):
    """Send the small form a link page shows, as the browser would."""
    data = {
        "membership-action": hidden(html, "membership-action"),
        "membership-token": hidden(html, "membership-token"),
        **extra,
    }
    return client.post(page_path, data, HTTP_HOST=host)


def test_opening_the_link_changes_nothing_and_the_button_confirms(submit, client, org, join_page):
    _, en = join_page
    submit(en, join_data())
    link = path_of(confirm_link(mail.outbox[0]))
    for _ in range(2):  # a scanner, then the person
        response = client.get(link, HTTP_HOST=org.hostname)
        assert response.status_code == 200
        assert SignUp.objects.get().state == SignUp.State.PENDING
    assert "no-cache" in response["Cache-Control"] and "X-Cache" not in response
    html = response.content.decode()
    assert "Confirm my email address" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="email"' not in html  # the sign-up form is not shown again

    done = press(client, en.url, html, org.hostname)
    assert done.status_code == 302
    assert done["Location"].startswith(f"{en.url}?confirmed=")
    signup = SignUp.objects.get()
    assert signup.state == SignUp.State.CONFIRMED and signup.confirmed_at
    page = client.get(done["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "Your membership application is confirmed" in page
    assert "?withdraw=" in page  # and a way out
    # The link again: already confirmed, no button.
    again = client.get(link, HTTP_HOST=org.hostname).content.decode()
    assert "Your membership application is confirmed" in again
    assert 'value="confirm"' not in again


def test_the_button_checks_csrf(submit, org, join_page):
    sq, _ = join_page
    submit(sq, join_data())
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(path_of(confirm_link(mail.outbox[0])), HTTP_HOST=org.hostname)
    html = html.content.decode()
    refused = press(browser, sq.url, html, org.hostname)
    assert refused.status_code == 403
    assert SignUp.objects.get().state == SignUp.State.PENDING
    accepted = press(
        browser, sq.url, html, org.hostname, csrfmiddlewaretoken=hidden(html, "csrfmiddlewaretoken")
    )
    assert accepted.status_code == 302
    assert SignUp.objects.get().state == SignUp.State.CONFIRMED


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "x" * 3000, "\x00"])
def test_bad_tokens_get_a_translated_message_never_an_error(client, org, join_page, token):
    sq, _ = join_page
    page = client.get(sq.url, {"confirm": token}, HTTP_HOST=org.hostname)
    assert page.status_code == 200
    assert "nuk është e vlefshme" in page.content.decode()
    posted = client.post(
        sq.url,
        {"membership-action": "confirm", "membership-token": token},
        HTTP_HOST=org.hostname,
    )
    assert posted.status_code == 400
    assert "nuk është e vlefshme" in posted.content.decode()
    for param in ("confirmed", "withdraw"):
        response = client.get(sq.url, {param: token}, HTTP_HOST=org.hostname)
        assert response.status_code == 200
    withdrawn = client.post(
        sq.url,
        {"membership-action": "withdraw", "membership-token": token},
        HTTP_HOST=org.hostname,
    )
    assert withdrawn.status_code == 400


def test_a_confirmed_url_does_not_claim_what_is_not_done(submit, client, org, join_page):
    sq, _ = join_page
    submit(sq, join_data())
    token = path_of(confirm_link(mail.outbox[0])).split("?confirm=")[1]
    page = client.get(f"{sq.url}?confirmed={token}", HTTP_HOST=org.hostname).content.decode()
    assert "Konfirmoni adresën" in page or 'value="confirm"' in page
    assert SignUp.objects.get().state == SignUp.State.PENDING


def test_statement_confirmation_needs_the_button_and_moves_the_count(submit, client, org, settings):
    sq, en = make_campaign(org, threshold=1)
    submit(sign_url(en), statement_data())
    link = path_of(confirm_link(mail.outbox[0]))
    assert link.startswith(sign_url(en))
    shown = client.get(link, HTTP_HOST=org.hostname)
    assert shown.status_code == 200 and "no-cache" in shown["Cache-Control"]
    assert sq.signature_count() == 0
    html = shown.content.decode()
    assert f'action="{sign_url(en)}#statement"' in html
    done = press(client, sign_url(en), html, org.hostname)
    assert done.status_code == 302 and done["Location"].endswith("#statement")
    assert sq.signature_count() == 1
    after = client.get(done["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "Your signature is confirmed and counted." in after


def test_withdrawing_a_signature_uncounts_it(submit, client, org):
    sq, en = make_campaign(org, threshold=1)
    submit(sign_url(sq), statement_data())
    message = mail.outbox[0]
    html = client.get(path_of(confirm_link(message)), HTTP_HOST=org.hostname).content.decode()
    press(client, sign_url(sq), html, org.hostname)
    assert sq.signature_count() == 1
    assert "1 nënshkrim" in client.get(sign_url(sq), HTTP_HOST=org.hostname).content.decode()

    link = path_of(withdraw_link(message))
    assert link.startswith(sign_url(sq) + "?withdraw=")
    shown = client.get(link, HTTP_HOST=org.hostname)
    assert shown.status_code == 200 and "no-cache" in shown["Cache-Control"]
    assert sq.signature_count() == 1  # opening the link changes nothing
    html = shown.content.decode()
    assert "Tërhiq" in html  # Albanian, like the page
    done = press(client, sign_url(sq), html, org.hostname, **{"membership-scope": "page"})
    assert done.status_code == 302 and "withdrawn=1" in done["Location"]
    signature = SignUp.objects.get()
    assert signature.state == SignUp.State.WITHDRAWN and signature.withdrawn_at
    assert sq.signature_count() == 0 and en.signature_count() == 0
    assert "1 nënshkrim" not in client.get(sign_url(sq), HTTP_HOST=org.hostname).content.decode()
    page = client.get(done["Location"], HTTP_HOST=org.hostname).content.decode()
    assert "tërhequr" in page


def test_withdraw_this_page_or_everything(submit, client, org, join_page, volunteer_page):
    sq, _ = join_page
    submit(sq, join_data(email="ana@example.org"))
    submit(volunteer_page[0], volunteer_data(email="ana@example.org"))
    supporter = Supporter.objects.get()
    token = withdraw_token(supporter, sq.pk)
    html = client.get(f"{sq.url}?withdraw={token}", HTTP_HOST=org.hostname).content.decode()
    press(client, sq.url, html, org.hostname, **{"membership-scope": "page"})
    states = dict(supporter.signups.values_list("kind", "state"))
    assert states == {"membership": "withdrawn", "volunteer": "pending"}

    press(client, sq.url, html, org.hostname, **{"membership-scope": "all"})
    assert set(supporter.signups.values_list("state", flat=True)) == {"withdrawn"}
    # Signing up again opens a new pending sign-up with its own consent.
    submit(sq, join_data(email="ana@example.org"))
    membership = supporter.signups.get(kind="membership")
    assert membership.state == "pending" and membership.withdrawn_at is None
    assert membership.consents.count() == 2


def test_a_withdraw_link_works_only_on_its_own_site_and_dies_with_erasure(
    submit, client, org, join_page, make_org
):
    from membership.services import erase_supporter

    sq, _ = join_page
    other = make_org("org-w.example", name="Organizata W", name_en="Organisation W")
    submit(sq, join_data())
    token = path_of(withdraw_link(mail.outbox[0])).split("?withdraw=")[1]
    from membership.models import JoinPage

    other_join, _ = other.add_page(
        JoinPage(title="Anëtarësohu", slug="anetaresohu", consent_text="Po", thank_you="Po")
    )
    html = client.get(f"{other_join.url}?withdraw={token}", HTTP_HOST=other.hostname)
    assert "nuk është e vlefshme" in html.content.decode()
    posted = client.post(
        other_join.url,
        {"membership-action": "withdraw", "membership-token": token},
        HTTP_HOST=other.hostname,
    )
    assert posted.status_code == 400
    assert SignUp.objects.get().state == "pending"
    erase_supporter(Supporter.objects.get())
    gone = client.get(f"{sq.url}?withdraw={token}", HTTP_HOST=org.hostname).content.decode()
    assert "nuk është e vlefshme" in gone


def test_withdrawn_people_are_purged_after_the_sites_time(submit, client, org, join_page):
    from datetime import timedelta

    from membership.models import MembershipSettings

    rules = MembershipSettings.for_site(org.site)
    rules.withdrawn_retention_days = 10
    rules.save()
    sq, _ = join_page
    submit(sq, join_data())
    supporter = Supporter.objects.get()
    html = client.get(
        f"{sq.url}?withdraw={withdraw_token(supporter, sq.pk)}", HTTP_HOST=org.hostname
    ).content.decode()
    press(client, sq.url, html, org.hostname, **{"membership-scope": "all"})
    purge()
    assert Supporter.objects.get().email == "arta@example.org"  # kept for now
    purge(now=timezone.now() + timedelta(days=11))
    supporter.refresh_from_db()
    assert supporter.erased_at and supporter.email is None
    assert SignUp.objects.get().state == "withdrawn"


def test_the_email_carries_a_withdraw_link_in_both_parts(submit, org, join_page):
    submit(join_page[1], join_data())
    message = mail.outbox[0]
    assert "?withdraw=" in message.body
    assert "?withdraw=" in message.alternatives[0][0]
