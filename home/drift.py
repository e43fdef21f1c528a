"""Translations that lack some of their source's current text ("out of date").

A translation made with wagtail-localize is out of date in its language when one
string of its source's current text (a ``StringSegment`` of the source's
``TranslationSource``, which ``home.translations.propagate`` refreshes on every
publish of the source) has not reached the live translation:

- the string has no usable translation in that language (no ``StringTranslation``
  for its text and place, or one with an error): its text is new or changed since it
  was last translated; or
- its ``StringTranslation`` was written after the translation was last written to
  its object from translation memory (the latest ``TranslationLog`` of that source
  and language: the translation editor's "Publish", a sync that published). The
  translated text then waits in translation memory and is not live yet. A
  translation that was never published has nothing live: for a page or a snippet
  with drafts, the log of the draft that starting a translation saves does not
  count until the translation is (or was once) published.

A page's slug is the exception to the second rule: the project writes it itself
(``home.translations.ensure_slug_translation``) and a live translation keeps its
address on purpose, so a slug counts only when it has no translation at all.

Only enabled wagtail-localize translations count (an alias follows its source by
itself; a translation that was turned into an ordinary page is no longer fed by
translation memory).

Every count is made in the database: one query for all translations of one kind
(pages, or one snippet model) of a site in a language, then two per content type to
load the objects.
"""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import DraftStateMixin, Locale, Page, TranslatableMixin
from wagtail.permissions import policy_registry
from wagtail.snippets.models import get_snippet_models
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationLog,
)

from .dates import format_day
from .roles import SiteRolePermissionPolicy, site_root_pages


@dataclass
class OutOfDate:
    """One translation that lacks some of its source's current text."""

    object: object  # the translated page (specific) or snippet
    source: object  # the object it is translated from
    locale: Locale  # the translation's language
    source_changed_at: object  # when the source's text was last taken (a datetime)
    missing: int  # strings new, changed or waiting in translation memory
    published: bool  # whether the translation was ever published
    edit_url: str  # wagtail-localize's translation editor (the object's edit view)
    translation: Translation
    site_name: str = ""  # set by the report, which may list several sites

    @property
    def is_page(self):
        return isinstance(self.object, Page)

    @property
    def title(self):
        if self.is_page:
            return self.object.get_admin_display_title()
        return str(self.object)

    @property
    def type_label(self):
        return self.object._meta.verbose_name

    @property
    def language(self):
        return self.locale.get_display_name()

    @property
    def source_changed_on(self):
        return format_day(timezone.localtime(self.source_changed_at))

    @property
    def published_label(self):
        return gettext("Yes") if self.published else gettext("Never")


def _missing_strings(is_page):
    """A subquery (on ``Translation`` rows annotated with ``last_written``): how many
    strings of the source the live translation lacks."""
    up_to_date = Q(updated_at__lte=OuterRef(OuterRef("last_written")))
    if is_page:
        up_to_date |= Q(context__path="slug")
    usable = StringTranslation.objects.filter(
        up_to_date,
        translation_of_id=OuterRef("string_id"),
        context_id=OuterRef("context_id"),
        locale_id=OuterRef(OuterRef("target_locale_id")),
        has_error=False,
    )
    missing = (
        StringSegment.objects.filter(source_id=OuterRef("source_id"))
        .filter(~Exists(usable))
        .order_by()
        .values("source_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(missing, output_field=IntegerField()), Value(0))


def annotate_missing(translations, model):
    """``translations`` (a ``Translation`` queryset of objects of ``model``, a page
    type or a snippet model) with ``last_written`` (when the translation was last
    written to its object from translation memory, or None) and ``missing`` (strings
    the live translation lacks)."""
    is_page = issubclass(model, Page)
    last_written = Subquery(
        TranslationLog.objects.filter(
            source_id=OuterRef("source_id"), locale_id=OuterRef("target_locale_id")
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    if issubclass(model, DraftStateMixin):
        # A translation that was never published has nothing live: the draft that
        # starting a translation saves (and logs) does not count.
        rows = (Page if is_page else model)._default_manager.filter(
            Q(live=True) | Q(first_published_at__isnull=False),
            translation_key=OuterRef("source__object_id"),
            locale_id=OuterRef("target_locale_id"),
        )
        last_written = Case(
            When(Exists(rows), then=last_written),
            default=Value(None),
            output_field=DateTimeField(),
        )
    return translations.annotate(last_written=last_written).annotate(
        missing=_missing_strings(is_page)
    )


def _was_published(instance):
    if isinstance(instance, DraftStateMixin):
        return instance.live or instance.first_published_at is not None
    return True  # a snippet without drafts is live as it is saved


def _items(translations, url_finder=None):
    """``OutOfDate`` for the annotated ``translations`` (their targets loaded by
    content type: two queries per type)."""
    url_finder = url_finder or AdminURLFinder()
    by_type = {}
    for translation in translations:
        by_type.setdefault(translation.source.specific_content_type_id, []).append(translation)
    items = []
    for group in by_type.values():
        model = group[0].source.specific_content_type.model_class()
        if model is None:
            continue
        keys = {t.source.object_id for t in group}
        targets = {
            (row.translation_key, row.locale_id): row
            for row in model._default_manager.filter(
                translation_key__in=keys,
                locale_id__in={t.target_locale_id for t in group},
            )
        }
        sources = {
            (row.translation_key, row.locale_id): row
            for row in model._default_manager.filter(
                translation_key__in=keys, locale_id__in={t.source.locale_id for t in group}
            )
        }
        for translation in group:
            key = translation.source.object_id
            target = targets.get((key, translation.target_locale_id))
            if target is None:
                continue
            items.append(
                OutOfDate(
                    object=target,
                    source=sources.get((key, translation.source.locale_id)),
                    locale=translation.target_locale,
                    source_changed_at=translation.source.last_updated_at,
                    missing=translation.missing,
                    published=_was_published(target),
                    edit_url=url_finder.get_edit_url(target) or "",
                    translation=translation,
                )
            )
    return items


def _stale(translations, model):
    return (
        annotate_missing(translations, model)
        .filter(missing__gt=0)
        .select_related("source__specific_content_type", "target_locale")
    )


def translatable_snippet_models():
    """Translatable snippet models whose permission policy says which site a row
    belongs to (``home.roles.SiteRolePermissionPolicy``)."""
    models = []
    for model in get_snippet_models():
        if not issubclass(model, TranslatableMixin):
            continue
        policy = policy_registry.get_by_type(model)
        if isinstance(policy, SiteRolePermissionPolicy):
            models.append((model, policy))
    return models


def translated_locales(site):
    """The locales ``site`` is translated into: those of its root page's
    translations (never its own language), by language code. Drafts count: a site
    that is still translating its home page does not offer the language yet
    (``home.languages``), and that is when its translators need this report most."""
    return list(
        Locale.objects.filter(
            pk__in=site_root_pages(site)
            .exclude(locale_id=site.root_page.locale_id)
            .values("locale_id")
        ).order_by("language_code")
    )


def out_of_date(site, locale, url_finder=None):
    """The out-of-date translations into ``locale`` of ``site``: translated pages
    under the site's tree in that language, then its translatable snippets; oldest
    source change first within each kind."""
    translations = Translation.objects.filter(target_locale=locale, enabled=True).exclude(
        source__locale=locale
    )
    found = []
    root = site_root_pages(site).filter(locale=locale).first()
    if root is not None:
        keys = Page.objects.filter(locale=locale, path__startswith=root.path).values(
            "translation_key"
        )
        found += _items(_stale(translations.filter(source__object_id__in=keys), Page), url_finder)
    for model, policy in translatable_snippet_models():
        keys = (
            model._default_manager.filter(policy.rows_of_site(site), locale=locale)
            .order_by()
            .values("translation_key")
        )
        found += _items(_stale(translations.filter(source__object_id__in=keys), model), url_finder)
    found.sort(key=lambda item: (not item.is_page, item.source_changed_at, item.title))
    return found


def out_of_date_for_sites(sites, locales=None, url_finder=None):
    """[(site, locale, [OutOfDate])] for each of ``sites`` and each of its
    languages (only those in ``locales`` when given)."""
    url_finder = url_finder or AdminURLFinder()
    wanted = None if locales is None else {locale.pk for locale in locales}
    result = []
    for site in sites:
        for locale in translated_locales(site):
            if wanted is not None and locale.pk not in wanted:
                continue
            result.append((site, locale, out_of_date(site, locale, url_finder)))
    return result


# One object ----------------------------------------------------------------------


def _object_translations(instance):
    return Translation.objects.filter(source__object_id=instance.translation_key, enabled=True)


def drift_of_translation(instance):
    """``OutOfDate`` for ``instance`` when it is a wagtail-localize translation that
    lacks some of its source's text; else None."""
    translations = _object_translations(instance).filter(target_locale_id=instance.locale_id)
    translations = translations.exclude(source__locale_id=instance.locale_id)
    translation = _stale(translations, type(instance)).first()
    if translation is None:
        return None
    return OutOfDate(
        object=instance,
        source=None,
        locale=translation.target_locale,
        source_changed_at=translation.source.last_updated_at,
        missing=translation.missing,
        published=_was_published(instance),
        edit_url="",
        translation=translation,
    )


def translations_of_source(instance):
    """The enabled translations made from ``instance`` (a source), each annotated
    with ``missing``, by language code."""
    translations = _object_translations(instance).filter(source__locale_id=instance.locale_id)
    return list(
        annotate_missing(translations, type(instance))
        .select_related("target_locale", "source")
        .order_by("target_locale__language_code")
    )
