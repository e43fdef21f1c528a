"""StreamField blocks shared by every page type.

Blocks that only one app uses (agenda item, livestream, demand) live in that app's
own ``blocks.py``; these are the common vocabulary of all pages.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

GROUP_TEXT = _("Text")
GROUP_MEDIA = _("Media")
GROUP_ACTIONS = _("Actions")


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        label = _("Heading")
        group = GROUP_TEXT
        description = _("A heading that starts a section of the page")
        preview_value = {"text": "Misioni ynë", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "features", ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul"]
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph.html"
        label = _("Paragraph")
        group = GROUP_TEXT
        description = _("Paragraphs of text with links and lists")
        preview_value = "<p>Një lëvizje qytetare për një Kosovë të barabartë.</p>"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        max_length=250,
        help_text=_(
            "Describe the image for people who cannot see it. Leave empty if it is "
            "purely decorative."
        ),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)

    class Meta:
        icon = "image"
        template = "blocks/image.html"
        label = _("Image")
        group = GROUP_MEDIA
        description = _("An image with an optional caption")


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"
        label = _("Quote")
        group = GROUP_TEXT
        description = _("A quotation with the name of who said it")
        preview_value = {
            "quote": "Zëri i secilit qytetar ka rëndësi.",
            "attribution": "Një vullnetare nga Prizreni",
        }


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Button text"), max_length=80)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    external_url = blocks.URLBlock(label=_("Or external link"), required=False)
    style = blocks.ChoiceBlock(
        label=_("Style"),
        choices=[("primary", _("Primary")), ("secondary", _("Secondary"))],
        default="primary",
    )

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("external_url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": ValidationError(_("Choose a page or enter a link."))}
            )
        return value

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action.html"
        label = _("Call to action")
        group = GROUP_ACTIONS
        description = _("A button that leads to a page, such as joining or volunteering")
        preview_value = {
            "text": "Bëhu anëtar",
            "external_url": "https://example.org/",
            "style": "primary",
        }


class EmbedWithFallbackBlock(blocks.StructBlock):
    """An embedded video or post; when the provider cannot be reached, a plain link."""

    url = EmbedBlock(label=_("Link to the video or post"))
    title = blocks.CharBlock(
        label=_("Title"),
        max_length=200,
        help_text=_("Shown as the link text when the video cannot be embedded."),
    )

    class Meta:
        icon = "media"
        template = "blocks/embed.html"
        label = _("Video or post")
        group = GROUP_MEDIA
        description = _("A video or post from YouTube, Facebook and similar sites")


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the document's title."),
    )

    class Meta:
        icon = "doc-full"
        template = "blocks/document_link.html"
        label = _("Document")
        group = GROUP_MEDIA
        description = _("A link to download a document, with its type and size")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    embed = EmbedWithFallbackBlock()
    document = DocumentLinkBlock()
