"""Stored XSS: hostile text typed by the public (names, motivation) or by an editor
(page titles, block content, organisation settings) comes out only escaped on every
public page, admin listing, detail view and email; rich text keeps only the
features its field allows."""

import json

import pytest
from django.core import mail
from django.utils.html import escape
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.models import Locale

from home.models import OrganisationText, StandardPage

from .conftest import HOST

membership_models = pytest.importorskip("membership.models")
from tests.membership.conftest import join_data  # noqa: E402

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "'><svg onload=alert('xss-3')>",
    "</title><script>alert('xss-4')</script>",
    "<a href=\"javascript:alert('xss-5')\">x</a>",
    "{{ request.user.password }}{% debug %}",
]
# What must never appear in a page: the active part of each payload, unescaped.
ACTIVE = [
    "<script>alert(",
    "<img src=x onerror",
    "<svg onload",
    'href="javascript:',
    "{% debug %}",  # not rendered as a template either: the raw text is fine escaped
]


def assert_inert(html, where):
    for fragment in ACTIVE[:4]:
        assert fragment not in html, f"{fragment!r} unescaped in {where}"


@pytest.fixture
def join_page(org):
    page, _ = org.add_page(
        membership_models.JoinPage(
            title="Bëhu anëtar",
            slug="behu-anetar",
            intro="<p>Bashkohu me ne.</p>",
            consent_text="Pajtohem.",
            thank_you="Faleminderit!",
        ),
        en_fields={"title": "Become a member", "slug": "become-a-member"},
    )
    return page


def test_public_submissions_are_escaped_everywhere(
    client, settings, org, join_page, superuser, django_capture_on_commit_callbacks
):
    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    for number, payload in enumerate(PAYLOADS):
        data = join_data(
            given_name=payload[:100],
            family_name=payload[:100],
            motivation=payload,
            email=f"xss{number}@example.org",
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(join_page.url, data, HTTP_HOST=HOST)
        assert response.status_code in (200, 302)
        assert_inert(response.content.decode(), "the join page after posting")
    people = membership_models.Supporter.objects.filter(email__startswith="xss")
    assert people.count() == len(PAYLOADS), "the payloads were refused, not stored"

    # Emails: the plain text is text; the HTML part (if any) is escaped.
    assert mail.outbox
    for message in mail.outbox:
        for content, mimetype in getattr(message, "alternatives", []):
            if "html" in mimetype:
                assert_inert(content, "a confirmation email")

    # The admin: listing, search, detail, and each person's export.
    client.force_login(superuser)
    listing = client.get("/admin/people/", HTTP_HOST=HOST)
    assert listing.status_code == 200
    assert_inert(listing.content.decode(), "the people listing")
    search = client.get("/admin/people/?q=script", HTTP_HOST=HOST)
    assert_inert(search.content.decode(), "the people search")
    for person in people:
        detail = client.get(f"/admin/people/{person.pk}/", HTTP_HOST=HOST)
        assert detail.status_code == 200
        html = detail.content.decode()
        assert_inert(html, "a person's page")
        assert escape(person.given_name) in html  # shown, as text
        export = client.get(f"/admin/people/{person.pk}/export/", HTTP_HOST=HOST)
        assert export.status_code == 200
        assert not export["Content-Type"].startswith("text/html")


@pytest.fixture
def hostile_pages(org):
    """Pages, blocks and settings as a malicious editor would fill them in."""
    pages = []
    for number, payload in enumerate(PAYLOADS):
        body = json.dumps(
            [
                {"type": "heading", "value": {"text": payload[:200], "level": "h2"}},
                {"type": "quote", "value": {"quote": payload, "attribution": payload[:200]}},
                {
                    "type": "call_to_action",
                    "value": {"text": payload[:80], "page": None, "external_url": ""},
                },
            ]
        )
        page, _ = org.add_page(
            StandardPage(
                title=payload,
                slug=f"faqe-{number}",
                intro=payload,
                seo_title=payload[:255],
                search_description=payload,
                show_in_menus=True,
                body=body,
            )
        )
        pages.append(page)
    for text in OrganisationText.objects.filter(settings=org.settings):
        text.name = PAYLOADS[1][:200]
        text.tagline = PAYLOADS[0]
        text.postal_address = PAYLOADS[2]
        text.save()
    org.settings.email = "x@example.org"
    org.settings.phone = PAYLOADS[1][:40]
    org.settings.save()
    from home.cache import invalidate_sites

    invalidate_sites()
    return pages


def test_editor_content_is_escaped_on_public_pages(client, org, hostile_pages):
    urls = [page.url for page in hostile_pages] + [
        "/sq/",
        "/sq/search/?q=alert",
        "/sq/no-such-page/",
    ]
    for url in urls:
        response = client.get(url, HTTP_HOST=HOST)
        assert response.status_code in (200, 404), url
        assert_inert(response.content.decode(), url)
    sitemap = client.get("/sitemap.xml", HTTP_HOST=HOST).content.decode()
    assert "<script>" not in sitemap


def test_editor_content_is_escaped_in_the_admin(client, org, hostile_pages, superuser):
    client.force_login(superuser)
    page = hostile_pages[0]
    for url in [
        f"/admin/pages/{org.home_sq.pk}/",
        f"/admin/pages/{page.pk}/edit/",
        f"/admin/pages/{page.pk}/history/",
        f"/admin/pages/{page.pk}/revisions/{page.latest_revision_id}/view/",
        "/admin/pages/search/?q=alert",
        f"/admin/settings/home/organisationsettings/{org.site.pk}/",
        "/admin/",
    ]:
        response = client.get(url, HTTP_HOST=HOST)
        assert response.status_code == 200, url
        html = response.content.decode()
        # The admin's own inline scripts exist; the payloads' must not.
        for fragment in ("<script>alert('xss-1')", "<img src=x onerror", "<svg onload"):
            assert fragment not in html, f"{fragment!r} unescaped in {url}"


def test_rich_text_keeps_only_allowed_features():
    converter = ContentstateConverter(features=["bold", "italic", "link", "ol", "ul"])
    contentstate = {
        "blocks": [
            {
                "key": "a",
                "type": "unstyled",
                "text": "<script>alert(1)</script> click",
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 27, "length": 5, "key": 0}],
            },
            {
                "key": "b",
                "type": "header-one",  # not an allowed feature of the field
                "text": "<img src=x onerror=alert(2)>",
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [],
            },
        ],
        "entityMap": {
            "0": {
                "type": "LINK",
                "mutability": "MUTABLE",
                "data": {"url": "javascript:alert(3)"},
            }
        },
    }
    html = converter.to_database_format(json.dumps(contentstate))
    assert "<script>" not in html and "<img" not in html
    assert "javascript:" not in html
    assert "<h1" not in html
    assert "&lt;script&gt;" in html


def test_link_blocks_refuse_script_urls():
    from django.core.exceptions import ValidationError

    from home.blocks import CallToActionBlock

    block = CallToActionBlock()
    with pytest.raises(ValidationError):
        block.clean({"text": "Kliko", "page": None, "external_url": "javascript:alert(1)"})


def test_translations_of_hostile_titles_are_escaped(client, org, hostile_pages):
    en = Locale.objects.get(language_code="en")
    page = hostile_pages[1]
    translation = page.copy_for_translation(en)
    translation.save_revision().publish()
    response = client.get(page.url, HTTP_HOST=HOST)
    assert_inert(response.content.decode(), "a page with a hostile translation")
