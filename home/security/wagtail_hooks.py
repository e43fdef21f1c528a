from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/", views.index, name="security_2fa_index"),
        path("two-factor/enrol/", views.enrol, name="security_2fa_enrol"),
        path("two-factor/verify/", views.verify, name="security_2fa_verify"),
        path(
            "two-factor/recovery-codes/",
            views.regenerate_recovery_codes,
            name="security_2fa_recovery_codes",
        ),
        path("two-factor/disable/", views.disable, name="security_2fa_disable"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("security_2fa_index"),
        "label": _("Two-factor authentication"),
        "help_text": _("A code from your phone after your password."),
    }
