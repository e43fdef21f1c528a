from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton

from . import reports, restrictions, views
from .choosers import browsable_pages
from .scope import SUPERUSER_VIEWS
from .snippets import ScopedDeleteBulkAction


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/", views.index, name="security_2fa_index"),
        path("two-factor/enrol/", views.enrol, name="security_2fa_enrol"),
        path(
            "two-factor/enrol/<str:token>/", views.enrol_with_link, name="security_2fa_enrol_link"
        ),
        path("two-factor/send-link/<int:user_id>/", views.send_link, name="security_2fa_send_link"),
        path("two-factor/verify/", views.verify, name="security_2fa_verify"),
        path(
            "two-factor/recovery-codes/",
            views.regenerate_recovery_codes,
            name="security_2fa_recovery_codes",
        ),
        path("two-factor/disable/", views.disable, name="security_2fa_disable"),
        path(
            "reports/site-translations/",
            reports.ScopedTranslationsReportView.as_view(),
            name="security_translations_report",
        ),
        path(
            "reports/site-translations/results/",
            reports.ScopedTranslationsReportView.as_view(results_only=True),
            name="security_translations_report_results",
        ),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("security_2fa_index"),
        "label": _("Two-factor authentication"),
        "help_text": _("A code from your phone after your password."),
    }


@hooks.register("register_reports_menu_item")
def translations_report_item():
    return MenuItem(
        _("Translations"),
        reverse("security_translations_report"),
        name="site-translations",
        icon_name="site",
        order=9000,
    )


@hooks.register("construct_reports_menu")
def scope_reports_menu(request, menu_items):
    """Our translations report replaces wagtail-localize's (which lists every
    organisation's); the reports only superusers may open are not offered to others."""
    hidden = {reverse("wagtail_localize:translations_report")}
    if not request.user.is_superuser:
        hidden.update(reverse(name) for name in SUPERUSER_VIEWS)
    menu_items[:] = [item for item in menu_items if item.url not in hidden]


@hooks.register("construct_admin_api", order=100)
def scope_admin_api(router):
    """Images and documents of the user's collections only (after Wagtail's own
    hooks, whose endpoints these replace)."""
    router.register_endpoint("images", reports.ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", reports.ScopedDocumentsAdminAPIViewSet)


@hooks.register("register_user_listing_buttons")
def two_factor_link_button(user, request_user):
    """Superusers can send anyone the link that sets up their second factor."""
    if not request_user.is_superuser or not user.email:
        return []
    return [
        ListingButton(
            _("Send two-factor set-up link"),
            reverse("security_2fa_send_link", args=[user.pk]),
            icon_name="key",
            priority=90,
        )
    ]


# "Logged-in users only" means the owning organisation's people (restrictions.py).
hooks.register("before_serve_page", restrictions.restrict_page_to_its_organisation)
hooks.register("before_serve_document", restrictions.restrict_document_to_its_organisation)


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    """The page chooser lists (and searches) only the pages of the user's own sites
    in every language (``choosable``), and the ancestors to browse down to them."""
    browsable = browsable_pages(request.user)
    if browsable is None:
        return pages
    return pages.filter(pk__in=browsable.values("pk"))


# Bulk deletion of every scoped snippet model (home/security/snippets.py); after
# wagtail.snippets' own DeleteBulkAction, which it replaces for these models.
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=100)
