"""An editor opens the preview side panel of a page's editor and sees the page in it,
with their unsaved changes, and nothing in it is blocked by the site's policies."""

from django.contrib.auth import get_user_model
from django.test import Client

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push([e.violatedDirective, e.blockedURI].join(' '));
});
// The editor notices changes against the form's first state, which it takes (once or
// twice, a moment apart) 2 s after the page loads.
document.addEventListener('w-unsaved:watch-edits', () => { window.__watched = performance.now(); });
"""


def test_the_preview_panel_shows_the_page(browser, live_server, standard_page):
    page, _page_en = standard_page
    editor = get_user_model().objects.create_superuser(
        "redaktor", "redaktor@example.org", "a-long-test-password-1"
    )
    client = Client()
    client.force_login(editor)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(LISTEN)  # in the editor and in every frame it opens
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        tab.goto(f"{live_server.url}/admin/pages/{page.pk}/edit/")
        tab.locator('[data-side-panel-toggle="preview"]').click()

        preview = tab.frame_locator("#w-preview-iframe")
        heading = preview.get_by_role("heading", level=1)
        heading.wait_for()
        assert heading.inner_text() == "Rreth nesh"
        assert preview.locator("html").get_attribute("lang") == "sq"

        # The panel follows what the editor types, before anything is saved.
        tab.wait_for_function(
            "() => window.__watched && performance.now() - window.__watched > 500"
        )
        tab.fill("#id_title", "Rreth nesh, e re")
        preview.get_by_role("heading", level=1, name="Rreth nesh, e re").wait_for()

        frame = tab.locator("#w-preview-iframe").element_handle().content_frame()
        assert frame.url.startswith(f"{live_server.url}/admin/pages/{page.pk}/edit/preview/")
        assert frame.evaluate("window.__csp") == []
        assert tab.evaluate("window.__csp") == []
    finally:
        context.close()
