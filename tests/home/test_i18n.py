import re
import xml.etree.ElementTree as ET

import pytest

from home.models import StandardPage


def links(html, nav_label):
    """{language: url} of the language switcher labelled ``nav_label``."""
    nav = re.search(rf'<nav[^>]*aria-label="{nav_label}"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return {lang: url for url, lang in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav)}


def hreflangs(html):
    return dict(
        (lang, url)
        for lang, url in re.findall(
            r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html
        )
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("en-GB,en;q=0.9", "/en/"), ("sq", "/sq/"), ("", "/sq/"), ("de-DE,fr;q=0.8", "/sq/")],
)
def test_root_redirects_to_preferred_language(client, org, accept, expected):
    response = client.get("/", HTTP_HOST=org.hostname, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_switcher_links_to_the_translation(client, org, standard_page):
    html = client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname).content.decode()
    assert links(html, "Gjuha") == {"sq": "/sq/rreth-nesh/", "en": "/en/about-us/"}
    html = client.get("/en/about-us/", HTTP_HOST=org.hostname).content.decode()
    assert links(html, "Language") == {"sq": "/sq/rreth-nesh/", "en": "/en/about-us/"}


def test_switcher_falls_back_to_home_when_untranslated(client, org):
    org.add_page(StandardPage(title="Vetëm shqip", slug="vetem-shqip"))
    response = client.get("/sq/vetem-shqip/", HTTP_HOST=org.hostname)
    html = response.content.decode()
    switch = links(html, "Gjuha")
    assert switch["en"] == "/en/"
    assert client.get(switch["en"], HTTP_HOST=org.hostname).status_code == 200
    # Only the page itself is an alternate, plus x-default.
    assert hreflangs(html) == {
        "sq": "http://org-a.example/sq/vetem-shqip/",
        "x-default": "http://org-a.example/sq/vetem-shqip/",
    }


def test_html_lang_and_hreflang_alternates(client, org, standard_page):
    html = client.get("/en/about-us/", HTTP_HOST=org.hostname).content.decode()
    assert '<html lang="en"' in html
    assert hreflangs(html) == {
        "sq": "http://org-a.example/sq/rreth-nesh/",
        "en": "http://org-a.example/en/about-us/",
        "x-default": "http://org-a.example/sq/rreth-nesh/",
    }


def test_unpublished_translation_is_not_offered(client, org, standard_page):
    _, page_en = standard_page
    page_en.unpublish()
    html = client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname).content.decode()
    assert links(html, "Gjuha")["en"] == "/en/"
    assert 'hreflang="en"' not in re.search(r"<head>.*</head>", html, re.S).group(0)


def test_interface_strings_are_translated(client, org):
    sq = client.get("/sq/", HTTP_HOST=org.hostname).content.decode()
    en = client.get("/en/", HTTP_HOST=org.hostname).content.decode()
    assert "Kalo te përmbajtja kryesore" in sq
    assert "Skip to main content" in en
    assert 'aria-label="Menyja kryesore"' in sq
    assert "Slogani shqip" in sq and "English tagline" in en


def test_sitemap_lists_every_page_in_every_language(client, org, standard_page):
    org.add_page(StandardPage(title="Vetëm shqip", slug="vetem-shqip"))
    response = client.get("/sitemap.xml", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(response.content)
    entries = {
        url.find("s:loc", ns).text: {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)
        }
        for url in root.findall("s:url", ns)
    }
    base = "http://org-a.example"
    assert set(entries) == {
        f"{base}/sq/",
        f"{base}/en/",
        f"{base}/sq/rreth-nesh/",
        f"{base}/en/about-us/",
        f"{base}/sq/vetem-shqip/",
    }
    assert entries[f"{base}/en/about-us/"] == {
        "sq": f"{base}/sq/rreth-nesh/",
        "en": f"{base}/en/about-us/",
        "x-default": f"{base}/sq/rreth-nesh/",
    }
    assert entries[f"{base}/sq/vetem-shqip/"] == {
        "sq": f"{base}/sq/vetem-shqip/",
        "x-default": f"{base}/sq/vetem-shqip/",
    }


def test_robots_txt_points_at_the_sitemap(client, org):
    response = client.get("/robots.txt", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sitemap: http://org-a.example/sitemap.xml" in body
    assert "Disallow: /admin/" in body


@pytest.mark.parametrize(("lang", "text"), [("sq", "Faqja nuk u gjet"), ("en", "Page not found")])
def test_not_found_page_is_translated(client, org, lang, text):
    response = client.get(f"/{lang}/nuk-ekziston/", HTTP_HOST=org.hostname)
    assert response.status_code == 404
    html = response.content.decode()
    assert text in html
    assert f'<html lang="{lang}"' in html


def test_unknown_admin_path_is_a_plain_404(client, org, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/no-such-screen/", HTTP_HOST=org.hostname)
    assert response.status_code == 404


def test_unknown_public_path_without_language_goes_to_the_language_version(client, org):
    response = client.get("/rreth-nesh/", HTTP_HOST=org.hostname)
    assert response.status_code == 302
    assert response["Location"] == "/sq/rreth-nesh/"
