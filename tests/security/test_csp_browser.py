"""In a real browser, the Content-Security-Policy blocks nothing the site needs:
a public page, the admin's page editor (with its preview) and the 2FA screens."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(' '));
});
"""


def violations(tab):
    return tab.evaluate("window.__csp || []")


def test_public_page_and_admin_run_under_their_policies(
    tab, live_server, standard_page, superuser, password
):
    """One test (one live server round): a public page, then the admin."""
    page, _ = standard_page
    tab.add_init_script(LISTEN)
    response = tab.goto(f"{live_server.url}/sq/rreth-nesh/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tab.wait_for_load_state("networkidle")
    assert violations(tab) == []
    # Stylesheet applied (style-src 'self' allows the site's own CSS).
    assert tab.evaluate("document.styleSheets.length") >= 1

    tab.goto(f"{live_server.url}/admin/login/")
    tab.fill("input[name=username]", "root")
    tab.fill("input[name=password]", password)
    tab.locator("form.login-form button[type=submit]").click()
    tab.wait_for_url("**/admin/")
    assert violations(tab) == []

    tab.goto(f"{live_server.url}/admin/pages/{page.pk}/edit/")
    tab.wait_for_load_state("networkidle")
    assert tab.locator("#id_title").input_value() == "Rreth nesh"
    assert violations(tab) == []

    tab.goto(f"{live_server.url}/admin/images/")
    tab.wait_for_load_state("networkidle")
    assert violations(tab) == []

    tab.goto(f"{live_server.url}/admin/two-factor/enrol/")
    tab.wait_for_load_state("networkidle")
    assert tab.locator(".security-qr svg").count() == 1
    assert violations(tab) == []
