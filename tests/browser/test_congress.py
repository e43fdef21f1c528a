"""Event staff post an outcome in the Wagtail admin; visitors see it in both languages."""

import re

from django.contrib.auth import get_user_model

from congress.demo import translate_object
from congress.models import Outcome
from home.models import SiteRole
from home.roles import ensure_site_roles
from tests.congress.conftest import congress_index, kosovo, make_congress  # noqa: F401

PASSWORD = "ngjarje-test-123"


def test_event_staff_post_an_outcome(tab, live_server, org, make_congress):  # noqa: F811
    page, page_en = make_congress(start=kosovo(2019, 5, 23, 10, 0))
    groups = ensure_site_roles(org.site)
    user = get_user_model().objects.create_user("stafi", "stafi@example.org", PASSWORD)
    user.groups.add(groups[SiteRole.EVENT_STAFF])

    tab.goto(f"{live_server.url}/admin/login/")
    tab.fill("#id_username", "stafi")
    tab.fill("#id_password", PASSWORD)
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_url("**/admin/")

    tab.goto(f"{live_server.url}/admin/snippets/congress/outcome/add/")
    tab.select_option("#id_congress", str(page.pk))
    tab.select_option("#id_kind", "resolution")
    tab.fill("#id_number", "4")
    tab.select_option("#id_status", "adopted")
    tab.fill("#id_happened_at", "2019-05-23 12:30")
    tab.fill("#id_title", "Punë e denjë për të rinjtë")
    tab.fill("#id_text", "Kongresi u kërkon institucioneve plane për punësimin e të rinjve.")
    # "Publish" is in the drop-down next to "Save draft".
    tab.locator(
        '[data-controller="w-dropdown"]:has(button[name="action-publish"]) '
        '[data-w-dropdown-target="toggle"]'
    ).click()
    tab.locator('button[name="action-publish"]').click()
    tab.wait_for_url(re.compile(r"/admin/snippets/congress/outcome/(\?.*)?$"))
    assert "Rezolutë 4" in tab.locator(".messages").inner_text()
    outcome = Outcome.objects.get(title="Punë e denjë për të rinjtë")
    assert outcome.live

    tab.goto(f"{live_server.url}{page.url}")
    record = tab.locator("#outcomes")
    assert "Rezolutë nr. 4" in record.inner_text()
    assert "Punë e denjë për të rinjtë" in record.inner_text()
    assert "23 maj 2019, 12:30" in record.inner_text()

    # The English page follows at once, in Albanian and marked so, until translated.
    tab.goto(f"{live_server.url}{page_en.url}")
    article = tab.locator("#outcomes article")
    assert article.get_attribute("lang") == "sq"
    assert "Punë e denjë për të rinjtë" in article.inner_text()

    translate_object(
        outcome,
        "en",
        {
            "Punë e denjë për të rinjtë": "Decent work for young people",
            "Kongresi u kërkon institucioneve plane për punësimin e të rinjve.": (
                "The congress asks the institutions for plans to employ young people."
            ),
        },
    )
    tab.goto(f"{live_server.url}{page_en.url}")
    text = tab.locator("#outcomes").inner_text()
    assert "Resolution no. 4" in text and "Adopted" in text
    assert "Decent work for young people" in text
    assert "23 May 2019, 12:30" in text
