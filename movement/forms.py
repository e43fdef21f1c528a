"""The candidate's pledge form (the campaign page's ``pledge/`` route).

It carries the spam traps of every public form (``membership.forms.PublicForm``):
a honeypot and a signed time token. One box per demand of the page ("I commit
to: …", with the demand's explanation), each with an optional public comment; at
least one is needed. The consent box says exactly what is published.

The same form edits an unapproved pledge through the candidate's emailed link
(``pledge=``): then it has no email field (the address was confirmed by that link)
and offers to remove the photo.
"""

from functools import partial
from urllib.parse import urlsplit

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField

from membership.constants import municipality_choices
from membership.emails import EmailAddressField
from membership.forms import PublicForm, TextField
from membership.services import page_language

from .records import Pledge

#: Offices for which the municipality must be given.
MUNICIPAL_OFFICES = (Pledge.Office.MAYOR, Pledge.Office.MUNICIPAL_ASSEMBLY)
COMMENT_MAX_LENGTH = 1000


def consent_text(page):
    """What the candidate agrees to, in the page's language: what is published,
    where, under which licence and for how long, and what the address is for."""
    with translation.override(page_language(page)):
        return gettext(
            "I agree that my name, party or list, number on the list, the office I "
            "stand for, my municipality, my photo and my link, and the demands I "
            "commit to with my comments, are published on the page of the campaign "
            "“%(campaign)s” and in its open data under the CC BY 4.0 licence, and "
            "that this record stays public after the election. My email address is "
            "never published: it is used only for messages about this pledge."
        ) % {"campaign": page.title}


class CandidatePledgeForm(PublicForm):
    """A candidate's pledge to the demands of ``page`` (in the page's language)."""

    template_name = "movement/pledge_form.html"

    name = TextField(
        label=_("Name and surname"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = EmailAddressField(
        label=_("Email"),
        max_length=254,
        help_text=_(
            "We send you a link to confirm it, and the messages about your pledge. "
            "It is never published."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        choices=[("", _("I'd rather not say")), ("female", _("woman")), ("male", _("man"))],
        help_text=_(
            "Only for the grammatical agreement of words about you in Albanian "
            "(for example „e zgjedhur“ or „i zgjedhur“). It is not shown otherwise."
        ),
    )
    party = TextField(
        label=_("Party or list"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    list_number = forms.IntegerField(
        label=_("Number on the list (optional)"),
        required=False,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    office = forms.ChoiceField(
        label=_("Standing for"),
        choices=[("", _("Choose…"))] + list(Pledge.Office.choices),
    )
    municipality = forms.ChoiceField(
        label=_("Municipality"),
        required=False,
        choices=partial(municipality_choices, _("Choose…"), outside=False),
        help_text=_(
            "Needed for mayor and municipal assembly: the municipality of the election. "
            "Otherwise optional: where you live."
        ),
    )
    profile_url = forms.URLField(
        label=_("Public contact or profile link (optional)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Published with your pledge: your website or a public profile."),
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    consent = forms.BooleanField(label="")

    #: The fields about the candidate, in the order shown (before the commitments).
    detail_names = (
        "name",
        "email",
        "gender",
        "party",
        "list_number",
        "office",
        "municipality",
        "profile_url",
        "photo",
        "remove_photo",
    )

    def __init__(self, data=None, files=None, *, page, request=None, pledge=None, **kwargs):
        super().__init__(data, page=page, request=request, files=files, **kwargs)
        self.pledge = pledge
        # Wagtail's image field writes its help text and messages when it is made:
        # made here, they are in the visitor's language.
        self.fields["photo"] = WagtailImageField(
            label=_("Photo (optional)"),
            required=False,
            widget=forms.FileInput(attrs={"accept": "image/*"}),
        )
        self.fields["photo"].help_text = " ".join(
            [gettext("Published with your pledge."), str(self.fields["photo"].help_text)]
        )
        self.demands = list(page.demands.all())
        for demand in self.demands:
            self.fields[self.commit_name(demand)] = forms.BooleanField(
                label=gettext("I commit to: %(demand)s") % {"demand": demand.title},
                label_suffix="",
                required=False,
                help_text=demand.explanation,
            )
            self.fields[self.comment_name(demand)] = TextField(
                label=gettext("Your public comment on “%(demand)s” (optional)")
                % {"demand": demand.title},
                required=False,
                multiline=True,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.consent_text = consent_text(page)
        self.fields["consent"].label = self.consent_text
        if pledge is not None:
            # The address was confirmed by the link that shows this form.
            del self.fields["email"]
            if pledge.photo_id:
                self.fields["remove_photo"] = forms.BooleanField(
                    label=_("Remove my photo"), required=False
                )
            if not self.is_bound:
                self.initial.update(self.initial_from(pledge))

    @staticmethod
    def commit_name(demand):
        return f"commit_{demand.pk}"

    @staticmethod
    def comment_name(demand):
        return f"comment_{demand.pk}"

    def initial_from(self, pledge):
        """The form's values for an existing pledge: its commitments are found by the
        translation key of their demand (the pledge keeps the first page's rows)."""
        initial = {
            "name": pledge.name,
            "gender": pledge.gender,
            "party": pledge.party,
            "list_number": pledge.list_number,
            "office": pledge.office,
            "municipality": pledge.municipality,
            "profile_url": pledge.profile_url,
        }
        committed = {c.demand.translation_key: c.comment for c in pledge.commitments.all()}
        for demand in self.demands:
            if demand.translation_key in committed:
                initial[self.commit_name(demand)] = True
                initial[self.comment_name(demand)] = committed[demand.translation_key]
        return initial

    # -- what the template shows --------------------------------------------------

    def detail_fields(self):
        return [self[name] for name in self.detail_names if name in self.fields]

    def commitment_rows(self):
        return [
            (demand, self[self.commit_name(demand)], self[self.comment_name(demand)])
            for demand in self.demands
        ]

    @property
    def consent_field(self):
        return self["consent"]

    # -- cleaning -------------------------------------------------------------------

    def clean_profile_url(self):
        url = self.cleaned_data.get("profile_url", "")
        if url and urlsplit(url).scheme.lower() not in ("http", "https"):
            raise forms.ValidationError(
                _("Enter a web address that starts with https:// or http://."), code="scheme"
            )
        return url

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        if office in MUNICIPAL_OFFICES and not cleaned.get("municipality"):
            self.add_error(
                "municipality", _("Choose the municipality where you stand for election.")
            )
        ticked = 0
        for demand in self.demands:
            committed = cleaned.get(self.commit_name(demand))
            ticked += bool(committed)
            if cleaned.get(self.comment_name(demand)) and not committed:
                self.add_error(
                    self.comment_name(demand),
                    _(
                        "You wrote a comment on a demand you do not commit to: tick its "
                        "box, or remove the comment."
                    ),
                )
        if not self.demands:
            self.add_error(None, _("This campaign has no demands to commit to yet."))
        elif not ticked:
            self.add_error(
                self.commit_name(self.demands[0]),
                _("Tick at least one demand you commit to."),
            )
        return cleaned

    # -- what is stored -------------------------------------------------------------

    def pledge_fields(self):
        """The pledge's public fields from the cleaned form."""
        data = self.cleaned_data
        office = data.get("office", "")
        return {
            "name": data["name"],
            "gender": data.get("gender", ""),
            "party": data.get("party", ""),
            "list_number": data.get("list_number"),
            "office": office,
            "municipality": data.get("municipality", ""),
            "profile_url": data.get("profile_url", ""),
        }

    def commitments(self):
        """[(translation key of the demand, comment)] of the ticked demands."""
        data = self.cleaned_data
        return [
            (demand.translation_key, data.get(self.comment_name(demand), ""))
            for demand in self.demands
            if data.get(self.commit_name(demand))
        ]
