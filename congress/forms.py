from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.permissions import policy_registry

from home.security.choosers import ScopedAdminModelForm

from .permissions import editable_congresses


class CongressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.locale.get_display_name()})"


class OutcomeForm(ScopedAdminModelForm):
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


class SpeakerForm(ScopedAdminModelForm):
    """The speaker's site is one the user may add (or change) speakers for; a user
    with one such site gets it preset, a superuser chooses among all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("site")
        if field is None or self.for_user is None:
            return
        policy = policy_registry.get_by_type(self._meta.model)
        editing = self.instance.pk is not None
        keep = Q(pk__in=policy.sites_for(self.for_user, ["change" if editing else "add"]))
        if editing:
            keep |= Q(pk=self.instance.site_id)
        field.queryset = field.queryset.filter(keep).order_by("site_name", "hostname")
        field.label_from_instance = lambda site: site.site_name or site.hostname
        sites = list(field.queryset[:2])
        if len(sites) == 1:
            field.empty_label = None
            if not editing:
                self.initial["site"] = sites[0].pk
