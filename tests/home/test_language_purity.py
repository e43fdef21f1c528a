"""Every demo page is in one language: an English page holds no Albanian or Serbian
text, an Albanian page no English or Serbian text and a Serbian page (Kosovo We Want)
no Albanian or English text, in any StreamField block, button, alt text, meta
description or share link.

Two checks, on the visible text and the attributes a visitor or a sharing service
reads (an element marked with another ``lang``, such as the language switcher, is
left out):

- no text of the demo data (home/demo_data/*.toml) that exists only in another
  language appears on the page;
- no common word of another language appears on the page (this also catches
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

from home.demo import DATA_DIR, is_text
from home.languages import site_language_codes
from membership.constants import MUNICIPALITIES
from tests.home.test_metadata import DEMO_PAGE_TYPES, REQUIRED, HeadMeta, check_metadata

# The languages of the demo pages, as <html lang> names them without the script
# ("sr" for "sr-latn").
LANGUAGES = ("sq", "sr", "en")
# Words that are common in one language and do not occur in the others (Serbian's
# shortest words, "i", "u", "na", "se", are Albanian words too and are left out).
MARKERS = {
    "sq": re.compile(r"\b(dhe|është|janë|për|një|nuk|të|në|që|së|tona|ynë|juaj|tuaja)\b", re.I),
    "sr": re.compile(
        r"\b(je|su|za|da|od|nije|koji|koja|koje|što|ili|kako|naš|naša|naše|vaš|vaša|vaše)\b",
        re.I,
    ),
    "en": re.compile(r"\b(the|and|with|your|you|our|this|of|to|is|are|for)\b", re.I),
}
# Markers of another language that are ordinary words of this one: English "to" is
# also Serbian ("that", "it").
ALSO_HERE = {"sr": {"to"}}
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


def others(code):
    return [other for other in LANGUAGES if other != code]


def short(code):
    """A language code without its script or region ("sr-latn" → "sr")."""
    return (code or "").split("-")[0]


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
            self.language = short(attrs.get("lang"))
            return
        if self.skipping:
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        lang = short(attrs.get("lang"))
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
    """{"sq": texts only in Albanian, "sr": texts only in Serbian, "en": texts only in
    English} of the demo data."""
    tables = []

    def walk(value):
        if isinstance(value, dict):
            if is_text(value):
                tables.append({short(code): text for code, text in value.items()})
            else:
                for item in value.values():
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(DATA_DIR.glob("*.toml")):
        with open(path, "rb") as file:
            walk(tomllib.load(file))
    words = {code: {table[code] for table in tables if code in table} for code in LANGUAGES}
    only = {}
    for code in LANGUAGES:
        elsewhere = " | ".join(text for other in others(code) for text in words[other])
        only[code] = {
            " ".join(html.unescape(text).split())
            for text in words[code]
            # "{name}" texts are filled in; a text also found in another language (a
            # name, a number) is not a sign of either, nor is the official name of a
            # municipality (forms list them in Albanian in English too).
            if "{name}" not in text and text not in elsewhere and text not in MUNICIPALITY_NAMES
        }
    return only


def problems(page_html, expected, only):
    """What on this page is in another language than ``expected`` (a code of
    ``LANGUAGES`` or of settings.LANGUAGES)."""
    expected = short(expected)
    language, text = readable(page_html)
    found = []
    if language != expected:
        found.append(f'<html lang="{language}">')
    for other in others(expected):
        for data_text in only.get(other, ()):
            at = text.find(data_text)
            if at >= 0:
                found.append(f"text {data_text!r} in …{text[max(at - 40, 0) : at + 80]}…")
        for match in MARKERS[other].finditer(text):
            if match.group().lower() in ALSO_HERE.get(expected, ()):
                continue
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
    assert len(only["sq"]) > 100 and len(only["en"]) > 100 and len(only["sr"]) > 50

    checked, report, types, languages = 0, [], set(), set()
    for host, url, language, page in demo_urls():
        languages.add(language)
        response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 200, url
        checked += 1
        body = response.content.decode()
        found = problems(body, language, only)
        report += [f"{host}{url}: {problem}" for problem in found]
        if page is not None:
            check_metadata(page, body, host)
            types.add(page._meta.model_name)
    assert checked > 30 and languages == {"sq", "sr-latn", "en"}
    assert not report, "\n".join(report)
    assert DEMO_PAGE_TYPES <= types, DEMO_PAGE_TYPES - types
    for site in Site.objects.all():
        host = f"{site.hostname}:{site.port}"
        for code in site_language_codes(site):
            search = client.get(f"/{code}/search/", {"q": "kosovo"}, HTTP_HOST=host)
            body = search.content.decode()
            assert not problems(body, code, only), (host, code, problems(body, code, only))
            head = HeadMeta(body)
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


def test_the_check_knows_serbian_from_albanian_and_english():
    only = {"sq": {"Misioni ynë"}, "sr": {"Naša misija"}, "en": {"Our mission"}}
    serbian = '<html lang="sr-latn"><body><h2>Naša misija</h2><p>{}</p></body></html>'
    # Serbian "to" is not a sign of English on a Serbian page.
    assert problems(serbian.format("To je platforma za sve građane."), "sr-latn", only) == []
    assert problems(serbian.format("Join the platform."), "sr-latn", only)
    assert problems(serbian.format("Bashkohuni për një jetë të denjë."), "sr-latn", only)
    assert problems(serbian.format("Misioni ynë"), "sr-latn", only)
    # A Serbian sentence or text is found on an Albanian or English page…
    assert problems('<html lang="en"><p>Platforma je otvorena.</p></html>', "en", only)
    assert problems('<html lang="sq"><h2>Naša misija</h2></html>', "sq", only)
    # …but Albanian's short words that are Serbian too ("i", "u", "na", "se") are not.
    albanian = '<html lang="sq"><p>Kongresi i dytë u mbajt; na gjeni se ku.</p></html>'
    assert problems(albanian, "sq", only) == []
