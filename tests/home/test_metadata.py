"""Sharing and search metadata: a plain-text description, Open Graph and Twitter
cards with absolute URLs and an image, og:locale per language, on every page type."""

from collections import defaultdict
from html.parser import HTMLParser

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from home.models import StandardPage
from home.templatetags.meta_tags import plain_text


class HeadMeta(HTMLParser):
    """The <meta> and <link rel=canonical> tags of a page, by name or property."""

    def __init__(self, html):
        super().__init__()
        self.tags = defaultdict(list)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.tags[key].append(attrs.get("content", ""))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.tags["canonical"].append(attrs["href"])

    def one(self, key):
        values = self.tags.get(key, [])
        assert len(values) == 1, (key, values)
        return values[0]


REQUIRED = (
    "description",
    "og:type",
    "og:title",
    "og:description",
    "og:url",
    "og:locale",
    "twitter:card",
    "twitter:title",
    "twitter:description",
)


def assert_plain(text):
    assert text and text == text.strip()
    assert "<" not in text and ">" not in text, text
    assert "&amp;" not in text and "&nbsp;" not in text and "&#" not in text, text
    assert "  " not in text and "\n" not in text, text
    assert len(text) <= 160, text


def test_plain_text_strips_tags_reads_entities_and_truncates():
    assert plain_text("<p>Arsimi &amp; <b>shëndetësia</b></p>\n\n  për   të gjithë") == (
        "Arsimi & shëndetësia për të gjithë"
    )
    assert plain_text("fjalë " * 100).endswith("…")
    assert len(plain_text("fjalë " * 100)) <= 160
    assert plain_text(None) == ""


@pytest.fixture
def about(org):
    return org.add_page(
        StandardPage(
            title="Rreth nesh",
            slug="rreth-nesh",
            intro="Ne jemi <b>lëvizje</b> &amp; komunitet.\n\n   Bashkohuni me ne.",
        ),
        en_fields={"title": "About us", "slug": "about-us", "intro": "We are a movement."},
    )


def test_a_page_has_plain_description_and_cards_per_language(client, org, about):
    sq = HeadMeta(client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname).content.decode())
    for key in REQUIRED:
        sq.one(key)
    assert sq.one("description") == "Ne jemi lëvizje & komunitet. Bashkohuni me ne."
    assert sq.one("og:description") == sq.one("description")
    assert sq.one("og:title") == "Rreth nesh"
    assert sq.one("og:url") == sq.one("canonical") == "http://org-a.example/sq/rreth-nesh/"
    assert sq.one("og:type") == "website"
    assert sq.one("og:locale") == "sq_AL"
    assert sq.tags["og:locale:alternate"] == ["en_GB"]
    assert "og:image" not in sq.tags and sq.one("twitter:card") == "summary"

    en = HeadMeta(client.get("/en/about-us/", HTTP_HOST=org.hostname).content.decode())
    assert en.one("og:locale") == "en_GB"
    assert en.tags["og:locale:alternate"] == ["sq_AL"]
    assert en.one("og:url") == "http://org-a.example/en/about-us/"


def test_without_an_image_of_its_own_a_page_shares_the_organisation_image(
    client, org, about, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    org.settings.share_image = Image.objects.create(
        title="Logo e madhe", file=get_test_image_file(), description="Logoja e organizatës"
    )
    org.settings.save()
    head = HeadMeta(client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname).content.decode())
    image = head.one("og:image")
    assert image.startswith("http://org-a.example/") and image.endswith((".png", ".jpg"))
    assert head.one("twitter:image") == image
    assert head.one("twitter:card") == "summary_large_image"
    assert int(head.one("og:image:width")) > 0 and int(head.one("og:image:height")) > 0


def test_search_page_has_cards_too(client, org):
    head = HeadMeta(client.get("/sq/search/", {"q": "x"}, HTTP_HOST=org.hostname).content.decode())
    for key in REQUIRED:
        head.one(key)
    assert head.one("og:url") == "http://org-a.example/sq/search/"
    assert head.one("og:title") == "Kërko"
    assert head.one("og:locale") == "sq_AL"


# Every page type the demo publishes (the form pages and indexes included); the
# walk over every demo page (tests/home/test_language_purity.py) checks each with
# ``check_metadata``.
DEMO_PAGE_TYPES = {
    "homepage",
    "movementpage",
    "standardpage",
    "campaignindexpage",
    "campaignpage",
    "congressindexpage",
    "congresspage",
    "newsindexpage",
    "newspage",
    "joinpage",
    "volunteerpage",
}


def check_metadata(page, html, host):
    """The sharing and search metadata of ``page`` as served on ``host``."""
    head = HeadMeta(html)
    for key in REQUIRED:
        head.one(key)
    assert_plain(head.one("description"))
    assert head.one("og:url") == head.one("canonical") == page.get_full_url()
    assert head.one("og:url").startswith(f"http://{host}/")
    language = page.locale.language_code
    assert head.one("og:locale") == {"sq": "sq_AL", "en": "en_GB", "sr-latn": "sr_RS"}[language]
    assert head.tags["og:locale:alternate"], page.url
    assert head.one("og:type") == ("article" if page._meta.model_name == "newspage" else "website")
    if getattr(page, "image", None) is not None:
        assert head.one("og:image").startswith(f"http://{host}/")
    for key in ("og:image", "twitter:image"):
        for value in head.tags.get(key, []):
            assert value.startswith(f"http://{host}/"), value


def test_a_share_image_whose_file_is_gone_leaves_the_picture_out_not_the_page(
    client, org, about, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.create(title="Logo e madhe", file=get_test_image_file())
    org.settings.share_image = image
    org.settings.save()
    (tmp_path / image.file.name).unlink()
    response = client.get("/sq/rreth-nesh/", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    head = HeadMeta(response.content.decode())
    assert "og:image" not in head.tags and head.one("twitter:card") == "summary"
