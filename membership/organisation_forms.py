"""The application of an organisation to join a platform (``MemberOrganisationsPage``,
its ``apply/`` page) and the staff's review form.

The application is a sign-up of its contact person (kind ``organisation``): the
person's name, address and phone go to their ``Supporter`` as every sign-up's do,
and what the organisation says about itself to the ``OrganisationApplication`` kept
beside the sign-up (``on_store``, in the same transaction).
"""

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from home.brand import normalise_phone

from .constants import SignUpKind, municipality_choices
from .forms import PublicForm, TextField, _country_field, _email_field, _name_field
from .organisation_flow import store_application
from .organisations import OrganisationApplication


class OrganisationApplicationForm(PublicForm):
    organisation_name = TextField(
        label=_("Name of the organisation"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=OrganisationApplication.Kind.choices,
        widget=forms.RadioSelect,
    )
    registration_number = TextField(
        label=_("Registration number"),
        required=False,
        max_length=40,
        help_text=_("Only if the organisation is registered."),
    )
    municipality = forms.ChoiceField(
        label=_("Municipality of the organisation"),
        choices=partial(municipality_choices, _("Choose…")),
        help_text=_('Based abroad? Choose "Outside Kosovo" and tell us the country.'),
    )
    country = _country_field()
    given_name = _name_field(_("Given name of the contact person"), "given-name")
    family_name = _name_field(_("Family name of the contact person"), "family-name")
    email = _email_field()
    phone = TextField(
        label=_("Phone of the contact person"),
        max_length=40,
        help_text=_("For example +383 44 123 456."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    # Not "website": that name is the spam trap every public form carries.
    web_address = forms.URLField(
        label=_("Website of the organisation"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Optional. For example https://example.org"),
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    work = TextField(
        label=_("What does the organisation work on?"),
        multiline=True,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    principles = forms.BooleanField(
        label=_("The organisation agrees with the principles of the platform shown above."),
        error_messages={"required": _("Member organisations must agree with the principles.")},
    )
    consent = forms.BooleanField(label="")

    field_order = [
        "organisation_name",
        "kind",
        "registration_number",
        "municipality",
        "country",
        "web_address",
        "work",
        "given_name",
        "family_name",
        "email",
        "phone",
        "principles",
        "consent",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = self.page.consent_text
        self.order_fields(self.field_order)

    def clean_phone(self):
        # Stored in E.164, as every phone number of the platform.
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def person(self):
        person = super().person()
        # The contact person's place is taken to be the organisation's.
        person.pop("year_of_birth", None)
        return person

    def application(self):
        """What the organisation says about itself (``OrganisationApplication`` fields)."""
        data = self.cleaned_data
        return {
            "name": data["organisation_name"],
            "kind": data["kind"],
            "registration_number": data.get("registration_number", ""),
            "municipality": data["municipality"],
            "website": data.get("web_address", ""),
            "work": data["work"],
        }

    def signups(self):
        application = self.application()
        return [
            {
                "kind": SignUpKind.ORGANISATION,
                "consents": [("signup", self.page.consent_text)],
                "on_store": lambda signup: store_application(signup, application),
            }
        ]


class ReviewForm(forms.Form):
    """The staff's decision on an application."""

    DECISIONS = [
        (OrganisationApplication.Review.APPROVED, _("Approve: list the organisation")),
        (OrganisationApplication.Review.MORE, _("Ask for more information")),
        (OrganisationApplication.Review.DECLINED, _("Decline")),
    ]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    message = TextField(
        label=_("Message to the contact person"),
        required=False,
        multiline=True,
        max_length=2000,
        help_text=_(
            "Needed to decline (the reason) or to ask for more (what is missing); "
            "emailed to the contact person."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and decision != OrganisationApplication.Review.APPROVED:
            if not cleaned.get("message"):
                self.add_error(
                    "message",
                    _("Write the reason for declining, or what more you need to know."),
                )
        return cleaned
