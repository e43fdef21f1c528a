"""Public sign-up forms (join, volunteer, sign a statement) and the admin's forms.

Every public form carries two spam traps: a honeypot field that people never see
and a signed time token. A filled honeypot or a missing or forged token is treated
as spam: it gets the normal thank-you answer and stores nothing. A valid form sent
sooner than MEMBERSHIP_MIN_FORM_SECONDS after it was shown (browser autofill does
this) is shown again with what was typed and a message asking to send it once more,
and nothing is stored. A form older than
MEMBERSHIP_FORM_MAX_AGE, or whose token was sent before (each token is accepted
once), is shown again with a message, a new token, and nothing stored.

Every sign-up form also offers an optional box to receive the organisation's
messages (``contact``): never ticked in advance, its exact words kept as a consent
record of purpose "contact", and in force once the sign-up is confirmed.
"""

import hashlib
import logging
import re
import secrets
import time
import unicodedata
from functools import partial

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from home.dates import format_moment

from .constants import (
    AVAILABILITY_CHOICES,
    COMMUNITY_CHOICES,
    OUTSIDE_KOSOVO,
    SignUpKind,
    municipality_choices,
)
from .emails import EmailAddressField
from .records import ConsentRecord
from .services import membership_settings_for_page, page_language, site_for_request_page
from .tasks import sender_identity

logger = logging.getLogger(__name__)

TIME_TOKEN_SALT = "membership.form-time"  # noqa: S105 - a salt name, not a secret
HONEYPOT_FIELD = "website"
# Directional formatting characters: invisible, and used to disguise text.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
OTHER_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()./-]+$")
CONTACT_FIELD = "contact"


def contact_consent_text(site, language):
    """The words of the box that lets the organisation email a person, in
    ``language``, naming the organisation as it signs its messages: what is shown is
    what is kept as the consent."""
    name = sender_identity(site, language)[0]
    with translation.override(language):
        return gettext(
            "Email me news and calls to action from %(organisation)s. I can "
            "unsubscribe at any time with one click."
        ) % {"organisation": name}


def form_time_token(now=None):
    """A signed token holding the time the form was shown and a random id: each
    form shown gets its own token, and a token is accepted once."""
    shown_at = int(now if now is not None else time.time())
    return signing.dumps([shown_at, secrets.token_urlsafe(16)], salt=TIME_TOKEN_SALT)


def read_form_time_token(token):
    """The time in a token of ``form_time_token``; raises signing.BadSignature or
    ValueError for anything else."""
    return _read_time_token(token)[0]


def _read_time_token(token):
    value = signing.loads(token, salt=TIME_TOKEN_SALT)
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("not a time token")
    shown_at, token_id = value
    if not isinstance(shown_at, int) or isinstance(shown_at, bool):
        raise ValueError("not a time")
    if not isinstance(token_id, str) or not token_id:
        raise ValueError("no id")
    return shown_at, token_id


def first_use_of_time_token(token_id, sender):
    """Record that a token was sent by ``sender`` (the address the form gives); False
    when it was sent before with another address. The same form sent again with the
    same address (a double click, a resent page) is the same submission: it is let
    through, and storing it twice changes nothing.

    Kept in the ``default`` cache (Redis in production, else files every worker on
    the machine shares) for as long as a token is accepted, with a digest of the
    address, not the address. When the cache cannot be reached the token is
    accepted, with a logged warning."""
    key = f"membership:form-time:{token_id}"
    digest = hashlib.sha256(sender.encode()).hexdigest()
    try:
        added = cache.add(key, digest, settings.MEMBERSHIP_FORM_MAX_AGE)
        if added is None:  # django-redis swallowed a connection error (IGNORE_EXCEPTIONS)
            logger.warning("Time token not checked for reuse: the cache did not answer")
            return True
        return added or cache.get(key) == digest
    except Exception:
        logger.warning("Time token not checked for reuse: the cache is unavailable", exc_info=True)
        return True


def clean_text(value, multiline=False):
    """Normalise text: NFC, no invisible direction marks or control characters."""
    value = unicodedata.normalize("NFC", value or "")
    value = BIDI_CONTROLS.sub("", value)
    value = OTHER_CONTROLS.sub("", value)
    if not multiline:
        value = " ".join(value.split())
    return value.strip()


class TextField(forms.CharField):
    """A CharField that cleans invisible characters (NUL bytes are refused by Django)."""

    def __init__(self, *args, multiline=False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value, self.multiline)


class PublicForm(forms.Form):
    """Spam traps, page-aware texts and shared cleaning for the public forms."""

    template_name = "membership/includes/form.html"
    required_css_class = "required"
    error_css_class = "has-error"

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_time = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, page, request=None, **kwargs):
        self.page = page
        self.request = request
        super().__init__(data, **kwargs)
        if not self.is_bound:
            self.fields["form_time"].initial = form_time_token()

    @cached_property
    def membership_settings(self):
        """The organisation's rules, loaded only by the forms that need them."""
        return membership_settings_for_page(self.page, self.request)

    # -- spam -------------------------------------------------------------------

    def spam_reason(self):
        """ "honeypot", "token" (missing, forged), "fast" (sent too soon) or None.

        A form left open too long (``stale``) or whose token was sent before
        with another address (a copied token) is no spam: it is shown again with a
        message and a new token, and nothing is stored (``clean``)."""
        return self._spam_reason

    @cached_property
    def _spam_reason(self):
        if not self.is_bound:
            return None
        if self.data.get(self.add_prefix(HONEYPOT_FIELD), ""):
            return "honeypot"
        token = self.data.get(self.add_prefix("form_time"), "")
        try:
            shown_at, token_id = _read_time_token(token)
        except (signing.BadSignature, TypeError, ValueError):
            return "token"
        elapsed = time.time() - shown_at
        if elapsed > settings.MEMBERSHIP_FORM_MAX_AGE:
            # A real person who left the form open: ask them to send it again.
            self.stale = True
            return None
        self.shown_at = shown_at
        if elapsed < settings.MEMBERSHIP_MIN_FORM_SECONDS:
            # Possibly a person whose browser filled the form in: shown again
            # (``handle_submission``) with a token of the time it was first shown.
            return "fast"
        self.token_id = token_id
        return None

    def is_spam(self):
        return self.spam_reason() is not None

    stale = False
    shown_at = None
    token_id = None

    def fresh_time_token(self):
        """The token of the form as shown (again): a new id, and the time the visitor
        first saw the form, so correcting a mistake is never "too fast"."""
        return form_time_token(now=self.shown_at)

    def typed_values(self):
        """What the visitor sent, field by field, as the widgets read it (spam traps
        left out)."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
            if name not in (HONEYPOT_FIELD, "form_time")
        }

    def copy_to_send_again(self):
        """An unbound copy of this bound form holding what the visitor typed, without
        error messages, and a new time token (of the time the form was first shown)."""
        self.spam_reason()
        copy = type(self)(
            page=self.page, request=self.request, initial=self.typed_values(), prefix=self.prefix
        )
        copy.shown_at = self.shown_at
        return copy

    def render(self, template_name=None, context=None, renderer=None):
        """The form in its template (``{{ form }}``), rendered with the site's template
        engine as an ``{% include %}`` would."""
        if template_name or context or renderer:
            return super().render(template_name, context, renderer)
        return render_to_string(self.template_name, {"form": self})

    __str__ = render

    def visible_fields(self):
        return [f for f in super().visible_fields() if f.name != HONEYPOT_FIELD]

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    # -- email from the organisation --------------------------------------------------

    def add_contact_field(self):
        """The optional box to receive the organisation's messages, in the page's
        language. Left unticked: agreeing to email is a choice, never a default.
        Its words (the organisation's name) are looked up only when they are shown
        or stored, not for every form that is sent."""
        self.fields[CONTACT_FIELD] = forms.BooleanField(
            label=lazy(lambda: self.contact_text or "", str)(), required=False, initial=False
        )

    @cached_property
    def contact_text(self):
        """The words of the box; None for a page outside any site (it takes no
        sign-ups)."""
        site = site_for_request_page(self.request, self.page)
        if site is None:
            return None
        return contact_consent_text(site, page_language(self.page))

    def contact_consents(self):
        """The consent to email, as ``store_submission`` keeps it, when the box is
        ticked: [("contact", the words shown)]; else []."""
        if self.cleaned_data.get(CONTACT_FIELD) and self.contact_text:
            return [(ConsentRecord.Purpose.CONTACT, self.contact_text)]
        return []

    # -- shared cleaning ----------------------------------------------------------

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if not phone:
            return ""
        digits = re.sub(r"\D", "", phone)
        if not PHONE_ALLOWED.match(phone) or not 6 <= len(digits) <= 15:
            raise forms.ValidationError(
                _("Enter a phone number with digits only, for example +383 44 123 456."),
                code="phone",
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        self.spam_reason()
        if self.stale:
            raise forms.ValidationError(
                _("This form was open for a long time. Please check it and send it again."),
                code="stale",
            )
        sender = cleaned.get("email") or ""
        if self.token_id and not first_use_of_time_token(self.token_id, sender):
            raise forms.ValidationError(
                _(
                    "This form was sent already. To send it again, check it and press "
                    "the button once more."
                ),
                code="replayed",
            )
        if cleaned.get("municipality") == OUTSIDE_KOSOVO and not cleaned.get("country"):
            self.add_error("country", _("Tell us the country you live in."))
        elif cleaned.get("municipality") and cleaned.get("municipality") != OUTSIDE_KOSOVO:
            cleaned["country"] = ""
        return cleaned

    def _check_age(self, cleaned):
        """Year of birth (or the age box) against the organisation's minimum age."""
        minimum = self.membership_settings.minimum_age
        if self.membership_settings.ask_year_of_birth:
            year = cleaned.get("year_of_birth")
            if year is None:
                if "year_of_birth" not in self.errors:
                    self.add_error("year_of_birth", _("Enter your year of birth."))
                return
            # Whoever reaches the minimum age during this calendar year may join.
            if timezone.localdate().year - year < minimum:
                self.add_error(
                    "year_of_birth",
                    _("Members must be at least %(age)s years old.") % {"age": minimum},
                )
        elif not cleaned.get("age_confirmed"):
            self.add_error("age_confirmed", _("Only people of the minimum age can join."))

    # -- what is stored -------------------------------------------------------------

    def person(self):
        data = self.cleaned_data
        return {
            "given_name": data.get("given_name", ""),
            "family_name": data.get("family_name", ""),
            "phone": data.get("phone", ""),
            "municipality": data.get("municipality", ""),
            "country": data.get("country", ""),
            "year_of_birth": data.get("year_of_birth"),
        }


def _name_field(label, autocomplete):
    return TextField(
        label=label, max_length=100, widget=forms.TextInput(attrs={"autocomplete": autocomplete})
    )


def _email_field():
    return EmailAddressField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send you a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _phone_field():
    return TextField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("Optional. For example +383 44 123 456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


def _municipality_field():
    return forms.ChoiceField(
        label=_("Municipality"),
        choices=partial(municipality_choices, _("Choose…")),
        help_text=_('Live abroad? Choose "Outside Kosovo" and tell us the country.'),
    )


def _country_field():
    return TextField(
        label=_("Country (if outside Kosovo)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )


def _year_field(required=True):
    this_year = timezone.localdate().year
    return forms.IntegerField(
        label=_("Year of birth"),
        required=required,
        min_value=1900,
        max_value=this_year,
        widget=forms.NumberInput(attrs={"autocomplete": "bday-year", "inputmode": "numeric"}),
    )


class AgeFieldsMixin:
    """Year of birth or an age box, as the organisation chose."""

    def _add_age_fields(self, required):
        minimum = self.membership_settings.minimum_age
        if self.membership_settings.ask_year_of_birth:
            self.fields["year_of_birth"] = _year_field(required=required)
            self.fields["year_of_birth"].help_text = _(
                "Members must be at least %(age)s years old."
            ) % {"age": minimum}
        else:
            self.fields["age_confirmed"] = forms.BooleanField(
                label=_("I am at least %(age)s years old.") % {"age": minimum},
                required=required,
            )


class JoinForm(AgeFieldsMixin, PublicForm):
    given_name = _name_field(_("Given name"), "given-name")
    family_name = _name_field(_("Family name"), "family-name")
    email = _email_field()
    phone = _phone_field()
    municipality = _municipality_field()
    country = _country_field()
    motivation = TextField(
        label=_("Why do you want to join?"),
        required=False,
        multiline=True,
        max_length=2000,
        help_text=_("Optional."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(label="")

    field_order = [
        "given_name",
        "family_name",
        "email",
        "phone",
        "municipality",
        "country",
        "year_of_birth",
        "age_confirmed",
        "motivation",
        "consent",
        CONTACT_FIELD,
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_age_fields(required=True)
        self.fields["consent"].label = self.page.consent_text
        self.add_contact_field()
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        self._check_age(cleaned)
        return cleaned

    def signups(self):
        data = self.cleaned_data
        return [
            {
                "kind": SignUpKind.MEMBERSHIP,
                "fields": {
                    "motivation": data.get("motivation", ""),
                    "age_confirmed": True,
                },
                "consents": [("signup", self.page.consent_text), *self.contact_consents()],
            }
        ]


class VolunteerForm(AgeFieldsMixin, PublicForm):
    given_name = _name_field(_("Given name"), "given-name")
    family_name = _name_field(_("Family name"), "family-name")
    email = _email_field()
    phone = _phone_field()
    municipality = _municipality_field()
    country = _country_field()
    areas = forms.MultipleChoiceField(
        label=_("Where can you help?"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    skills = TextField(
        label=_("Skills"),
        required=False,
        multiline=True,
        max_length=2000,
        help_text=_("Optional. What you are good at: design, writing, driving, first aid…"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you available?"),
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages_spoken = TextField(
        label=_("Languages you speak"),
        required=False,
        max_length=200,
        help_text=_("Optional. For example: Albanian, English, Serbian, Romani."),
    )
    also_member = forms.BooleanField(label=_("Make me a member too."), required=False)
    consent = forms.BooleanField(label="")

    field_order = [
        "given_name",
        "family_name",
        "email",
        "phone",
        "municipality",
        "country",
        "areas",
        "skills",
        "availability",
        "languages_spoken",
        "also_member",
        "year_of_birth",
        "age_confirmed",
        "consent",
        CONTACT_FIELD,
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = self.membership_settings.area_choices()
        self.fields["areas"].choices = choices
        self.fields["areas"].required = bool(choices)
        if not choices:
            del self.fields["areas"]
        if getattr(self.page, "offer_membership", False):
            self._add_age_fields(required=False)
            field = self.fields.get("year_of_birth") or self.fields.get("age_confirmed")
            field.help_text = _("Needed only if you become a member too.")
        else:
            del self.fields["also_member"]
        self.fields["consent"].label = self.page.consent_text
        self.add_contact_field()
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("also_member"):
            self._check_age(cleaned)
        return cleaned

    def signups(self):
        data = self.cleaned_data
        result = [
            {
                "kind": SignUpKind.VOLUNTEER,
                "fields": {
                    "areas": data.get("areas", []),
                    "skills": data.get("skills", ""),
                    "availability": data.get("availability", []),
                    "languages_spoken": data.get("languages_spoken", ""),
                },
                "consents": [("signup", self.page.consent_text), *self.contact_consents()],
            }
        ]
        if data.get("also_member"):
            text = self.page.membership_consent_text or self.page.consent_text
            result.append(
                {
                    "kind": SignUpKind.MEMBERSHIP,
                    "fields": {"age_confirmed": True},
                    "consents": [("signup", text), *self.contact_consents()],
                }
            )
        return result


class StatementForm(PublicForm):
    given_name = _name_field(_("Given name"), "given-name")
    family_name = _name_field(_("Family name"), "family-name")
    municipality = _municipality_field()
    country = _country_field()
    email = _email_field()
    community = forms.ChoiceField(
        label=_("Community (optional)"),
        choices=[("", _("I'd rather not answer"))] + COMMUNITY_CHOICES,
        required=False,
        help_text=_("Only if you want to tell us, and only with the box below ticked."),
    )
    community_consent = forms.BooleanField(label="", required=False)
    consent = forms.BooleanField(label="")

    def __init__(self, data=None, *, page, **kwargs):
        kwargs.setdefault("prefix", "statement")
        super().__init__(data, page=page, **kwargs)
        if page.statement_ask_community:
            self.fields["community_consent"].label = page.statement_community_consent_text
        else:
            del self.fields["community"]
            del self.fields["community_consent"]
        self.fields["consent"].label = page.statement_consent_text
        self.add_contact_field()

    def clean(self):
        cleaned = super().clean()
        community = cleaned.get("community")
        if community and not cleaned.get("community_consent"):
            self.add_error(
                "community_consent",
                _("Tick this box to let us store your community, or leave the question empty."),
            )
        return cleaned

    def signups(self):
        data = self.cleaned_data
        consents = [("signup", self.page.statement_consent_text)]
        community = data.get("community", "")
        if community:
            consents.append(("community", self.page.statement_community_consent_text))
        consents += self.contact_consents()
        return [
            {
                "kind": SignUpKind.SIGNATURE,
                "fields": {"community": community},
                "consents": consents,
            }
        ]


# -- admin forms --------------------------------------------------------------------


class PaperSignatureForm(forms.Form):
    """One signature collected on paper, typed in by staff."""

    page = forms.ChoiceField(label=_("Statement"))
    given_name = TextField(label=_("Given name"), max_length=100)
    family_name = TextField(label=_("Family name"), max_length=100)
    municipality = forms.ChoiceField(
        label=_("Municipality"), choices=partial(municipality_choices, "—")
    )
    country = TextField(label=_("Country (if outside Kosovo)"), required=False, max_length=100)
    email = EmailAddressField(label=_("Email"), required=False, max_length=254)
    phone = TextField(label=_("Phone"), required=False, max_length=40)
    signed_on = forms.DateField(
        label=_("Date signed"),
        required=False,
        help_text=_(
            "The day written on the paper, for example 2019-10-05. Needed when the "
            "statement has a signing period; it must fall inside it."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages = {str(p.pk): p for p in pages}
        self.fields["page"].choices = [(str(p.pk), p.title) for p in pages]

    def clean_page(self):
        return self.pages[self.cleaned_data["page"]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("municipality") == OUTSIDE_KOSOVO and not cleaned.get("country"):
            self.add_error("country", _("Tell us the country you live in."))
        page = cleaned.get("page")
        day = cleaned.get("signed_on")
        if page is not None and "signed_on" not in self.errors:
            has_period = any(page.specific.signing_period())
            if day is None and has_period:
                self.add_error(
                    "signed_on",
                    _(
                        "Enter the date the signature was given: this statement has a signing "
                        "period."
                    ),
                )
            elif day is not None and not page.specific.signing_day_in_period(day):
                self.add_error("signed_on", self._outside_period_message(page.specific))
        return cleaned

    @staticmethod
    def _outside_period_message(page):
        opens, closes = page.signing_period()
        if opens and closes:
            return _(
                "This date is outside the signing period (%(opens)s to %(closes)s); "
                "signatures from outside it cannot be added."
            ) % {"opens": format_moment(opens), "closes": format_moment(closes)}
        if opens:
            return _("This date is before signing opened (%(opens)s); it cannot be added.") % {
                "opens": format_moment(opens)
            }
        return _("This date is after signing closed (%(closes)s); it cannot be added.") % {
            "closes": format_moment(closes)
        }


class PaperImportForm(forms.Form):
    page = forms.ChoiceField(label=_("Statement"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: given_name, family_name, municipality, country, email, phone, "
            "signed_on (the date signed, needed when the statement has a signing period). "
            "Municipality by name or code."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (import nothing)"), required=False, initial=True
    )

    def __init__(self, *args, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages = {str(p.pk): p for p in pages}
        self.fields["page"].choices = [(str(p.pk), p.title) for p in pages]

    def clean_page(self):
        return self.pages[self.cleaned_data["page"]]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is too large (5 MB at most)."))
        return upload
