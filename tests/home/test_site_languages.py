"""Each site offers the languages its home page is published in (home/languages.py):
the switcher, hreflang, the forms' choices and the URLs follow, and a language the
site does not offer is a 404 under its prefix. Municipalities carry their Serbian
names in Serbian, in exports and in open data."""

import re

import pytest
from wagtail.models import Locale

from home.languages import site_language_codes, site_languages
from membership.constants import municipality_choices, serbian_name
from tests.conftest import translate
from tests.home.test_i18n import hreflangs, links


@pytest.fixture
def sr_locale(db):
    return Locale.objects.get_or_create(language_code="sr-latn")[0]


@pytest.fixture
def trilingual(make_org, sr_locale):
    """Two organisations: one that took up Serbian, one that did not."""
    serbian = make_org("org-sr.example", name="Organizata S", name_en="Organisation S")
    translate(serbian.home_sq, sr_locale, title="Organizacija S", slug="org-sr-sr")
    plain = make_org("org-a.example", default=True)
    return serbian, plain


def test_a_site_offers_the_languages_its_home_page_is_published_in(trilingual, sr_locale):
    serbian, plain = trilingual
    assert site_language_codes(serbian.site) == ["sq", "sr-latn", "en"]
    assert site_languages(plain.site) == [("sq", "Shqip"), ("en", "English")]
    # A Serbian home page still in draft does not offer Serbian yet.
    serbian.home_sq.get_translation(sr_locale).unpublish()
    assert site_language_codes(serbian.site) == ["sq", "en"]


def test_the_switcher_and_hreflang_list_only_the_sites_languages(client, trilingual):
    serbian, plain = trilingual
    html = client.get("/sq/", HTTP_HOST=serbian.hostname).content.decode()
    assert set(links(html, "Gjuha")) == {"sq", "sr-latn", "en"}
    assert set(hreflangs(html)) == {"sq", "sr-latn", "en", "x-default"}
    html = client.get("/sq/", HTTP_HOST=plain.hostname).content.decode()
    assert set(links(html, "Gjuha")) == {"sq", "en"}
    assert set(hreflangs(html)) == {"sq", "en", "x-default"}


def test_the_serbian_home_page_is_in_serbian(client, trilingual):
    serbian, _plain = trilingual
    response = client.get("/sr-latn/", HTTP_HOST=serbian.hostname)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sr-latn"' in html
    assert "Organizacija S" in html
    assert 'aria-label="Jezik"' in html  # the switcher's label, from the Serbian catalogue


@pytest.mark.parametrize("path", ["/sr-latn/", "/sr-latn/search/?q=a", "/sr-latn/org-a/"])
def test_a_language_the_site_does_not_offer_is_not_found(client, trilingual, path):
    _serbian, plain = trilingual
    response = client.get(path, HTTP_HOST=plain.hostname)
    assert response.status_code == 404


def test_the_404_of_a_language_not_offered_is_in_the_sites_own(client, trilingual):
    _serbian, plain = trilingual
    html = client.get("/sr-latn/", HTTP_HOST=plain.hostname).content.decode()
    assert '<html lang="sq"' in html
    assert 'action="/sq/search/"' in html and 'action="/sr-latn/search/"' not in html
    assert set(links(html, "Gjuha")) == {"sq", "en"}


def test_the_sitemap_lists_serbian_pages_only_where_they_exist(client, trilingual):
    serbian, plain = trilingual
    xml = client.get("/sitemap.xml", HTTP_HOST=serbian.hostname).content.decode()
    assert "http://org-sr.example/sr-latn/" in xml
    xml = client.get("/sitemap.xml", HTTP_HOST=plain.hostname).content.decode()
    assert "sr-latn" not in xml


def test_municipalities_carry_their_serbian_names_in_serbian(settings):
    from django.utils import translation

    with translation.override("sr-latn"):
        names = dict(municipality_choices())
        ordered = [name for _code, name in municipality_choices(outside=False)]
    assert names["prishtine"] == "Priština"
    assert names["gracanice"] == "Gračanica"
    assert names["mitrovice-veri"] == "Severna Mitrovica"
    assert names["jashte"] == "Van Kosova"
    # In the order of the Serbian alphabet: Đakovica after Dragaš, Štimlje after Suva Reka.
    assert ordered.index("Đakovica") == ordered.index("Dragaš") + 1
    assert ordered.index("Štimlje") > ordered.index("Suva Reka")
    assert ordered.index("Štrpce") < ordered.index("Uroševac")
    with translation.override("sq"):
        assert dict(municipality_choices())["prishtine"] == "Prishtinë"
    with translation.override("en"):
        assert dict(municipality_choices())["prishtine"] == "Prishtinë"
    assert serbian_name("ferizaj") == "Uroševac"
    assert serbian_name("") == ""
    assert len(municipality_choices(outside=False)) == 38


def test_the_join_form_in_serbian_lists_serbian_names(client, trilingual):
    from membership.models import JoinPage

    serbian, _plain = trilingual
    page = JoinPage(
        title="Anëtarësohu",
        slug="anetaresohu",
        consent_text="Pajtohem që organizata t’i ruajë të dhënat e mia.",
        thank_you="Faleminderit!",
    )
    serbian.home_sq.add_child(instance=page)
    page.save_revision().publish()
    sr = translate(
        page, Locale.objects.get(language_code="sr-latn"), title="Učlanite se", slug="uclanite-se"
    )
    html = client.get(sr.get_url(), HTTP_HOST=serbian.hostname).content.decode()
    options = re.findall(r'<option value="([a-z-]+)"[^>]*>([^<]+)</option>', html)
    assert ("prishtine", "Priština") in options
    assert ("gjakove", "Đakovica") in options


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [("sr", None, "/sq/"), ("en", None, "/en/"), ("", "sr-latn", "/sq/")],
)
def test_a_visitor_who_prefers_a_language_the_site_lacks_is_sent_to_its_own(
    client, trilingual, accept, cookie, expected
):
    serbian, plain = trilingual
    if cookie:
        client.cookies["language"] = cookie
    response = client.get("/", HTTP_HOST=plain.hostname, HTTP_ACCEPT_LANGUAGE=accept)
    assert (response.status_code, response["Location"]) == (302, expected)
    # The site that offers Serbian sends them to it.
    response = client.get("/", HTTP_HOST=serbian.hostname, HTTP_ACCEPT_LANGUAGE=accept or "sr")
    assert response["Location"] == ("/en/" if accept == "en" else "/sr-latn/")


def test_an_unsubscribe_link_answers_under_any_language(client, trilingual):
    _serbian, plain = trilingual
    response = client.get("/sr-latn/unsubscribe/not-a-token/", HTTP_HOST=plain.hostname)
    # The unsubscribe page itself (saying the link is not valid), not the site's 404.
    assert "membership/unsubscribe.html" in [t.name for t in response.templates]


def test_a_live_translation_under_a_draft_home_page_is_not_offered(client, trilingual, sr_locale):
    from home.models import StandardPage

    serbian, _plain = trilingual
    page, _en = serbian.add_page(
        StandardPage(title="Rreth nesh", slug="rreth-nesh"), en_fields={"slug": "about-us"}
    )
    translate(page, sr_locale, title="O nama", slug="o-nama")
    serbian.home_sq.get_translation(sr_locale).unpublish()
    html = client.get("/sq/rreth-nesh/", HTTP_HOST=serbian.hostname).content.decode()
    assert set(hreflangs(html)) == {"sq", "en", "x-default"}
    assert set(links(html, "Gjuha")) == {"sq", "en"}
