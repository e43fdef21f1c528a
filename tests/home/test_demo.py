"""load_demo builds the three organisations in both languages, and is idempotent."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision, Site


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


def test_demo_twice_changes_nothing(demo):
    before = snapshot()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before


def test_demo_prints_how_to_log_in(demo):
    assert "Admin: http://127.0.0.1:8000/admin/  user: admin  password: demo-pass-for-tests" in demo
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("demo-pass-for-tests")


@pytest.mark.parametrize(
    ("host", "sq_text", "en_text"),
    [
        ("voltkosova.localhost:8000", "Volt Kosova", "An equal Kosovo, connected with Europe"),
        ("kosovowewant.localhost:8000", "Kosova që e duam", "Kosovo We Want"),
        ("myvotecounts.localhost:8000", "#VoteImeKaWare", "#MyVoteCounts"),
    ],
)
def test_each_demo_site_in_both_languages(demo, client, host, sq_text, en_text):
    sq = client.get("/sq/", HTTP_HOST=host)
    en = client.get("/en/", HTTP_HOST=host)
    assert sq.status_code == en.status_code == 200
    assert sq_text in sq.content.decode()
    assert en_text in en.content.decode()
    assert '<html lang="sq"' in sq.content.decode()


def test_default_site_answers_on_loopback(demo, client):
    response = client.get("/sq/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert "Volt Kosova" in response.content.decode()


def test_english_pages_are_linked_wagtail_localize_translations(demo):
    from wagtail_localize.models import Translation

    site = Site.objects.get(hostname="kosovowewant.localhost")
    for page in site.root_page.get_descendants(inclusive=True).filter(locale__language_code="sq"):
        english = page.get_translation_or_none(
            page.locale.__class__.objects.get(language_code="en")
        )
        assert english is not None and english.live, page.url_path
        assert Translation.objects.filter(
            source__object_id=page.translation_key, target_locale__language_code="en"
        ).exists()


def test_kosovo_we_want_shows_its_address_and_phone(demo, client):
    html = client.get("/en/contact/", HTTP_HOST="kosovowewant.localhost:8000").content.decode()
    assert "Pashko Vasa Str. 23" in html
    assert "+383 (0) 38 600 108" in html
