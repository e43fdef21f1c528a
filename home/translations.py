"""What the project adds to wagtail-localize's translations.

**Synchronised values reach live translations.** wagtail-localize copies a source's
synchronised values (``SynchronizedField``s: dates, times, numbers, links, images;
and the blocks of a translated StreamField that hold no text) into a translation
only when the translation is saved again from translation memory: a translator's
"Publish", or "Sync translated pages" with "Publish immediately". Either publishes
every string in translation memory, finished or not, and the source's text where
there is none. So when a source page or snippet is published (a snippet without
draft states: saved), ``propagate``

1. refreshes its ``TranslationSource`` (``update_from_db``, what "Sync translated
   pages" does), so that a translation published later starts from the new values
   and translators see the new text to translate;
2. copies the synchronised values onto the *live* version of each live translation
   (of an enabled wagtail-localize ``Translation``), except where the translation
   overrides them (wagtail-localize's ``SegmentOverride``), and publishes that as a
   new revision: the live text stays what was published;
3. saves a newer draft of the translation, if there is one, again on top with the
   same values, so it stays the latest draft, unpublished.

Draft translations are left as they are: publishing one takes the values from the
refreshed source. A change of structure (a block or a demand added or removed)
waits for the translator, as the text it brings does.

**A translated page's slug follows its translated title.** wagtail-localize
translates the slug as a string like any other and, until a translator does, keeps
the source's. When a page's title is translated and its slug is not, the slug's
translation is the translated title made into a slug (wagtail-localize then makes it
unique among the page's siblings when it saves the page). When the source's slug
changes, a live translation that has an address of its own keeps it.
"""

import html
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ManyToOneRel
from django.db.models.signals import post_save
from django.shortcuts import redirect
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import ngettext
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import DraftStateMixin, Page, TranslatableMixin
from wagtail.signals import published
from wagtail.snippets.blocks import SnippetChooserBlock
from wagtail.snippets.models import get_snippet_models
from wagtail_localize.fields import get_translatable_fields
from wagtail_localize.models import (
    SegmentOverride,
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)

logger = logging.getLogger(__name__)

# Blocks whose value holds no text: wagtail-localize takes them from the source (or
# an override) whenever it saves a translation. Any other block keeps the
# translation's value.
VALUE_BLOCKS = (
    blocks.URLBlock,
    blocks.EmailBlock,
    blocks.DateBlock,
    blocks.TimeBlock,
    blocks.DateTimeBlock,
    blocks.IntegerBlock,
    blocks.FloatBlock,
    blocks.DecimalBlock,
    blocks.BooleanBlock,
    blocks.ChoiceBlock,
    blocks.MultipleChoiceBlock,
    blocks.PageChooserBlock,
    ImageChooserBlock,
    DocumentChooserBlock,
    EmbedBlock,
)


# Synchronised values ---------------------------------------------------------------


def _is_value_block(block):
    if isinstance(block, SnippetChooserBlock):
        # A translatable snippet is replaced by its translation, like text.
        return not issubclass(block.target_model, TranslatableMixin)
    return isinstance(block, VALUE_BLOCKS)


def _merge_items(child_block_of, source_items, target_items, overridden, path):
    """Items of a stream or list (raw ``{"type", "value", "id"}``): each item of the
    translation takes the values of the source's item with the same id."""
    by_id = {item.get("id"): item for item in source_items if isinstance(item, dict)}
    merged, changed = [], False
    for item in target_items:
        other = by_id.get(item.get("id")) if isinstance(item, dict) else None
        block = child_block_of(item) if other is not None else None
        if block is None or other.get("type") != item.get("type"):
            merged.append(item)
            continue
        value, item_changed = _merge_block(
            block, other["value"], item["value"], overridden, f"{path}.{item['id']}"
        )
        merged.append({**item, "value": value})
        changed |= item_changed
    return merged, changed


def _merge_block(block, source, target, overridden, path):
    """(the translation's raw block value with the source's values, changed?)."""
    if isinstance(block, blocks.StreamBlock):
        return _merge_items(
            lambda item: block.child_blocks.get(item.get("type")), source, target, overridden, path
        )
    if isinstance(block, blocks.ListBlock):
        if not all(isinstance(item, dict) and "id" in item for item in [*source, *target]):
            return target, False  # the list format without ids: leave it
        return _merge_items(lambda item: block.child_block, source, target, overridden, path)
    if isinstance(block, blocks.StructBlock):
        merged, changed = dict(target), False
        for name, child in block.child_blocks.items():
            if name in source and name in target:
                merged[name], child_changed = _merge_block(
                    child, source[name], target[name], overridden, f"{path}.{name}"
                )
                changed |= child_changed
        return merged, changed
    if not _is_value_block(block) or path in overridden or source == target:
        return target, False
    return source, True


def _copy_stream(field, source, target, overridden):
    prep = field.stream_block.get_prep_value
    value, changed = _merge_block(
        field.stream_block,
        prep(getattr(source, field.name)),
        prep(getattr(target, field.name)),
        overridden,
        field.name,
    )
    if changed:
        setattr(target, field.name, value)
    return changed


def _copy_children(relation, source, target, overridden, path):
    """Translatable child objects (a campaign's demands): each child of the
    translation takes the values of the source's child with its translation key."""
    accessor = relation.get_accessor_name()
    by_key = {child.translation_key: child for child in getattr(source, accessor).all()}
    children = list(getattr(target, accessor).all())
    changed = False
    for child in children:
        other = by_key.get(child.translation_key)
        if other is not None:
            changed |= copy_values(other, child, overridden, f"{path}.{child.translation_key}.")
    if changed:
        setattr(target, accessor, children)  # keep the changed children in memory
    return changed


def copy_values(source, target, overridden, prefix=""):
    """Copy onto ``target`` (a translation of ``source``) what wagtail-localize
    synchronises and does not translate, except the content paths in ``overridden``;
    returns whether anything changed."""
    changed = False
    model = type(source)
    for each in get_translatable_fields(model):
        field = each.get_field(model)
        path = prefix + field.name
        translated = each.is_translated(source)
        if isinstance(field, ManyToOneRel):
            if (
                translated
                and isinstance(field.remote_field, ParentalKey)
                and issubclass(field.related_model, TranslatableMixin)
            ):
                changed |= _copy_children(field, source, target, overridden, path)
        elif isinstance(field, StreamField) and translated:
            changed |= _copy_stream(field, source, target, overridden)
        elif not translated and each.is_synchronized(source) and field.concrete:
            if field.many_to_many or (each.is_overridable(source) and path in overridden):
                continue
            value = getattr(source, field.attname)
            if isinstance(field, StreamField):
                same = field.get_prep_value(value) == field.get_prep_value(
                    getattr(target, field.attname)
                )
            else:
                same = value == getattr(target, field.attname)
            if not same:
                setattr(target, field.attname, value)
                changed = True
    return changed


def overridden_paths(instance):
    """Content paths the translation ``instance`` overrides (as wagtail-localize
    applies them: overrides with an error are not)."""
    return set(
        SegmentOverride.objects.filter(
            locale_id=instance.locale_id,
            context__object_id=instance.translation_key,
            has_error=False,
        ).values_list("context__path", flat=True)
    )


def update_translation(source, target):
    """Bring ``source``'s synchronised values to the translation ``target`` as
    published, keeping a newer draft of it the latest draft."""
    overridden = overridden_paths(target)
    if not isinstance(target, DraftStateMixin):
        if copy_values(source, target, overridden):
            target.save()  # a snippet without drafts is live as it is saved
        return
    if not target.live:
        return  # a draft: publishing it takes the values from the source
    if isinstance(target, Page) and target.alias_of_id:
        return  # Wagtail keeps aliases up to date itself
    draft = None
    if target.has_unpublished_changes and target.latest_revision_id != target.live_revision_id:
        draft = target.get_latest_revision_as_object()
    if not copy_values(source, target, overridden):
        return
    # The page row (a snippet's row) holds the live version.
    target.save_revision(clean=False, log_action=True).publish(log_action=True)
    if draft is not None:
        copy_values(source, draft, overridden)
        draft.save_revision(clean=False, log_action=True)


def propagate(instance):
    """``instance``, a source of translations, was published: see the module's doc."""
    source = TranslationSource.objects.filter(
        object_id=instance.translation_key, locale_id=instance.locale_id
    ).first()
    if source is None:
        return
    translations = list(source.translations.filter(enabled=True).select_related("source"))
    if not translations:
        return
    source.update_from_db()
    for translation in translations:
        try:
            target = translation.get_target_instance()
        except ObjectDoesNotExist:
            continue
        try:
            with transaction.atomic():
                update_translation(instance, target)
        except (ValidationError, IntegrityError):
            logger.exception("Synchronised values not brought to %r", target)


def _published(sender, instance, **kwargs):
    # Not live: its publishing is scheduled for later (Wagtail sends the signal then too).
    if isinstance(instance, TranslatableMixin) and instance.live:
        propagate(instance)


def _saved(sender, instance, created=False, raw=False, **kwargs):
    """Snippets without draft states are live as they are saved."""
    if (
        created
        or raw
        or not isinstance(instance, TranslatableMixin)
        or isinstance(instance, (DraftStateMixin, Page))
        or sender not in get_snippet_models()
    ):
        return
    propagate(instance)


# Slugs -----------------------------------------------------------------------------


def _as_slug(text):
    return slugify(
        html.unescape(strip_tags(text)), allow_unicode=settings.WAGTAIL_ALLOW_UNICODE_SLUGS
    )


def ensure_slug_translation(segment, locale_id):
    """Translate the slug ``segment`` of a page into ``locale_id`` if nobody has:
    with the translation's own slug where it has one, else its translated title."""
    if StringTranslation.objects.filter(
        translation_of_id=segment.string_id, context_id=segment.context_id, locale_id=locale_id
    ).exists():
        return
    key = segment.context.object_id
    target = Page.objects.filter(translation_key=key, locale_id=locale_id).first()
    if target is not None and target.live and target.slug != segment.string.data:
        slug = target.slug  # a published address of its own
    else:
        title = StringTranslation.objects.filter(
            context__object_id=key, context__path="title", locale_id=locale_id
        ).first()
        slug = _as_slug(title.data) if title is not None else ""
    if slug:
        StringTranslation.objects.create(
            translation_of_id=segment.string_id,
            context_id=segment.context_id,
            locale_id=locale_id,
            data=slug,
            translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
        )


def _is_page_source(source):
    model = source.specific_content_type.model_class()
    return model is not None and issubclass(model, Page)


def _title_translated(sender, instance, raw=False, **kwargs):
    context = instance.context
    if raw or context is None or context.path != "title":
        return
    for segment in StringSegment.objects.filter(
        context__object_id=context.object_id, context__path="slug"
    ).select_related("source__specific_content_type", "string", "context"):
        if _is_page_source(segment.source):
            ensure_slug_translation(segment, instance.locale_id)


def _slug_changed(sender, instance, created=False, raw=False, **kwargs):
    """A new slug segment: the source's slug changed (or was first extracted)."""
    if raw or not created or instance.context.path != "slug":
        return
    if not _is_page_source(instance.source):
        return
    for translation in instance.source.translations.all():
        ensure_slug_translation(instance, translation.target_locale_id)


def connect():
    published.connect(_published, dispatch_uid="home_translations_published")
    post_save.connect(_saved, dispatch_uid="home_translations_saved")
    post_save.connect(_title_translated, sender=StringTranslation, dispatch_uid="home_title")
    post_save.connect(_slug_changed, sender=StringSegment, dispatch_uid="home_slug")


# -- Only a finished translation goes live ------------------------------------------------


def missing_strings(instance):
    """How many strings of the translation ``instance`` are not translated yet (0 for
    an object that is not a wagtail-localize translation)."""
    translation = (
        Translation.objects.filter(
            source__object_id=instance.translation_key,
            target_locale_id=instance.locale_id,
            enabled=True,
        )
        .exclude(source__locale_id=instance.locale_id)
        .first()
    )
    if translation is None:
        return 0
    total, translated = translation.get_progress()
    return total - translated


def refuse_unfinished_publish(request, instance):
    """``before_edit_page``/``before_edit_snippet``, before wagtail-localize's own: its
    translation editor's "Publish" (``action=publish``) would publish the source's
    text wherever a string is not translated yet, so it waits until all are."""
    if request.method != "POST" or request.POST.get("action") != "publish":
        return None
    missing = missing_strings(instance)
    if not missing:
        return None
    messages.error(
        request,
        ngettext(
            "Not published: %(count)d text is not translated yet. A translation goes "
            "live once every text is translated.",
            "Not published: %(count)d texts are not translated yet. A translation goes "
            "live once every text is translated.",
            missing,
        )
        % {"count": missing},
    )
    return redirect(request.get_full_path())
