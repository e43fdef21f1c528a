"""An organisation applies to join the platform, in its contact person's language:
the members page leads to the form, the contact confirms the address by the emailed
link, a membership officer approves the application in the admin, and the
organisation appears on the public list (the approval email in the contact's
language)."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import caches

from home.models import SiteRole
from home.roles import ensure_site_roles
from membership.models import MemberOrganisationsPage, OrganisationApplication

PASSWORD = "organizata-test-123"

SAYS = {
    "sq": {
        "apply": "Aplikoni si organizatë për t’u bashkuar",
        "kind": "Shoqatë",
        "send": "Dërgoni aplikimin",
        "thanks": "Faleminderit për aplikimin!",
        "confirm": "Konfirmo adresën time të emailit",
        "empty": "Asnjë organizatë nuk është bashkuar ende.",
        "approved": "tani është organizatë anëtare",
    },
    "en": {
        "apply": "Apply to join as an organisation",
        "kind": "Association",
        "send": "Send the application",
        "thanks": "Thank you for your application!",
        "confirm": "Confirm my email address",
        "empty": "No organisation has joined yet.",
        "approved": "is now a member organisation",
    },
}


def revisit(tab, url):
    """``url`` anew, past the browser's cache of public pages."""
    session = tab.context.new_cdp_session(tab)
    session.send("Network.clearBrowserCache")
    session.detach()
    return tab.goto(url)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_an_organisation_applies_and_is_listed_once_approved(
    tab, browser, live_server, org, settings, language
):
    settings.MEMBERSHIP_MIN_FORM_SECONDS = 0
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    for each in caches.all():
        each.clear()
    says = SAYS[language]
    page_sq = MemberOrganisationsPage(
        title="Organizatat anëtare",
        slug="organizatat",
        principles="<p>Të pavarur nga partitë.</p>",
        consent_text="Pajtohem që të dhënat e mia të ruhen për aplikimin.",
    )
    page_sq, page_en = org.add_page(
        page_sq,
        en_fields={
            "title": "Member organisations",
            "slug": "organisations",
            "principles": "<p>Independent of parties.</p>",
            "consent_text": "I agree that my data is kept for the application.",
        },
    )
    page = page_sq if language == "sq" else page_en
    officer = get_user_model().objects.create_user("zyrtare", "zyrtare@example.org", PASSWORD)
    officer.groups.add(ensure_site_roles(org.site)[SiteRole.MEMBERSHIP_OFFICER])
    mail.outbox.clear()

    tab.goto(f"{live_server.url}{page.url}")
    assert tab.locator("html").get_attribute("lang") == language
    assert says["empty"] in tab.locator("main").inner_text()
    tab.get_by_role("link", name=says["apply"]).click()
    tab.wait_for_url(f"**{page.url}apply/")
    tab.fill('[name="organisation_name"]', "Rrjeti i Grave të Dukagjinit")
    tab.get_by_label(says["kind"]).check()
    tab.select_option('[name="municipality"]', "peje")
    tab.fill('[name="web_address"]', "https://rrjeti.example.org")
    tab.fill('[name="work"]', "Të drejtat e grave në rajonin e Dukagjinit.")
    tab.fill('[name="given_name"]', "Vjosa")
    tab.fill('[name="family_name"]', "Shembulli")
    tab.fill('[name="email"]', "vjosa@example.org")
    tab.fill('[name="phone"]', "+383 44 555 666")
    tab.check('[name="principles"]')
    tab.check('[name="consent"]')
    with tab.expect_navigation():
        tab.get_by_role("button", name=says["send"]).click()
    thanks = tab.locator("#thank-you")
    assert thanks.count() == 1, tab.locator("main").inner_text()[:500]
    assert says["thanks"] in thanks.inner_text()

    # The contact confirms the address by the emailed link (the link only asks).
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+\?confirm=\S+", mail.outbox[0].body).group(0)
    parts = urlsplit(link)
    tab.goto(f"{live_server.url}{parts.path}?{parts.query}")
    assert tab.locator("html").get_attribute("lang") == language
    with tab.expect_navigation():
        tab.get_by_role("button", name=says["confirm"]).click()
    application = OrganisationApplication.objects.get()
    assert application.signup.state == "confirmed"

    # Not listed before the review.
    revisit(tab, f"{live_server.url}{page.url}")
    assert "Rrjeti i Grave" not in tab.locator("main").inner_text()

    # A membership officer approves it.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sq-AL")
    admin = staff.new_page()
    admin.set_default_timeout(15_000)
    try:
        admin.goto(f"{live_server.url}/admin/login/")
        admin.fill("#id_username", "zyrtare")
        admin.fill("#id_password", PASSWORD)
        admin.locator("form button[type=submit]").first.click()
        admin.wait_for_url("**/admin/")
        admin.goto(f"{live_server.url}/admin/organisations/")
        admin.get_by_role("link", name="Rrjeti i Grave të Dukagjinit").click()
        admin.wait_for_url(f"**/admin/organisations/{application.pk}/")
        admin.check('input[name="decision"][value="approved"]')
        with admin.expect_navigation():
            admin.locator('form[method="post"] button[type="submit"]').last.click()
    finally:
        staff.close()
    application.refresh_from_db()
    assert application.review == "approved"
    assert len(mail.outbox) == 2
    assert says["approved"] in mail.outbox[1].subject

    revisit(tab, f"{live_server.url}{page.url}")
    listed = tab.locator(".member-organisation")
    assert listed.count() == 1
    assert "Rrjeti i Grave të Dukagjinit" in listed.inner_text()
    assert listed.get_by_role("link").get_attribute("href") == "https://rrjeti.example.org"
    assert "vjosa" not in tab.locator("body").inner_text().lower()
