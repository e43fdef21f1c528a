"""The People list's filters, shared by the People page and the export task: which
people and sign-ups of which organisations a set of filter values selects."""

from datetime import datetime, time, timedelta
from functools import partial

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from .constants import municipality_choices
from .emails import search_term
from .records import SignUp, Supporter

#: Pending sign-ups whose confirmation email the mail server refused (still
#: retrying, or given up) or whose sending was cut off (it may not have arrived; an
#: email being sent right now is not: membership.tasks.SENDING_GRACE): staff can send
#: it again.
UNSENT = Q(state=SignUp.State.PENDING) & (
    Q(email_status__in=[SignUp.EmailStatus.FAILED, SignUp.EmailStatus.GAVE_UP])
    | Q(email_status=SignUp.EmailStatus.SENDING, email_retry_at__lte=Now())
)


def signup_pages(sites):
    """The pages of these sites (in every language tree) that someone signed up on,
    by title. Each page is one index look-up in the sign-ups, however many there
    are (a scan of the sign-ups for their pages would read them all)."""
    roots = list(
        Page.objects.filter(
            translation_key__in=Page.objects.filter(sites_rooted_here__in=sites).values(
                "translation_key"
            )
        ).values_list("path", flat=True)
    )
    if not roots:
        return Page.objects.none()
    in_trees = Q()
    for path in roots:
        in_trees |= Q(path__startswith=path)
    return (
        Page.objects.filter(in_trees, Exists(SignUp.objects.filter(page=OuterRef("pk"))))
        .select_related("locale")
        .order_by("title", "pk")
    )


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds"))] + SignUp.Kind.choices,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All states"))] + SignUp.State.choices,
    )
    municipality = forms.ChoiceField(
        label=gettext_lazy("Municipality"),
        required=False,
        choices=partial(municipality_choices, gettext_lazy("All municipalities")),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Signed up from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Signed up until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    email = forms.ChoiceField(
        label=gettext_lazy("Confirmation email"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("unsent", gettext_lazy("Confirmation email not sent")),
        ],
    )
    page = forms.ChoiceField(label=gettext_lazy("Page"), required=False)
    site = forms.ChoiceField(label=gettext_lazy("Organisation"), required=False)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All my organisations"))] + [
            (str(s.pk), s.site_name or s.hostname) for s in sites
        ]
        if len(sites) < 2:
            del self.fields["site"]
        self.fields["page"].choices = [("", _("All pages"))] + [
            (str(p.pk), f"{p.title} ({p.locale.language_code})") for p in signup_pages(sites)
        ]

    def signup_conditions(self):
        """Conditions on a sign-up (kind, state, page, date) as a Q object."""
        data = self.cleaned_data if self.is_valid() else {}
        q = Q()
        if data.get("kind"):
            q &= Q(kind=data["kind"])
        if data.get("state"):
            q &= Q(state=data["state"])
        if data.get("page"):
            q &= Q(page_id=int(data["page"]))
        if data.get("email") == "unsent":
            q &= UNSENT
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            q &= Q(created_at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
        if data.get("date_to"):
            q &= Q(
                created_at__lt=datetime.combine(data["date_to"], time.min, tzinfo=tz)
                + timedelta(days=1)
            )
        return q

    def person_conditions(self):
        data = self.cleaned_data if self.is_valid() else {}
        q = Q()
        if data.get("municipality"):
            q &= Q(municipality=data["municipality"])
        term = (data.get("q") or "").strip()
        if term:
            q &= (
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(email__icontains=search_term(term))
                | Q(phone__icontains=term)
            )
        return q


def filtered(params, sites, shown_sites):
    """(form, people, sign-ups) of the People filters in ``params`` (a QueryDict or
    a dict) over ``shown_sites``; ``sites`` are all the user may see (the form's
    choices). The export task passes what the page had."""
    form = PeopleFilterForm(params or None, sites=list(sites))
    # Ids, not a subquery: with one organisation the database then walks its index of
    # people by date (supporter_site_newest_idx) instead of sorting them all.
    site_ids = [site.pk for site in shown_sites]
    people = Supporter.objects.filter(site__in=site_ids).filter(form.person_conditions())
    signup_q = form.signup_conditions()
    if signup_q:
        people = people.filter(Exists(SignUp.objects.filter(signup_q, supporter=OuterRef("pk"))))
    # Each person's sign-ups together, people in the order they came: the database
    # reads them in its index order, without sorting the whole list first.
    signups = (
        SignUp.objects.filter(supporter__in=people).filter(signup_q).order_by("supporter_id", "pk")
    )
    return form, people, signups
