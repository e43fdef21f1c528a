"""Fixed lists and names shared by the forms, the services and the models:
municipalities, communities, times, the states of a sign-up, link parameters."""

from functools import cache

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from home.alphabet import alphabetical_key

OUTSIDE_KOSOVO = "jashte"

# Kosovo's 38 municipalities, stored by a stable ASCII code. Each has an Albanian and
# a Serbian official name: the Albanian name is the text to translate (context
# "municipality"), shown as it is in Albanian and English, and each catalogue
# gives the name in its language ("Prishtinë" is "Priština" in the Serbian one).
MUNICIPALITIES = [
    ("decan", pgettext_lazy("municipality", "Deçan")),
    ("dragash", pgettext_lazy("municipality", "Dragash")),
    ("ferizaj", pgettext_lazy("municipality", "Ferizaj")),
    ("fushe-kosove", pgettext_lazy("municipality", "Fushë Kosovë")),
    ("gjakove", pgettext_lazy("municipality", "Gjakovë")),
    ("gjilan", pgettext_lazy("municipality", "Gjilan")),
    ("drenas", pgettext_lazy("municipality", "Drenas (Gllogoc)")),
    ("gracanice", pgettext_lazy("municipality", "Graçanicë")),
    ("hani-i-elezit", pgettext_lazy("municipality", "Hani i Elezit")),
    ("istog", pgettext_lazy("municipality", "Istog")),
    ("junik", pgettext_lazy("municipality", "Junik")),
    ("kacanik", pgettext_lazy("municipality", "Kaçanik")),
    ("kamenice", pgettext_lazy("municipality", "Kamenicë")),
    ("kline", pgettext_lazy("municipality", "Klinë")),
    ("kllokot", pgettext_lazy("municipality", "Kllokot")),
    ("leposaviq", pgettext_lazy("municipality", "Leposaviq")),
    ("lipjan", pgettext_lazy("municipality", "Lipjan")),
    ("malisheve", pgettext_lazy("municipality", "Malishevë")),
    ("mamushe", pgettext_lazy("municipality", "Mamushë")),
    ("mitrovice-jug", pgettext_lazy("municipality", "Mitrovicë e Jugut")),
    ("mitrovice-veri", pgettext_lazy("municipality", "Mitrovicë e Veriut")),
    ("novoberde", pgettext_lazy("municipality", "Novobërdë")),
    ("obiliq", pgettext_lazy("municipality", "Obiliq")),
    ("partesh", pgettext_lazy("municipality", "Partesh")),
    ("peje", pgettext_lazy("municipality", "Pejë")),
    ("podujeve", pgettext_lazy("municipality", "Podujevë")),
    ("prishtine", pgettext_lazy("municipality", "Prishtinë")),
    ("prizren", pgettext_lazy("municipality", "Prizren")),
    ("rahovec", pgettext_lazy("municipality", "Rahovec")),
    ("ranillug", pgettext_lazy("municipality", "Ranillug")),
    ("shterpce", pgettext_lazy("municipality", "Shtërpcë")),
    ("shtime", pgettext_lazy("municipality", "Shtime")),
    ("skenderaj", pgettext_lazy("municipality", "Skënderaj")),
    ("suhareke", pgettext_lazy("municipality", "Suharekë")),
    ("viti", pgettext_lazy("municipality", "Viti")),
    ("vushtrri", pgettext_lazy("municipality", "Vushtrri")),
    ("zubin-potok", pgettext_lazy("municipality", "Zubin Potok")),
    ("zvecan", pgettext_lazy("municipality", "Zveçan")),
]
MUNICIPALITY_CHOICES = MUNICIPALITIES + [(OUTSIDE_KOSOVO, _("Outside Kosovo"))]
MUNICIPALITY_NAMES = dict(MUNICIPALITIES)
#: The language of the Serbian names (in exports and open data beside the names in
#: the language of the file).
SERBIAN = "sr-latn"


def municipality_choices(blank=None, outside=True):
    """The municipalities with their names in the active language, in its
    alphabetical order, then "Outside Kosovo" (unless ``outside`` is false); first
    an empty choice labelled ``blank`` if given. A form field's ``choices`` takes it
    (``partial(municipality_choices, _("Choose…"))``), so each form lists the names
    of the language it is shown in."""
    choices = sorted(
        ((code, str(name)) for code, name in MUNICIPALITIES),
        key=lambda choice: alphabetical_key(choice[1]),
    )
    if outside:
        choices.append((OUTSIDE_KOSOVO, str(_("Outside Kosovo"))))
    return [("", blank), *choices] if blank is not None else choices


def municipality_name(code):
    """The name of the municipality ``code`` in the active language ("" for none)."""
    return str(MUNICIPALITY_NAMES.get(code, ""))


@cache
def serbian_names():
    """{code: Serbian official name} of every municipality (read once)."""
    with translation.override(SERBIAN):
        return {code: str(name) for code, name in MUNICIPALITIES}


def serbian_name(code):
    """The Serbian official name of the municipality ``code`` ("" for none)."""
    return serbian_names().get(code, "")


# Special-category data (ethnic origin): asked only where the editor turns it on,
# stored only with its own explicit consent.
COMMUNITY_CHOICES = [
    ("roma", _("Roma")),
    ("ashkali", _("Ashkali")),
    ("egyptian", _("Egyptian")),
    ("other", _("Other")),
    ("not_say", _("Prefer not to say")),
]

AVAILABILITY_CHOICES = [
    ("weekdays", _("Weekdays")),
    ("evenings", _("Evenings")),
    ("weekends", _("Weekends")),
]


class SignUpKind(models.TextChoices):
    MEMBERSHIP = "membership", _("Membership")
    VOLUNTEER = "volunteer", _("Volunteering")
    SIGNATURE = "signature", _("Signature")
    REGISTRATION = "registration", _("Congress registration")
    ORGANISATION = "organisation", _("Organisation's application")


#: Kinds a person has once per page (a statement, a congress, an application page;
#: the page in any language), not once per organisation.
PER_PAGE_KINDS = frozenset({SignUpKind.SIGNATURE, SignUpKind.REGISTRATION, SignUpKind.ORGANISATION})


class SignUpState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SignUpSource(models.TextChoices):
    ONLINE = "online", _("Online form")
    PAPER = "paper", _("Paper")


class EmailStatus(models.TextChoices):
    NONE = "", _("No email")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    HELD = "held", _("Held back: too many emails to this address, sent later")
    GAVE_UP = "gave_up", _("Not sent: retried for as long as the link would be valid")
    # Claimed by one sender before it hands the email to the mail server, and "sent"
    # once the server took it: a sender that died in between leaves it so, as the
    # email may or may not have gone out (it is never sent twice by itself).
    SENDING = (
        "sending",
        _("Being sent; if it stays so, sending was cut off and it may not have arrived"),
    )


# Query string parameters of the links in the emails and of the states after them.
CONFIRM_PARAM = "confirm"  # ?confirm=<token>: shows the "Confirm" button (changes nothing)
CONFIRMED_PARAM = "confirmed"  # ?confirmed=<token>: after the POST (POST/redirect/GET)
WITHDRAW_PARAM = "withdraw"  # ?withdraw=<token>: shows the "Withdraw" form
WITHDRAWN_PARAM = "withdrawn"  # ?withdrawn=1: after the POST
LINK_PARAMS = (CONFIRM_PARAM, CONFIRMED_PARAM, WITHDRAW_PARAM, WITHDRAWN_PARAM)

#: Where a statement is signed, under the URL of the page that carries it
#: (``StatementPageMixin.sign_statement``); the emails link there.
STATEMENT_SIGN_PATH = "sign/"
#: Where each kind is taken, and its emails' links answered, under the URL of the
#: page it belongs to (the other kinds: on the page itself).
SIGNUP_PATHS = {
    SignUpKind.SIGNATURE: STATEMENT_SIGN_PATH,
    SignUpKind.REGISTRATION: "register/",
    SignUpKind.ORGANISATION: "apply/",
}
