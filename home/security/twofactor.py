"""Two-factor authentication for the Wagtail admin (django-otp, TOTP + recovery codes).

``ADMIN_2FA_REQUIRED_FOR`` lists who must use a second factor: ``"superuser"``,
``"staff"``, ``"all"`` (every admin user) or a ``SiteRole`` role
(``"editor"``, ``"translator"``, ``"event_staff"``, ``"membership_officer"``).
Anyone else may enrol; once a user has a confirmed device, the second factor is
asked of them at every login too.

``AdminTwoFactorMiddleware`` (after django-otp's ``OTPMiddleware``) sends a signed-in
but unverified user who needs a second factor from any admin URL to the verification
step, or to enrolment when they have no device yet. Login, logout, password reset and
the two-factor screens themselves stay reachable.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from home.models import SiteRole

from .headers import admin_prefix

RECOVERY_CODE_COUNT = 10


def two_factor_required(user):
    """True when the settings require ``user`` to use a second factor."""
    if not user.is_authenticated or not user.is_active:
        return False
    required = set(getattr(settings, "ADMIN_2FA_REQUIRED_FOR", ()) or ())
    if not required:
        return False
    if "all" in required:
        return True
    if "superuser" in required and user.is_superuser:
        return True
    if "staff" in required and user.is_staff:
        return True
    roles = required & {code for code, _ in SiteRole.ROLE_CHOICES}
    return bool(roles) and SiteRole.objects.filter(group__user=user, role__in=roles).exists()


def is_verified(user):
    return bool(getattr(user, "is_verified", lambda: False)())


def _exempt_paths():
    return (
        reverse("wagtailadmin_login"),
        reverse("wagtailadmin_logout"),
        reverse("wagtailadmin_password_reset"),
        reverse("wagtailadmin_javascript_catalog"),
        reverse("wagtailadmin_sprite"),
        reverse("security_2fa_verify"),
        reverse("security_2fa_enrol"),
    )


class AdminTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._check(request)
        return response or self.get_response(request)

    def _check(self, request):
        path = request.path_info
        if not path.startswith(admin_prefix()):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or is_verified(user):
            return None
        if path.startswith(_exempt_paths()):
            return None
        if user_has_device(user, confirmed=True):
            target = "security_2fa_verify"
        elif two_factor_required(user):
            target = "security_2fa_enrol"
        else:
            return None
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(target) + (f"?{query}" if query else ""))
