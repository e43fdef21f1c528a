"""One-click unsubscribe from an organisation's messages (RFC 8058).

Every message carries a link of its own person and message: signed with the secret
key (nothing is stored for it), valid for as long as the person is not erased. A
GET shows a button; a POST (the button, or the mail program's one-click
``List-Unsubscribe-Post``) records the withdrawal of consent with its time.
"""

from django.core import signing
from django.urls import reverse
from django.utils import translation

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
