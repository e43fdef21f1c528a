"""One-click unsubscribe from an organisation's messages (RFC 8058).

Every message carries a link of its own person and message: signed with the secret
key (nothing is stored for it), valid for as long as the person is not erased. A
GET shows a button; a POST (the button, or the mail program's one-click
``List-Unsubscribe-Post``) records the withdrawal of consent with its time.

The POST needs no CSRF token: the mail program sends no cookie and no page came
before it (RFC 8058), and the signed token in the URL, which only the person's
own message carries, is what allows it. All it can do is stop email.
"""

from django.core import signing
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .mailings import Delivery
from .records import AuditEntry, Supporter
from .services import audit
from .tasks import sender_identity

SALT = "membership.unsubscribe"


def make_token(supporter_id, mailing_id):
    return signing.dumps([supporter_id, mailing_id], salt=SALT, compress=False)


def read_token(token):
    """(supporter id, mailing id or None) of a valid token, else None."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not (value[1] is None or isinstance(value[1], int))
    ):
        return None
    return value[0], value[1]


def unsubscribe_url(site, supporter_id, mailing_id, language):
    """The full URL of the person's unsubscribe link, in ``language``."""
    with translation.override(language):
        path = reverse("membership_unsubscribe", args=[make_token(supporter_id, mailing_id)])
    return site.root_url.rstrip("/") + path


def unsubscribe(supporter_id, mailing_id=None):
    """Stop the organisation's email to a person: their consent ends now, the copies
    of messages still waiting for them are not sent, and each change from "yes" to
    "no" is written in the audit log (with the message it came from), so every
    "no" after a new "yes" stays on record. Pressing again while nothing is in
    force writes nothing but moves the time of the last "no", so a box ticked on a
    form before it never brings email back. Returns the person, or None when
    there is nobody (any more) to unsubscribe."""
    with transaction.atomic():
        supporter = (
            Supporter.objects.select_for_update()
            .select_related("site")
            .filter(pk=supporter_id, erased_at__isnull=True)
            .first()
        )
        if supporter is None:
            return None
        was_consenting = supporter.contact_consent_at is not None
        supporter.contact_consent_at = None
        supporter.contact_withdrawn_at = timezone.now()
        supporter.save(update_fields=["contact_consent_at", "contact_withdrawn_at", "updated_at"])
        Delivery.objects.filter(supporter=supporter, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SKIPPED, reason=Delivery.Reason.UNSUBSCRIBED
        )
        if was_consenting:
            audit(
                supporter.site, None, AuditEntry.Action.UNSUBSCRIBE, supporter, mailing=mailing_id
            )
    return supporter


def masked_email(email):
    """The address with most of its first part hidden (a***@example.org): enough
    for the person to recognise it, not for someone who sees the screen or the
    forwarded link to learn it."""
    if not email or "@" not in email:
        return ""
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request, token):
    """GET: who is unsubscribed from which organisation, and the button. POST (the
    button, or a mail program's one-click POST with any body): unsubscribe, and say
    so. A link that is not valid, or of a person who was erased, gets a page saying
    so (404), in the language of the URL."""
    value = read_token(token)
    supporter = None
    if value is not None:
        supporter_id, mailing_id = value
        if request.method == "POST":
            supporter = unsubscribe(supporter_id, mailing_id)
        else:
            supporter = (
                Supporter.objects.select_related("site")
                .filter(pk=supporter_id, erased_at__isnull=True)
                .first()
            )
    if supporter is None:
        state, status = "invalid", 404
    elif request.method == "POST":
        state, status = "done", 200
    elif supporter.contact_consent_at is None:
        state, status = "already", 200
    else:
        state, status = "ask", 200
    context = {"state": state, "meta_title": _title(state)}
    if supporter is not None:
        context["organisation"] = sender_identity(supporter.site, get_language())[0]
        context["email"] = masked_email(supporter.email)
    response = render(request, "membership/unsubscribe.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _title(state):
    if state == "invalid":
        return gettext("This unsubscribe link is not valid")
    return gettext("Unsubscribe")
