"""The public form of a question or comment to a congress or one of its sessions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from membership.forms import PublicForm, TextField

from .questions import Question

#: The session choice of a question to the congress as a whole.
WHOLE_CONGRESS = ""


class QuestionForm(PublicForm):
    """Session, name (or anonymous), who the person speaks for, and the text.

    ``sessions`` are the agenda's sessions in the page's language (``id``, ``title``,
    ``start_time``), as the congress page shows them."""

    session = forms.ChoiceField(label=_("To"), required=False)
    name = TextField(
        label=_("Your name"),
        required=False,
        max_length=200,
        help_text=_("Shown with your question once it is public."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    anonymous = forms.BooleanField(label=_("Send it anonymously (without my name)"), required=False)
    speaks_as = forms.ChoiceField(
        label=_("You speak"),
        choices=Question.SpeaksAs.choices,
        initial=Question.SpeaksAs.SELF,
        widget=forms.RadioSelect,
    )
    organisation = TextField(
        label=_("Organisation or party"),
        required=False,
        max_length=200,
        help_text=_("If you speak for an NGO or as a politician."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    text = TextField(
        label=_("Your question or comment"),
        max_length=2000,
        multiline=True,
        help_text=_("At most 2000 characters."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 2000}),
    )

    field_order = ["session", "name", "anonymous", "speaks_as", "organisation", "text"]

    def __init__(self, data=None, *, page, request=None, sessions=(), **kwargs):
        super().__init__(data, page=page, request=request, **kwargs)
        choices = [(WHOLE_CONGRESS, _("The congress as a whole"))]
        for session in sessions:
            if session.get("id"):
                label = session["title"]
                if session.get("start_time"):
                    label = f"{session['start_time']:%H:%M} {label}"
                choices.append((session["id"], label))
        self.fields["session"].choices = choices
        self.sessions = sessions

    def copy_to_send_again(self):
        copy = type(self)(
            page=self.page,
            request=self.request,
            initial=self.typed_values(),
            prefix=self.prefix,
            sessions=self.sessions,
        )
        self.spam_reason()
        copy.shown_at = self.shown_at
        return copy

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("anonymous"):
            cleaned["name"] = ""
        elif not cleaned.get("name") and "name" not in self.errors:
            self.add_error(
                "name", _("Enter your name, or tick the box to send your question anonymously.")
            )
        speaks_as = cleaned.get("speaks_as")
        if speaks_as in (Question.SpeaksAs.NGO, Question.SpeaksAs.POLITICIAN):
            if not cleaned.get("organisation") and "organisation" not in self.errors:
                self.add_error(
                    "organisation",
                    _("Tell us the organisation or party you speak for."),
                )
        elif speaks_as == Question.SpeaksAs.SELF:
            cleaned["organisation"] = ""
        return cleaned

    def question_fields(self):
        data = self.cleaned_data
        return {
            "session": data.get("session") or WHOLE_CONGRESS,
            "name": data.get("name", ""),
            "speaks_as": data["speaks_as"],
            "organisation": data.get("organisation", ""),
            "text": data["text"],
        }
