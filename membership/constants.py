"""Fixed lists and names shared by the forms, the services and the models:
municipalities, communities, times, the states of a sign-up, link parameters."""

from django.db import models
from django.utils.translation import gettext_lazy as _

OUTSIDE_KOSOVO = "jashte"

# Kosovo's 38 municipalities by their Albanian names (the official names used on
# both language versions of the site), stored by a stable ASCII code.
MUNICIPALITIES = [
    ("decan", "Deçan"),
    ("dragash", "Dragash"),
    ("ferizaj", "Ferizaj"),
    ("fushe-kosove", "Fushë Kosovë"),
    ("gjakove", "Gjakovë"),
    ("gjilan", "Gjilan"),
    ("drenas", "Drenas (Gllogoc)"),
    ("gracanice", "Graçanicë"),
    ("hani-i-elezit", "Hani i Elezit"),
    ("istog", "Istog"),
    ("junik", "Junik"),
    ("kacanik", "Kaçanik"),
    ("kamenice", "Kamenicë"),
    ("kline", "Klinë"),
    ("kllokot", "Kllokot"),
    ("leposaviq", "Leposaviq"),
    ("lipjan", "Lipjan"),
    ("malisheve", "Malishevë"),
    ("mamushe", "Mamushë"),
    ("mitrovice-jug", "Mitrovicë e Jugut"),
    ("mitrovice-veri", "Mitrovicë e Veriut"),
    ("novoberde", "Novobërdë"),
    ("obiliq", "Obiliq"),
    ("partesh", "Partesh"),
    ("peje", "Pejë"),
    ("podujeve", "Podujevë"),
    ("prishtine", "Prishtinë"),
    ("prizren", "Prizren"),
    ("rahovec", "Rahovec"),
    ("ranillug", "Ranillug"),
    ("shterpce", "Shtërpcë"),
    ("shtime", "Shtime"),
    ("skenderaj", "Skënderaj"),
    ("suhareke", "Suharekë"),
    ("viti", "Viti"),
    ("vushtrri", "Vushtrri"),
    ("zubin-potok", "Zubin Potok"),
    ("zvecan", "Zveçan"),
]
MUNICIPALITY_CHOICES = MUNICIPALITIES + [(OUTSIDE_KOSOVO, _("Outside Kosovo"))]
MUNICIPALITY_NAMES = dict(MUNICIPALITIES)

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
