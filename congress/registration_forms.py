"""The public form to register for a congress (``register/``)."""

from functools import partial

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from home.languages import site_languages
from membership.constants import SignUpKind, municipality_choices
from membership.emails import EmailAddressField
from membership.forms import CONTACT_FIELD, PublicForm, TextField
from membership.records import ConsentRecord

from .registration_flow import offered_modes, store_registration
from .registrations import Registration


def registration_signup(
    page, *, mode, organisation="", role="", accessibility="", consent=None, contact=None
):
    """The sign-up spec ``store_submission`` takes for a registration; its
    ``on_store`` keeps the ``Registration`` beside the sign-up. Staff entering a
    walk-in (``store_submission(entered_by=...)``) use it too: the sign-up is then
    confirmed at once and the registration has a place and ``walk_in`` set.
    ``contact``: the words of the ticked box agreeing to the organisation's emails."""
    details = {
        "mode": mode,
        "organisation": organisation,
        "role": role,
        "accessibility": accessibility,
    }
    consents = [("signup", consent)] if consent else []
    if contact:
        consents.append((ConsentRecord.Purpose.CONTACT, contact))
    return {
        "kind": SignUpKind.REGISTRATION,
        "consents": consents,
        "on_store": lambda signup: store_registration(signup, details),
    }


class RegistrationForm(PublicForm):
    given_name = TextField(
        label=_("Given name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = TextField(
        label=_("Family name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = EmailAddressField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send you a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation = TextField(
        label=_("Organisation (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    role = TextField(
        label=_("Role in the organisation (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    municipality = forms.ChoiceField(
        label=_("Municipality"),
        choices=partial(municipality_choices, _("Choose…")),
        help_text=_('Live abroad? Choose "Outside Kosovo" and tell us the country.'),
    )
    country = TextField(
        label=_("Country (if outside Kosovo)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
    mode = forms.ChoiceField(label=_("How will you take part?"), widget=forms.RadioSelect)
    accessibility = TextField(
        label=_("Accessibility needs (optional)"),
        required=False,
        max_length=1000,
        multiline=True,
        help_text=_("For example step-free access, a sign language interpreter, large print."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email_language = forms.ChoiceField(label=_("Language of our emails"))
    consent = forms.BooleanField(label="")

    def __init__(self, data=None, *, page, **kwargs):
        kwargs.setdefault("prefix", "registration")
        super().__init__(data, page=page, **kwargs)
        modes = offered_modes(page)
        self.fields["mode"].choices = [(mode, Registration.Mode(mode).label) for mode in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0]
        self.fields["consent"].label = page.registration_consent_text
        self.add_contact_field()
        self.fields["email_language"].choices = site_languages(page.get_site())
        if not self.is_bound:
            language = page.locale.language_code if page.locale_id else settings.LANGUAGE_CODE
            self.fields["email_language"].initial = language

    def person(self):
        person = super().person()
        person["language"] = self.cleaned_data.get("email_language", "")
        return person

    def signups(self):
        data = self.cleaned_data
        return [
            registration_signup(
                self.page,
                mode=data["mode"],
                organisation=data.get("organisation", ""),
                role=data.get("role", ""),
                accessibility=data.get("accessibility", ""),
                consent=self.page.registration_consent_text,
                contact=self.contact_text if data.get(CONTACT_FIELD) else None,
            )
        ]
