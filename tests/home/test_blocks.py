"""Every shared block renders, and embeds never break a page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document
from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from home.blocks import BaseStreamBlock
from home.templatetags import embed_tags


@pytest.fixture
def image(db):
    return Image.objects.create(title="Foto", file=get_test_image_file())


@pytest.fixture
def document(db):
    return Document.objects.create(
        title="Deklarata", file=SimpleUploadedFile("deklarata.pdf", b"%PDF-1.4 test")
    )


def render(block_type, value):
    stream = BaseStreamBlock()
    stream_value = stream.to_python([{"type": block_type, "value": value}])
    return stream_value[0].render()  # as {% include_block %} renders it in templates


def test_heading_levels(db):
    assert render("heading", {"text": "Misioni", "level": "h2"}).strip().startswith("<h2")
    assert "<h3" in render("heading", {"text": "Nën", "level": "h3"})


def test_paragraph_keeps_allowed_markup(db):
    html = render("paragraph", "<p>Tekst <b>i trashë</b></p>")
    assert "<b>i trashë</b>" in html


def test_image_with_caption_and_alt(image):
    html = render("image", {"image": image.pk, "alt_text": "Vullnetarë", "caption": "Në Prizren"})
    assert 'alt="Vullnetarë"' in html
    assert "<figcaption>Në Prizren</figcaption>" in html
    assert 'loading="lazy"' in html and "srcset" in html


def test_quote(db):
    html = render("quote", {"quote": "Zëri ka rëndësi", "attribution": "Ana"})
    assert "<blockquote>" in html and "Ana" in html


def test_call_to_action_external_and_page(db, org):
    html = render(
        "call_to_action",
        {
            "text": "Bëhu anëtar",
            "external_url": "https://example.org/",
            "page": None,
            "style": "primary",
        },
    )
    assert 'href="https://example.org/"' in html
    html = render(
        "call_to_action",
        {"text": "Ballina", "page": org.home_sq.pk, "external_url": "", "style": "secondary"},
    )
    assert 'class="button button--secondary"' in html and 'href="/sq/"' in html


def test_call_to_action_needs_a_target(db):
    from wagtail.blocks import StructBlockValidationError

    from home.blocks import CallToActionBlock

    block = CallToActionBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"text": "Pa lidhje", "page": None, "external_url": ""}))
    value = block.clean(
        block.to_python({"text": "Me lidhje", "page": None, "external_url": "https://example.org/"})
    )
    assert 'href="https://example.org/"' in block.render(value)


def test_document_link(document):
    html = render("document", {"document": document.pk, "title": ""})
    assert "Deklarata" in html and "PDF" in html


def test_embed_falls_back_to_a_link_when_the_provider_fails(db):
    # tests use an offline embed finder: every provider is unreachable
    html = render("embed", {"url": "https://www.youtube.com/watch?v=abc", "title": "Kongresi"})
    assert '<a href="https://www.youtube.com/watch?v=abc"' in html
    assert "Kongresi" in html
    assert "iframe" not in html


@pytest.mark.parametrize(
    "error", [EmbedNotFoundException("no"), OSError("network down"), ValueError("bad JSON")]
)
def test_safe_embed_swallows_provider_errors(monkeypatch, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(embed_tags.embeds, "get_embed", broken)
    assert embed_tags.embed_html("https://www.facebook.com/x/videos/1/") == ""


def test_safe_embed_returns_player_html(monkeypatch):
    class Embed:
        html = '<iframe src="https://www.youtube.com/embed/abc"></iframe>'

    monkeypatch.setattr(embed_tags.embeds, "get_embed", lambda *a, **k: Embed())
    assert "iframe" in embed_tags.embed_html("https://www.youtube.com/watch?v=abc")


def test_every_block_has_description_and_group():
    for name, block in BaseStreamBlock().child_blocks.items():
        assert block.meta.description, name
        assert block.meta.group, name
