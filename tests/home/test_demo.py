"""load_demo builds the three organisations in both languages, and is idempotent.

Loading the demo takes a few seconds, so each test checks several things.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Locale, Page, Revision, Site

SITES = [
    ("voltkosova.localhost:8000", "Volt Kosova", "An equal Kosovo, connected with Europe"),
    ("kosovowewant.localhost:8000", "Kosova që e duam", "Kosovo We Want"),
    ("myvotecounts.localhost:8000", "#VoteImeKaWare", "#MyVoteCounts"),
]


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("id", "url_path", "live", "locale_id")),
        "revisions": Revision.objects.count(),
        "sites": sorted(Site.objects.values_list("hostname", "port", "root_page_id")),
        "users": sorted(get_user_model().objects.values_list("username", "password")),
    }


@pytest.fixture
def demo(db, monkeypatch, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-for-tests")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_twice_changes_nothing_and_prints_the_login(demo):
    assert "Admin: http://127.0.0.1:8000/admin/  user: admin  password: demo-pass-for-tests" in demo
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("demo-pass-for-tests")
    before = snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_demo_sites_in_both_languages(demo, client):
    from wagtail_localize.models import Translation

    english = Locale.objects.get(language_code="en")
    for host, sq_text, en_text in SITES:
        sq = client.get("/sq/", HTTP_HOST=host)
        en = client.get("/en/", HTTP_HOST=host)
        assert sq.status_code == en.status_code == 200, host
        assert sq_text in sq.content.decode()
        assert en_text in en.content.decode()
        assert '<html lang="en"' in en.content.decode()

        # Every Albanian page has a live English translation made by wagtail-localize.
        site = Site.objects.get(hostname=host.split(":")[0])
        for page in site.root_page.get_descendants(inclusive=True).filter(
            locale__language_code="sq"
        ):
            translation = page.get_translation_or_none(english)
            assert translation is not None and translation.live, page.url_path
            assert Translation.objects.filter(
                source__object_id=page.translation_key, target_locale=english
            ).exists()
            assert client.get(translation.url, HTTP_HOST=host).status_code == 200

    # The default site answers on the loopback address.
    response = client.get("/sq/", HTTP_HOST="127.0.0.1:8000")
    assert "Volt Kosova" in response.content.decode()
    # Kosovo We Want shows its address and phone.
    html = client.get("/en/contact/", HTTP_HOST="kosovowewant.localhost:8000").content.decode()
    assert "Pashko Vasa Str. 23" in html
    assert "+383 (0) 38 600 108" in html
