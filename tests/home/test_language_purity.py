"""Every demo page is in one language: an English page holds no Albanian text and an
Albanian page no English text, in any StreamField block, button, alt text, meta
description or share link.

Two checks, on the visible text and the attributes a visitor or a sharing service
reads (an element marked with another ``lang``, such as the language switcher, is
left out):

- no text of the demo data (home/demo_data/*.toml) that exists only in the other
  language appears on the page;
- no common word of the other language appears on the page (this also catches
  interface strings left untranslated).

Loading the demo takes a while, so one test loads it and walks every page.
"""

import html
import io
import re
import tomllib
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.core.management import call_command
from wagtail.models import Site

from home.demo import DATA_DIR
from membership.constants import MUNICIPALITIES
from tests.home.test_metadata import DEMO_PAGE_TYPES, REQUIRED, HeadMeta, check_metadata

# Words that are common in one language and do not occur in the other.
MARKERS = {
    "sq": re.compile(r"\b(dhe|është|janë|për|një|nuk|të|në|që|së|tona|ynë|juaj|tuaja)\b", re.I),
    "en": re.compile(r"\b(the|and|with|your|you|our|this|of|to|is|are|for)\b", re.I),
}
OTHER = {"sq": "en", "en": "sq"}
MUNICIPALITY_NAMES = {str(name) for _code, name in MUNICIPALITIES}
# Attributes a visitor (or a screen reader) reads.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
# Meta tags whose content is shown by search engines and sharing services.
READ_META = {
    "description",
    "og:title",
    "og:description",
    "og:image:alt",
    "twitter:title",
    "twitter:description",
    "twitter:image:alt",
}
# Query parameters of share links that carry the text to be shared.
SHARE_PARAMETERS = {"text", "title", "body", "subject", "quote", "summary"}
SKIP_TAGS = {"script", "style", "template"}
VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class ReadableText(HTMLParser):
    """The texts of a page in the page's language, one string per text node or
    attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.language = None
        self.texts = []
        self.skipping = []  # tags whose content is left out, innermost last

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.language = (attrs.get("lang") or "").split("-")[0]
            return
        if self.skipping:
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        lang = (attrs.get("lang") or "").split("-")[0]
        if tag in SKIP_TAGS or (lang and lang != self.language):
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "meta" and (attrs.get("name") or attrs.get("property")) in READ_META:
            self.texts.append(attrs.get("content") or "")
        if tag in {"input", "button"} and attrs.get("type") in {"submit", "button"}:
            self.texts.append(attrs.get("value") or "")
        if tag == "a" and attrs.get("href", "").startswith(("http", "mailto:")):
            for name, value in parse_qsl(urlsplit(attrs["href"]).query):
                if name in SHARE_PARAMETERS:
                    self.texts.append(value)

    def handle_endtag(self, tag):
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data)


def readable(page_html):
    parser = ReadableText()
    parser.feed(page_html)
    return parser.language, " | ".join(" ".join(text.split()) for text in parser.texts)


def one_language_texts():
    """{"sq": texts only in Albanian, "en": texts only in English} of the demo data."""
    pairs = []

    def walk(value):
        if isinstance(value, dict):
            if value.keys() == {"sq", "en"}:
                pairs.append((value["sq"], value["en"]))
            else:
                for item in value.values():
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(DATA_DIR.glob("*.toml")):
        with open(path, "rb") as file:
            walk(tomllib.load(file))
    words = {"sq": {sq for sq, _en in pairs}, "en": {en for _sq, en in pairs}}
    only = {}
    for code in ("sq", "en"):
        both = " | ".join(words[OTHER[code]])
        only[code] = {
            " ".join(html.unescape(text).split())
            for text in words[code]
            # "{name}" texts are filled in; a text also found in the other language
            # (a name, a number) is not a sign of either, nor is the official name of a
            # municipality (forms list them in Albanian in both languages).
            if "{name}" not in text and text not in both and text not in MUNICIPALITY_NAMES
        }
    return only


def problems(page_html, expected, only):
    """What on this page is in the other language than ``expected``."""
    language, text = readable(page_html)
    found = []
    if language != expected:
        found.append(f'<html lang="{language}">')
    other = OTHER[expected]
    for data_text in only[other]:
        at = text.find(data_text)
        if at >= 0:
            found.append(f"text {data_text!r} in …{text[max(at - 40, 0) : at + 80]}…")
    for match in MARKERS[other].finditer(text):
        start = max(match.start() - 40, 0)
        found.append(f"word {match.group()!r} in …{text[start : match.end() + 40]}…")
    return found


def demo_urls():
    """(host, url, language, page) of every live demo page, with its sub-pages (their
    page None)."""
    for site in Site.objects.all():
        host = f"{site.hostname}:{site.port}"
        for home in site.root_page.get_translations(inclusive=True):
            language = home.locale.language_code
            for page in home.get_descendants(inclusive=True).live().specific():
                url = page.get_url()
                yield host, url, language, page
                if page.specific_class.__name__ == "CampaignPage":
                    for subpath in ("statement/print/", "pledge/", "pledge/print/"):
                        yield host, url + subpath, language, None
                # The routes a page lists in the sitemap (a campaign's candidates).
                full_url = page.get_full_url()
                for entry in page.get_sitemap_urls()[1:]:
                    yield host, url + entry["location"][len(full_url) :], language, None


def test_every_demo_page_is_in_one_language_and_has_its_metadata(
    db, client, settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "purity")
    Site.objects.all().delete()
    call_command("load_demo", stdout=io.StringIO())
    only = one_language_texts()
    assert len(only["sq"]) > 100 and len(only["en"]) > 100

    checked, report, types = 0, [], set()
    for host, url, language, page in demo_urls():
        response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 200, url
        checked += 1
        body = response.content.decode()
        found = problems(body, language, only)
        report += [f"{host}{url}: {problem}" for problem in found]
        if page is not None:
            check_metadata(page, body, host)
            types.add(page._meta.model_name)
    assert checked > 30
    assert not report, "\n".join(report)
    assert DEMO_PAGE_TYPES <= types, DEMO_PAGE_TYPES - types
    for site in Site.objects.all():
        host = f"{site.hostname}:{site.port}"
        search = client.get("/en/search/", {"q": "kosovo"}, HTTP_HOST=host)
        head = HeadMeta(search.content.decode())
        for key in REQUIRED:
            head.one(key)


def test_the_check_finds_a_sentence_in_the_other_language():
    only = {"sq": {"Misioni ynë"}, "en": {"Our mission"}}
    english = '<html lang="en"><body><h2>Our mission</h2><p>{}</p></body></html>'
    assert problems(english.format("We work together."), "en", only) == []
    assert problems(english.format("Misioni ynë"), "en", only)
    assert problems(english.format("Punojmë për një shoqëri të drejtë."), "en", only)
    # Alt text, meta descriptions and share links count too.
    assert problems('<html lang="en"><img alt="Një foto"></html>', "en", only)
    meta = '<html lang="en"><meta name="description" content="Kush jemi dhe çfarë duam"></html>'
    assert problems(meta, "en", only)
    share = (
        '<html lang="sq"><a href="https://x.com/intent/post?text=Join+the+campaign">X</a></html>'
    )
    assert problems(share, "sq", only)
    # The language switcher names the other language in that language.
    switcher = '<html lang="sq"><a lang="en" hreflang="en" href="/en/">English: our site</a></html>'
    assert problems(switcher, "sq", only) == []
