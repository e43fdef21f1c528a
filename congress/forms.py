from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .permissions import editable_congresses


class CongressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.locale.get_display_name()})"


class OutcomeForm(WagtailAdminModelForm):
    """Only congresses the user may edit can be chosen, in a plain select."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("congress")
        if field is None:
            return
        queryset = field.queryset
        if self.for_user is not None:
            queryset = editable_congresses(self.for_user)
        self.fields["congress"] = CongressChoiceField(
            queryset=queryset.select_related("locale").order_by("-start_at"),
            label=_("congress"),
            help_text=_("The congress this outcome belongs to."),
            widget=forms.Select,
            initial=field.initial,
        )
