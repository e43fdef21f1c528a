"""What a page shares with its translations: its privacy, its deletion, its media.

Each organisation's site has an Albanian tree and an English translation of it
(wagtail-localize). A page and its translations are one page in several languages:

- **Translations follow their source page's privacy.** A view restriction set,
  changed or removed on a source page is the same on its translations
  (``home/security/restrictions.py`` keeps them in step); a translation's own privacy
  is not offered (``TranslationPermissionTester``), it is changed on the source.
- **Deleting or unpublishing a source page does the same to its translations.**
  Wagtail's delete and unpublish views ask the
  ``construct_translated_pages_to_cascade_actions`` hook which pages go with the page
  (``translations_deleted_with``, ``translations_unpublished_with``); the delete
  confirmation names them (``warn_about_translations``), the unpublish confirmation
  counts them (Wagtail's own text), and either is refused when the user may not do it
  to one of them. Deleting or unpublishing a translation does it to that translation
  only. The bulk actions, which do not ask the hook, refuse a source page whose
  translations are not selected with it (``refuse_bulk_without_translations``).
- **Deleting an image or document leaves no dangling copy.** wagtail-localize keeps a
  copy of the source's content and of the translators' overrides that names images
  and documents by id, with no foreign key; its editor fetches each one and stops
  rendering when one is missing. ``forget_deleted_media`` re-reads the sources that
  used the deleted file and drops the overrides that chose it.

Only translations in the page's own site count, so nothing of another organisation
is ever changed or deleted through a page of this one.
"""

import json
from functools import partial

from django.db import transaction
from django.db.models.signals import pre_delete
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Locale,
    Page,
    PagePermissionTester,
    ReferenceIndex,
    TranslatableMixin,
)
from wagtail_localize.models import SegmentOverride, Translation, TranslationSource


def source_of(page):
    """The page that ``page`` is a translation of, or None when it is an original.

    An alias in another language follows its original; a page that wagtail-localize
    translated follows the page in its source's language; a page wagtail-localize
    never saw follows the page in the default language (Albanian). A source in
    another organisation's site does not count."""
    source = _source_anywhere(page)
    if source is None or _site_id(source) != _site_id(page):
        return None
    return source


def _source_anywhere(page):
    if page.alias_of_id:
        original = page.alias_of
        return original if original.locale_id != page.locale_id else None
    translation = (
        Translation.objects.filter(
            source__object_id=page.translation_key, target_locale_id=page.locale_id
        )
        .select_related("source")
        .first()
    )
    if translation is not None:
        source_locale_id = translation.source.locale_id
    elif TranslationSource.objects.filter(
        object_id=page.translation_key, locale_id=page.locale_id
    ).exists():
        return None
    else:
        source_locale_id = Locale.get_default().pk
    if source_locale_id == page.locale_id:
        return None
    return (
        Page.objects.filter(translation_key=page.translation_key, locale_id=source_locale_id)
        .exclude(pk=page.pk)
        .first()
    )


def _site_id(page):
    url_parts = page.get_url_parts()
    return url_parts[0] if url_parts else None


def translations_in_site(page):
    """The other language versions of ``page`` (translations and aliases) that lie in
    the same organisation's site."""
    site_id = _site_id(page)
    return [
        translation
        for translation in page.get_translations().select_related("locale")
        if _site_id(translation) == site_id
    ]


class TranslationPermissionTester(PagePermissionTester):
    """Wagtail's page permissions, except that a translation's privacy is its source
    page's: it is changed there (``BasePage.permissions_for_user``)."""

    def can_set_view_restrictions(self):
        return super().can_set_view_restrictions() and source_of(self.page) is None


def translations_deleted_with(page):
    """The pages Wagtail's delete view deletes with ``page``: none for a translation;
    for an original, its translations in its site that sit under a translation of its
    parent (the ones the view deletes)."""
    if page.is_root() or source_of(page) is not None:
        return []
    parents = set(page.get_parent().get_translations().values_list("pk", flat=True))
    return [
        translation
        for translation in translations_in_site(page)
        if translation.get_parent().pk in parents
    ]


def translations_unpublished_with(page):
    """The live translations in its site that Wagtail's unpublish view unpublishes
    with ``page``: none for a translation."""
    if page.is_root() or source_of(page) is not None:
        return []
    return [translation for translation in translations_in_site(page) if translation.live]


CASCADES = {"delete": translations_deleted_with, "unpublish": translations_unpublished_with}


def cascade_deletion(pages, action):
    """``construct_translated_pages_to_cascade_actions``: deleting or unpublishing a
    source page takes its translations along; moves are left as they are (a
    translation is moved in its own language tree)."""
    if action not in CASCADES:
        return None
    return {page: CASCADES[action](page) for page in pages}


def _describe(pages):
    return ", ".join(
        _("%(language)s: “%(title)s”")
        % {"language": page.locale.get_display_name(), "title": page.get_admin_display_title()}
        for page in pages
    )


def warn_about_translations(request, page):
    """``before_delete_page``: the confirmation says which translations go with the
    page; the deletion is refused when the user may not delete one of them."""
    translations = translations_deleted_with(page)
    if not translations:
        return None
    refused = [
        translation
        for translation in translations
        if not translation.permissions_for_user(request.user).can_delete()
    ]
    if refused:
        messages.error(
            request,
            _(
                "“%(title)s” cannot be deleted: a page is deleted together with its "
                "translations, and you may not delete %(translations)s."
            )
            % {"title": page.get_admin_display_title(), "translations": _describe(refused)},
        )
        if page.permissions_for_user(request.user).can_edit():
            return redirect("wagtailadmin_pages:edit", page.pk)
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    if request.method == "GET":
        messages.warning(
            request,
            _(
                "A page and its translations are deleted together. Deleting this page "
                "also deletes %(translations)s. To delete only a translation, delete it "
                "from its own language."
            )
            % {"translations": _describe(translations)},
        )
    return None


def refuse_unpublish_without_translations(request, page):
    """``before_unpublish_page``: unpublishing a source page unpublishes its live
    translations, so it is refused when the user may not unpublish one of them."""
    refused = [
        translation
        for translation in translations_unpublished_with(page)
        if not translation.permissions_for_user(request.user).can_unpublish()
    ]
    if not refused:
        return None
    messages.error(
        request,
        _(
            "“%(title)s” cannot be unpublished: a page is unpublished together with its "
            "translations, and you may not unpublish %(translations)s."
        )
        % {"title": page.get_admin_display_title(), "translations": _describe(refused)},
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


BULK_CASCADES = {"delete": translations_deleted_with, "unpublish": translations_unpublished_with}


def refuse_bulk_without_translations(request, action_type, objects, action_class_instance):
    """``before_bulk_action``: Wagtail's bulk delete and unpublish act on the selected
    pages only, so a source page goes only together with its translations."""
    cascade = BULK_CASCADES.get(action_type)
    if cascade is None or action_class_instance.model is not Page:
        return None
    selected = {page.pk for page in objects}
    for page in objects:
        missing = [translation for translation in cascade(page) if translation.pk not in selected]
        if missing:
            messages.error(
                request,
                _(
                    "“%(title)s” goes together with its translations: select "
                    "%(translations)s as well, or use the page's own menu, which "
                    "includes them."
                )
                % {"title": page.get_admin_display_title(), "translations": _describe(missing)},
            )
            return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


# -- Images and documents deleted -------------------------------------------------------


def forget_deleted_media(sender, instance, **kwargs):
    """``pre_delete`` of an image or document. Wagtail's reference index says which
    objects use it and where (it forgets them once the file is gone): a translator's
    choice of this file for a translation is dropped, and the translation sources of
    the originals that use it are read again once the deletion is committed (their
    foreign keys emptied, the file out of their blocks)."""
    value = json.dumps(instance.pk)
    sources = set()
    for reference in ReferenceIndex.get_references_to(instance).select_related("base_content_type"):
        model = reference.base_content_type.model_class()
        if model is None or not issubclass(model, TranslatableMixin):
            continue
        user_of_it = reference.base_content_type.get_all_objects_for_this_type(
            pk=reference.object_id
        ).first()
        if user_of_it is None:
            continue
        SegmentOverride.objects.filter(
            locale_id=user_of_it.locale_id,
            context__object_id=user_of_it.translation_key,
            context__path=reference.content_path,
            data_json=value,
        ).delete()
        sources.update(
            TranslationSource.objects.filter(
                object_id=user_of_it.translation_key, locale_id=user_of_it.locale_id
            ).values_list("pk", flat=True)
        )
    for source_id in sources:
        transaction.on_commit(partial(_read_source_again, source_id), robust=True)


def _read_source_again(source_id):
    source = TranslationSource.objects.filter(pk=source_id).first()
    if source is not None:
        source.update_from_db()


def connect():
    for model in (get_image_model(), get_document_model()):
        pre_delete.connect(
            forget_deleted_media, sender=model, dispatch_uid=f"translations:{model._meta.label}"
        )
