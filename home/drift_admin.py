"""The admin's side of ``home.drift``: the "Translations out of date" report and the
notices on the edit screens of sources and translations.

The report lists, for one site and language or for all of the user's, every
translation that lacks some of its source's current text. It is for superusers and
for the editors and translators of a site (``home.roles.sites_for_user``), who see
their own sites only: a site that is not theirs in the URL is a 404.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Locale, Page, Site
from wagtail_localize.models import TranslationSource

from . import drift
from .dates import format_day
from .models import SiteRole
from .roles import sites_for_user

REPORT_ROLES = (SiteRole.EDITOR, SiteRole.TRANSLATOR)


def report_sites(user):
    """The sites whose out-of-date translations ``user`` sees: all for a superuser,
    else those where they are an editor or a translator."""
    sites = sites_for_user(user, SiteRole.EDITOR)  # all for a superuser, none if inactive
    if user.is_authenticated and user.is_active and not user.is_superuser:
        sites = Site.objects.filter(roles__role__in=REPORT_ROLES, roles__group__user=user)
    # One query (the menu item asks on every admin page).
    return sites.distinct().select_related("root_page").order_by("site_name", "pk")


def report_locales(sites):
    """The languages of ``sites`` other than each one's own."""
    ids = {locale.pk for site in sites for locale in drift.translated_locales(site)}
    return Locale.objects.filter(pk__in=ids).order_by("language_code")


def _sites(request):
    return report_sites(request.user) if request else Site.objects.none()


def _locales(request):
    return report_locales(list(_sites(request))) if request else Locale.objects.none()


class SiteChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.site_name or obj.hostname


class SiteChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = SiteChoiceField


class DriftFilterSet(WagtailFilterSet):
    site = SiteChoiceFilter(
        label=_("Site"),
        queryset=_sites,
        empty_label=_("All my sites"),
        method="keep",
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        queryset=_locales,
        empty_label=_("All languages"),
        method="keep",
    )

    class Meta:
        model = TranslationSource
        fields = []

    def keep(self, queryset, name, value):
        return queryset  # the view reads the choices itself


class TranslateColumn(Column):
    cell_template_name = "home/drift/translate_cell.html"


class OutOfDateReportView(ReportView):
    page_title = _("Translations out of date")
    header_icon = "globe"
    index_url_name = "home_drift_report"
    index_results_url_name = "home_drift_report_results"
    filterset_class = DriftFilterSet
    paginate_by = 50
    columns = [
        TitleColumn("title", label=_("Item"), get_url=lambda item: item.edit_url),
        Column("type_label", label=_("Type")),
        Column("site_name", label=_("Site"), accessor=lambda item: item.site_name),
        Column("language", label=_("Language")),
        Column("source_changed_at", label=_("Source changed on"), accessor="source_changed_on"),
        Column("missing", label=_("Strings changed")),
        Column("published", label=_("Translation published"), accessor="published_label"),
        TranslateColumn("translate", label=""),
    ]

    # The spreadsheet download (CSV, XLSX): the same columns, the link in full.
    list_export = [
        "title",
        "type_label",
        "site_name",
        "language",
        "source_changed_on",
        "missing",
        "published_label",
        "edit_url",
    ]
    export_headings = {
        "title": _("Item"),
        "type_label": _("Type"),
        "site_name": _("Site"),
        "language": _("Language"),
        "source_changed_on": _("Source changed on"),
        "missing": _("Strings changed"),
        "published_label": _("Translation published"),
        "edit_url": _("Translation screen"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not report_sites(request.user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def no_results_message(self):
        return gettext("Every translation has its source's current text.")

    def chosen(self):
        """(sites, locale or None) the report shows; 404 for a site or language the
        user may not choose."""
        filters = self.filters
        if filters is not None and not filters.is_valid():
            raise Http404
        data = filters.form.cleaned_data if filters is not None else {}
        site = data.get("site")
        sites = [site] if site else list(report_sites(self.request.user))
        return sites, data.get("language")

    def filter_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        sites, locale = self.chosen()
        items = []
        for site, _locale, found in drift.out_of_date_for_sites(
            sites, None if locale is None else [locale]
        ):
            for item in found:
                item.site_name = site.site_name or site.hostname
                if self.is_export:
                    item.edit_url = self.request.build_absolute_uri(item.edit_url)
                items.append(item)
        return items


def admin_urls():
    return [
        path(
            "reports/translations-out-of-date/",
            OutOfDateReportView.as_view(),
            name="home_drift_report",
        ),
        path(
            "reports/translations-out-of-date/results/",
            OutOfDateReportView.as_view(results_only=True),
            name="home_drift_report_results",
        ),
    ]


class OutOfDateMenuItem(MenuItem):
    def is_shown(self, request):
        return report_sites(request.user).exists()


def menu_item():
    return OutOfDateMenuItem(
        _("Translations out of date"),
        reverse("home_drift_report"),
        name="translations-out-of-date",
        icon_name="globe",
        order=9010,
    )


# Notices on edit screens -----------------------------------------------------------


def _source_notice(request, instance):
    translations = drift.translations_of_source(instance)
    if not translations:
        return
    stale = [t for t in translations if t.missing]
    if stale:
        parts = [
            ngettext(
                "%(language)s (%(count)d text awaits translation)",
                "%(language)s (%(count)d texts await translation)",
                t.missing,
            )
            % {"language": t.target_locale.get_display_name(), "count": t.missing}
            for t in stale
        ]
        messages.warning(
            request,
            gettext("These translations lack this text's latest changes: %(list)s.")
            % {"list": ", ".join(parts)},
        )
        return
    languages = ", ".join(t.target_locale.get_display_name() for t in translations)
    messages.info(
        request,
        gettext(
            "Translated into %(languages)s. When you publish a change to the text, "
            "these translations are out of date until their translators bring them up "
            "to date."
        )
        % {"languages": languages},
    )


def _translation_notice(request, instance):
    found = drift.drift_of_translation(instance)
    if found is None:
        return
    messages.warning(
        request,
        ngettext(
            "The source of this translation changed on %(date)s: %(count)d text awaits "
            "translation.",
            "The source of this translation changed on %(date)s: %(count)d texts await "
            "translation.",
            found.missing,
        )
        % {
            "date": format_day(timezone.localtime(found.source_changed_at)),
            "count": found.missing,
        },
    )


def drift_notice(request, instance):
    """``before_edit_page``/``before_edit_snippet``, before wagtail-localize's own
    (which replaces a translation's edit screen with its editor): on GET, say which
    translations of a source lack its current text, or, on a translation, how many
    texts await translation since its source changed. Returns None."""
    if request.method != "GET" or not hasattr(instance, "translation_key"):
        return None
    if isinstance(instance, Page) and instance.alias_of_id:
        return None
    _translation_notice(request, instance)
    _source_notice(request, instance)
    return None
