"""A candidate takes the pledge online, in their language: they follow the campaign
page's link, fill in the form, confirm their address by the emailed link; staff of
the organisation approve the pledge in the admin and the candidate is listed. Then
the election passes, staff mark the candidate elected and record a vote of theirs on
a demand: the candidate's page (in both languages) and the open data show it, and
never the candidate's address."""

import csv
import datetime
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import caches
from django.utils import timezone
from wagtail.models import Locale

from home.models import SiteRole
from home.roles import ensure_site_roles
from movement.models import CampaignPage, CandidateRecord, Pledge
from tests.movement.conftest import make_campaign, open_for_pledges

PASSWORD = "zotimi-test-123"
SOURCE = "https://www.kuvendikosoves.org/seanca/2020-03-05"

# What the candidate of each language types and what each language's pages say.
CANDIDATES = {
    "sq": {
        "name": "Drita Kandidatja",
        "email": "Drita@Example.org",
        "party": "Lista e Qytetarëve",
        "comment": "Do ta votoj në seancën e parë.",
        "take": "Jeni kandidat? Merrni zotimin",
        "send": "Dërgo zotimin tim",
        "thanks": "Faleminderit për zotimin tuaj!",
        "subject": "Konfirmoni zotimin tuaj për „Vota ime ka peshë“",
        "greeting": "Përshëndetje Drita Kandidatja,",
        "confirm": "Konfirmo adresën time të emailit",
        "confirmed": "Faleminderit: adresa juaj e emailit është konfirmuar.",
    },
    "en": {
        "name": "Elira Candidate",
        "email": "elira@example.org",
        "party": "Citizens' List",
        "comment": "I will vote for it in the first session.",
        "take": "Are you a candidate? Take the pledge",
        "send": "Send my pledge",
        "thanks": "Thank you for your pledge!",
        "subject": "Confirm your pledge to “My vote counts”",
        "greeting": "Hello Elira Candidate,",
        "confirm": "Confirm my email address",
        "confirmed": "Thank you: your email address is confirmed.",
    },
}
PAGE_SAYS = {
    "sq": {"elected": "E zgjedhur", "kind": "Votim", "stance": "Në përputhje me zotimin"},
    "en": {"elected": "Elected", "kind": "Vote", "stance": "In line with the pledge"},
}
SUMMARY = {
    "sq": "Votoi për ligjin që plotëson kërkesën 1.",
    "en": "Voted for the law that meets demand 1.",
}


def clear_page_cache():
    for each in caches.all():
        each.clear()


def revisit(tab, url):
    """Go to ``url`` anew: public pages may be kept a minute by the browser
    (Cache-Control: public, max-age), so its cache is emptied first."""
    session = tab.context.new_cdp_session(tab)
    session.send("Network.clearBrowserCache")
    session.detach()
    return tab.goto(url)


def names_listed(tab):
    return [name.strip() for name in tab.locator(".pledge-list .pledge__name").all_inner_texts()]


def private_in(text, pledge):
    """Whether ``text`` holds any of the candidate's private data."""
    text = text.lower()
    return pledge.email.lower() in text or pledge.email.split("@")[0].lower() + "@" in text


def log_in(browser, live_server, username):
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sq-AL")
    admin = staff.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{live_server.url}/admin/login/")
    admin.fill("#id_username", username)
    admin.fill("#id_password", PASSWORD)
    admin.locator("form button[type=submit]").first.click()
    admin.wait_for_url("**/admin/")
    return staff, admin


@pytest.mark.parametrize("language", ["sq", "en"])
def test_a_candidate_pledges_and_is_held_to_account(
    tab, browser, live_server, org, settings, language
):
    from django.contrib.auth import get_user_model

    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    they = CANDIDATES[language]
    page_sq, page_en = make_campaign(org)
    open_for_pledges(page_sq)
    page_en.refresh_from_db()
    page = page_sq if language == "sq" else page_en
    demands = list(page.demands.all())
    # Two candidates pledged on paper already; the list is alphabetical.
    for name in ("Valbona Hoxha", "Agim Zeqiri"):
        Pledge.objects.create(campaign=page_sq, name=name, party="Lista B")
    editor = get_user_model().objects.create_user("redaktore", "redaktore@example.org", PASSWORD)
    editor.groups.add(ensure_site_roles(org.site)[SiteRole.EDITOR])
    mail.outbox.clear()

    # The candidate follows the campaign page's link to the pledge form.
    tab.goto(f"{live_server.url}{page.url}")
    assert tab.locator("html").get_attribute("lang") == language
    assert names_listed(tab) == ["Agim Zeqiri", "Valbona Hoxha"]
    tab.locator("#pledges").get_by_role("link", name=they["take"]).click()
    tab.wait_for_url(f"**{page.url}pledge/")
    assert tab.locator("html").get_attribute("lang") == language
    tab.fill('[name="name"]', they["name"])
    tab.fill('[name="email"]', they["email"])
    tab.select_option('[name="gender"]', "female")
    tab.fill('[name="party"]', they["party"])
    tab.fill('[name="list_number"]', "12")
    tab.select_option('[name="office"]', "municipal_assembly")
    tab.select_option('[name="municipality"]', "prizren")
    tab.check(f'[name="commit_{demands[0].pk}"]')
    tab.fill(f'[name="comment_{demands[0].pk}"]', they["comment"])
    tab.check(f'[name="commit_{demands[2].pk}"]')
    tab.check('[name="consent"]')
    with tab.expect_navigation():
        tab.get_by_role("button", name=they["send"]).click()
    thanks = tab.locator("#pledge-thank-you")
    assert thanks.count() == 1, tab.locator("body").inner_text()[:300]
    assert they["thanks"] in thanks.inner_text()

    # The email, in the candidate's language, brings the link that confirms.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert [address.lower() for address in email.to] == [they["email"].lower()]
    assert email.subject == they["subject"]
    assert email.body.startswith(they["greeting"])
    link = re.search(r"https?://\S+/pledge/manage/\S+", email.body).group(0)
    parts = urlsplit(link)
    tab.goto(f"{live_server.url}{parts.path}?{parts.query}")
    assert tab.locator("html").get_attribute("lang") == language
    tab.get_by_role("button", name=they["confirm"]).click()  # the link alone only asks
    tab.locator("#pledge-done").wait_for()
    assert they["confirmed"] in tab.locator("#pledge-done").inner_text()
    pledge = Pledge.objects.get(name=they["name"])
    assert pledge.state == Pledge.State.CONFIRMED
    assert pledge.language == language

    # Not public before the staff's review: neither listed nor at its own address.
    candidate_path = page.candidate_url(pledge)
    revisit(tab, f"{live_server.url}{page.url}")
    assert names_listed(tab) == ["Agim Zeqiri", "Valbona Hoxha"]
    assert tab.goto(f"{live_server.url}{candidate_path}").status == 404

    # An editor of the organisation approves it on the review screen.
    staff, admin = log_in(browser, live_server, "redaktore")
    try:
        admin.goto(f"{live_server.url}/admin/snippets/movement/pledge/")
        admin.locator(f'a[href$="/review/{pledge.pk}/"]').first.click()
        admin.wait_for_url(f"**/review/{pledge.pk}/")
        review = admin.locator("main")
        assert they["comment"] in review.inner_text()
        assert they["email"].lower() in review.inner_text().lower()
        admin.locator('form:has(input[name="action"][value="approve"]) button[type=submit]').click()
        admin.wait_for_url(f"**/review/{pledge.pk}/")
        assert they["name"] in admin.locator(".messages").inner_text()
        pledge.refresh_from_db()
        assert pledge.state == Pledge.State.APPROVED
        assert pledge.reviewed_by == editor
        assert len(mail.outbox) == 2  # "your pledge is public", in their language
        assert mail.outbox[1].subject != mail.outbox[0].subject

        # Listed now, in alphabetical order, with a link to the candidate's page.
        revisit(tab, f"{live_server.url}{page.url}")
        assert names_listed(tab) == ["Agim Zeqiri", they["name"], "Valbona Hoxha"]
        tab.locator(".pledge-list").get_by_role("link", name=they["name"]).click()
        tab.wait_for_url(f"**{candidate_path}")
        assert tab.get_by_role("heading", level=1).inner_text() == they["name"]

        # The election passes (the pages' clock is the campaign's election day).
        CampaignPage.objects.filter(translation_key=page.translation_key).update(
            election_date=timezone.localdate() - datetime.timedelta(days=30)
        )
        clear_page_cache()
        revisit(tab, f"{live_server.url}{page.url}")
        assert tab.locator("#pledges").get_by_role("link", name=they["take"]).count() == 0

        # Staff record that she was elected, on the pledge's edit form ...
        admin.goto(f"{live_server.url}/admin/snippets/movement/pledge/edit/{pledge.pk}/")
        admin.select_option("#id_elected", "true")
        admin.locator("button.action-save").click()
        admin.wait_for_url(re.compile(r"/admin/snippets/movement/pledge/(\?.*)?$"))
        pledge.refresh_from_db()
        assert pledge.elected is True
        assert pledge.state == Pledge.State.APPROVED and pledge.email  # unchanged

        # ... and a vote of hers on the first demand (entered in Albanian).
        Pledge.objects.create(
            campaign=page_sq,
            name="Besa Pret",
            state=Pledge.State.CONFIRMED,
            source=Pledge.Source.ONLINE,
            email="besa.pret@example.org",
        )
        admin.goto(f"{live_server.url}/admin/snippets/movement/candidaterecord/add/")
        # Only public pledges are offered (the one still waiting for review is not).
        offered = admin.locator("#id_pledge option").all_inner_texts()
        assert any(they["name"] in text for text in offered)
        assert not any("Pret" in text for text in offered)
        admin.select_option("#id_pledge", str(pledge.pk))
        admin.select_option("#id_demand", str(page_sq.demands.first().pk))
        admin.fill("#id_date", "2020-03-05")
        admin.select_option("#id_kind", "vote")
        admin.select_option("#id_stance", "kept")
        admin.fill("#id_summary", SUMMARY["sq"])
        admin.fill("#id_source_url", SOURCE)
        admin.locator("button.action-save").click()
        admin.wait_for_url(re.compile(r"/admin/snippets/movement/candidaterecord/(\?.*)?$"))
    finally:
        staff.close()
    record = CandidateRecord.objects.get(pledge=pledge)
    assert record.locale.language_code == "sq"
    # A translator gives the record its English text.
    english = record.copy_for_translation(Locale.objects.get(language_code="en"))
    english.summary = SUMMARY["en"]
    english.save()

    # Her page, in both languages: elected, and the vote under the demand.
    for shown, version in (("sq", page_sq), ("en", page_en)):
        says = PAGE_SAYS[shown]
        response = revisit(tab, f"{live_server.url}{version.candidate_url(pledge)}")
        assert response.status == 200
        assert tab.locator("html").get_attribute("lang") == shown
        text = tab.locator("main").inner_text()
        assert says["elected"] in tab.locator(".candidate__facts").inner_text()
        first_demand = tab.locator(".candidate-demand").first
        records = first_demand.locator(".records .record")
        assert records.count() == 1
        assert SUMMARY[shown] in records.inner_text()
        assert says["kind"] in records.inner_text() and says["stance"] in records.inner_text()
        assert records.get_by_role("link").get_attribute("href") == SOURCE
        assert they["comment"] in first_demand.inner_text()
        assert tab.locator(".candidate-demand").nth(1).locator(".records .record").count() == 0
        assert not private_in(text, pledge)

        # The campaign page counts her among the elected pledgers.
        revisit(tab, f"{live_server.url}{version.url}")
        assert they["name"] in tab.locator(".elected-pledges").inner_text()

        # The open data: the pledge and the record, never the address.
        base = f"{live_server.url}{version.url}"
        data = tab.request.get(f"{base}data.json")
        assert data.ok
        assert not private_in(data.text(), pledge)
        document = json.loads(data.text())
        ours = [row for row in document["pledges"] if row["name"] == they["name"]]
        assert len(ours) == 1 and ours[0]["elected"] is True
        assert SUMMARY[shown] in json.dumps(document["records"], ensure_ascii=False)
        pledges_csv = tab.request.get(f"{base}data/pledges.csv")
        rows = list(csv.DictReader(io.StringIO(pledges_csv.text().lstrip("\ufeff"))))
        mine = [row for row in rows if row["name"] == they["name"]]
        assert len(mine) == 1 and mine[0]["party"] == they["party"]
        assert not private_in(pledges_csv.text(), pledge)
        records_csv = tab.request.get(f"{base}data/records.csv")
        record_rows = list(csv.DictReader(io.StringIO(records_csv.text().lstrip("\ufeff"))))
        assert [row["summary"] for row in record_rows] == [SUMMARY[shown]]
        assert record_rows[0]["source_url"] == SOURCE
        assert not private_in(records_csv.text(), pledge)
