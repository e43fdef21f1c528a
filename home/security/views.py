"""Admin screens for two-factor authentication, and the login lockout page.

- ``/admin/two-factor/``: the user's status, new recovery codes, turning it off
  (only where the settings do not require it).
- ``/admin/two-factor/enrol/``: QR code and secret of a new TOTP device; the device
  counts only once a code from the app is confirmed; ten recovery codes are shown
  once, right after.
- ``/admin/two-factor/enrol/<token>/``: the same, through the link emailed to a user
  who must use a second factor and has none yet (``twofactor.queue_enrolment_link``,
  sent by the task worker); without it, ``/admin/two-factor/enrol/`` only offers to send that link.
- ``/admin/two-factor/send-link/<user id>/``: a superuser sends that link to a user.
- ``/admin/two-factor/verify/``: the step after the password for a user with a device.
"""

import logging
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import ConfirmDeviceForm, TokenForm
from .twofactor import (
    ENROLMENT_LINK_SECONDS,
    RECOVERY_CODE_COUNT,
    TOTP_DEVICE_NAME,
    device_for_link,
    enrolment_link_recently_sent,
    is_verified,
    queue_enrolment_link,
    two_factor_required,
)

logger = logging.getLogger("home.security")

RECOVERY_DEVICE_NAME = "recovery codes"


def _safe_next(request, default=None):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("wagtailadmin_home")


def _breadcrumbs(*items):
    return [{"url": reverse("wagtailadmin_home"), "label": gettext_lazy("Home")}, *items]


def _qr_svg(data):
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 - made here, no input


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(user):
    """Replace the user's recovery codes with new ones; returns them."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _status_context(request):
    user = request.user
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()
    return {
        "enrolled": totp is not None,
        "required": two_factor_required(user),
        "verified": is_verified(user),
        "recovery_left": recovery.token_set.count() if recovery else 0,
    }


@never_cache
def index(request):
    context = _status_context(request)
    context.update(
        page_title=_("Two-factor authentication"),
        header_icon="key",
        breadcrumbs_items=_breadcrumbs(
            {"url": "", "label": _("Two-factor authentication")},
        ),
    )
    return render(request, "security/two_factor.html", context)


@never_cache
@sensitive_post_parameters("otp_token")
def enrol(request):
    user = request.user
    if user_has_device(user, confirmed=True) and not is_verified(user):
        # A password alone must never be enough to replace the second factor.
        return redirect(reverse("security_2fa_verify") + "?next=" + reverse("security_2fa_enrol"))
    if two_factor_required(user) and not is_verified(user):
        # Nor to choose the first one: that takes the link sent to the user's email.
        return _link_needed(request)

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return _enrol_device(request, device, reverse("security_2fa_enrol"))


@never_cache
@sensitive_post_parameters("otp_token")
def enrol_with_link(request, token):
    user = request.user
    if user_has_device(user, confirmed=True) and not is_verified(user):
        return redirect(reverse("security_2fa_verify") + "?next=" + request.path)
    device = device_for_link(user, token)
    if device is None:
        return _link_needed(request, invalid=True)
    return _enrol_device(request, device, request.path)


def _enrol_device(request, device, action):
    """The QR code and key of ``device``, and the form that confirms it."""
    user = request.user
    form = ConfirmDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save()
            codes = new_recovery_codes(user)
            django_otp.login(request, device)
            logger.info("Two-factor authentication set up for user %s", user.pk)
            return _show_recovery_codes(request, codes, _("Two-factor authentication is on"))
        form.add_error("otp_token", _("This code is not correct. Check the time on your phone."))

    secret_text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            "action": action,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(secret_text),
            "required": two_factor_required(user),
            "next": _safe_next(request, reverse("security_2fa_index")),
            "page_title": _("Set up two-factor authentication"),
            "header_icon": "key",
            "breadcrumbs_items": _breadcrumbs(
                {"url": reverse("security_2fa_index"), "label": _("Two-factor authentication")},
                {"url": "", "label": _("Set up")},
            ),
        },
    )


def _link_needed(request, invalid=False):
    """A user who must use a second factor and has none: they may ask for the link."""
    user = request.user
    sent = False
    status = 400 if invalid else 200
    if request.method == "POST" and "send" in request.POST:
        invalid = False
        if user.email and not enrolment_link_recently_sent(user):
            queue_enrolment_link(user)
            logger.info("Two-factor enrolment link sent to user %s at their request", user.pk)
        sent, status = bool(user.email), 200
    response = render(
        request,
        "security/enrol_link_needed.html",
        {
            "has_email": bool(user.email),
            "sent": sent,
            "invalid": invalid,
            "hours": ENROLMENT_LINK_SECONDS // 3600,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def send_link(request, user_id):
    """A superuser sends a user the link that sets up their second factor."""
    if not request.user.is_superuser:
        raise PermissionDenied
    target = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        if not target.email:
            messages.error(request, _("This user has no email address."))
        else:
            queue_enrolment_link(target)
            logger.info(
                "Two-factor enrolment link sent to user %s by user %s", target.pk, request.user.pk
            )
            messages.success(
                request, _("A set-up link was sent to %(email)s.") % {"email": target.email}
            )
        return redirect("wagtailusers_users:index")
    return render(
        request,
        "security/send_link.html",
        {
            "target": target,
            "hours": ENROLMENT_LINK_SECONDS // 3600,
            "page_title": _("Send a two-factor set-up link"),
            "header_icon": "key",
            "breadcrumbs_items": _breadcrumbs(
                {"url": reverse("wagtailusers_users:index"), "label": _("Users")},
                {"url": "", "label": _("Send a two-factor set-up link")},
            ),
        },
    )


def _show_recovery_codes(request, codes, title):
    response = render(
        request,
        "security/recovery_codes.html",
        {
            "codes": codes,
            "page_title": title,
            "header_icon": "key",
            "breadcrumbs_items": _breadcrumbs(
                {"url": reverse("security_2fa_index"), "label": _("Two-factor authentication")},
                {"url": "", "label": _("Recovery codes")},
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def regenerate_recovery_codes(request):
    if not is_verified(request.user):
        return redirect("security_2fa_verify")
    codes = new_recovery_codes(request.user)
    return _show_recovery_codes(request, codes, _("New recovery codes"))


@require_POST
def disable(request):
    user = request.user
    if two_factor_required(user):
        messages.error(request, _("Your role requires two-factor authentication."))
        return redirect("security_2fa_index")
    if user_has_device(user, confirmed=True) and not is_verified(user):
        return redirect("security_2fa_verify")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.info("Two-factor authentication turned off by user %s", user.pk)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("security_2fa_index")


@never_cache
@sensitive_post_parameters("otp_token")
def verify(request):
    user = request.user
    if is_verified(user):
        return redirect(_safe_next(request))
    if not user_has_device(user, confirmed=True):
        return redirect(reverse("security_2fa_enrol"))

    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Each device slows down guessing (a pause that doubles with each wrong code).
        throttled = any(
            not device.verify_is_allowed()[0]
            for device in django_otp.devices_for_user(user)
            if hasattr(device, "verify_is_allowed")
        )
        device = django_otp.match_token(user, form.cleaned_data["otp_token"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_safe_next(request))
        logger.warning("Wrong second-factor code for user %s", user.pk)
        if throttled:
            form.add_error(None, _("Too many wrong codes. Wait a minute, then try again."))
        else:
            form.add_error("otp_token", _("This code is not correct."))
    return render(request, "security/verify.html", {"form": form, "next": _safe_next(request)})


def lockout(request, response=None, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: the page shown while a user and address are locked out."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(request, "security/lockout.html", {"minutes": minutes}, status=429)
