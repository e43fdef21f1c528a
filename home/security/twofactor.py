"""Two-factor authentication (django-otp, TOTP + recovery codes).

``ADMIN_2FA_REQUIRED_FOR`` lists who must use a second factor: ``"superuser"``,
``"staff"``, ``"all"`` (every admin user) or a ``SiteRole`` role
(``"editor"``, ``"translator"``, ``"event_staff"``, ``"membership_officer"``).
Anyone else may enrol; once a user has a confirmed device, the second factor is
asked of them at every login too.

``TwoFactorMiddleware`` (after django-otp's ``OTPMiddleware``) holds a signed-in but
unverified user who needs a second factor: the two-factor screens, login, logout and
password reset see them as they are; the rest of the admin and the site's login page
send them to the verification step (or to enrolment when they have no device yet);
everywhere else, documents and restricted pages included, the request is made
anonymous, so a password alone carries no access.

A user who must use a second factor and has none yet cannot enrol with the password
alone: enrolment needs a link sent to the account's email address
(``queue_enrolment_link``: the task worker sends it), signed, for one device, valid for
``ENROLMENT_LINK_SECONDS``; asking again replaces the previous link.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.mail import send_mail
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks import task
from wagtail.admin.utils import get_admin_base_url
from wagtail.users.models import UserProfile

from home.models import SiteRole

from .headers import admin_prefix

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
ENROLMENT_LINK_SECONDS = 24 * 60 * 60
#: A new link is sent at most this often (the previous one stops working).
ENROLMENT_LINK_INTERVAL_SECONDS = 5 * 60
_LINK_SALT = "home.security.twofactor.enrolment-link"


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


def second_factor_step(user):
    """The screen a user signed in with the password alone still has to pass
    ("security_2fa_verify" with a device, "security_2fa_enrol" when one is required
    and missing), or None when no second factor is due."""
    if not user.is_authenticated or is_verified(user):
        return None
    if user_has_device(user, confirmed=True):
        return "security_2fa_verify"
    return "security_2fa_enrol" if two_factor_required(user) else None


# -- enrolment links --------------------------------------------------------------------


def enrolment_link_path(device):
    token = signing.dumps({"user": device.user_id, "device": device.pk}, salt=_LINK_SALT)
    return reverse("security_2fa_enrol_link", args=[token])


def device_for_link(user, token):
    """The unconfirmed device the link ``token`` of ``user`` sets up, or None (forged,
    expired, used, replaced by a newer link, or someone else's)."""
    try:
        data = signing.loads(token, salt=_LINK_SALT, max_age=ENROLMENT_LINK_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        return None
    return TOTPDevice.objects.filter(user=user, pk=data.get("device"), confirmed=False).first()


def new_enrolment_device(user):
    """A new, unconfirmed authenticator device for ``user``; any earlier device not
    yet confirmed, and so any earlier link, is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def new_enrolment_link(user):
    """A new link that sets up an authenticator device for ``user`` (absolute URL).

    Any earlier device not yet confirmed, and so any earlier link, is dropped."""
    return get_admin_base_url() + enrolment_link_path(new_enrolment_device(user))


def send_enrolment_link(user):
    """Email ``user`` a new link (in their admin language) now; returns it. Raises
    ``ValueError`` when the account has no email address."""
    if not user.email:
        raise ValueError("no email address")
    device = new_enrolment_device(user)
    return _email_link(device)


def queue_enrolment_link(user):
    """Make a new link for ``user`` and have the task worker email it, so that no
    request waits for the mail server. Raises ``ValueError`` without an address."""
    if not user.email:
        raise ValueError("no email address")
    device = new_enrolment_device(user)
    email_enrolment_link.enqueue(device.pk)


@task()
def email_enrolment_link(device_id):
    """Email the link of a device not yet confirmed; nothing when it was replaced
    (a newer link was asked for) or confirmed since. The link is made here, so that
    it is never stored with the queued task."""
    device = TOTPDevice.objects.filter(pk=device_id, confirmed=False).select_related("user")
    device = device.first()
    if device is None or not device.user.email:
        return False
    _email_link(device)
    return True


def _email_link(device):
    user = device.user
    link = get_admin_base_url() + enrolment_link_path(device)
    language = UserProfile.get_for_user(user).get_preferred_language()
    with translation.override(language):
        context = {"user": user, "link": link, "hours": ENROLMENT_LINK_SECONDS // 3600}
        subject = render_to_string("security/enrolment_link_subject.txt", context)
        body = render_to_string("security/enrolment_link_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return link


def enrolment_link_recently_sent(user):
    since = timezone.now() - timedelta(seconds=ENROLMENT_LINK_INTERVAL_SECONDS)
    return TOTPDevice.objects.filter(user=user, confirmed=False, created_at__gte=since).exists()


# -- the middleware -----------------------------------------------------------------------


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


async def _anonymous_user():
    return AnonymousUser()


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        step = second_factor_step(user) if user is not None else None
        if step is not None:
            response = self._hold(request, step)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _hold(request, step):
        path = request.path_info
        if path.startswith(_exempt_paths()):
            return None
        if path.startswith(admin_prefix()):
            next_url = request.get_full_path()
        elif path == reverse("wagtailcore_login"):
            # The site's login page, where a restricted page or document sends them.
            next_url = request.GET.get("next", "")
        else:
            # Everywhere else the password alone is worth nothing: an anonymous visitor.
            request.user = AnonymousUser()
            request.auser = _anonymous_user
            return None
        query = urlencode({"next": next_url}) if request.method == "GET" and next_url else ""
        return redirect(reverse(step) + (f"?{query}" if query else ""))
