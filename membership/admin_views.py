"""The "People" area of the Wagtail admin.

Who may act where is decided twice: the user needs the model permission for the
action, and the person's site must be one where the user is a membership officer
(``home.roles.sites_for_user``; superusers act everywhere). Every view looks the
person up within those sites, so a URL with another organisation's id is a 404.
"""

import csv
import io
import json
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail.models import Page

from home.models import SiteRole
from home.roles import sites_for_user

from . import exports, services
from .constants import MUNICIPALITY_CHOICES, MUNICIPALITY_NAMES, OUTSIDE_KOSOVO
from .emails import search_term
from .forms import PaperImportForm, PaperSignatureForm
from .records import AuditEntry, SignUp, Supporter
from .statements import StatementPageMixin

PER_PAGE = 50
#: Pending sign-ups whose confirmation email the mail server refused (still
#: retrying, or given up): staff can send it again.
UNSENT = Q(
    state=SignUp.State.PENDING,
    email_status__in=[SignUp.EmailStatus.FAILED, SignUp.EmailStatus.GAVE_UP],
)


# -- access ---------------------------------------------------------------------------


def officer_sites(user):
    return sites_for_user(user, SiteRole.MEMBERSHIP_OFFICER)


def user_can_see_people(user):
    return user.has_perm("membership.view_supporter") and officer_sites(user).exists()


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied
    sites = officer_sites(request.user)
    if not sites.exists():
        raise PermissionDenied
    return sites


def _chosen_sites(request, sites):
    """The sites the listing shows: one chosen with ?site=, else all allowed."""
    chosen = request.GET.get("site") or request.POST.get("site")
    if chosen and str(chosen).isdigit():
        one = sites.filter(pk=int(chosen))
        if one.exists():
            return one
    return sites


def _person(request, pk, perm):
    sites = _require(request, perm)
    return get_object_or_404(Supporter.objects.select_related("site"), pk=pk, site__in=sites)


def special_allowed(user):
    return user.has_perm("membership.view_special_category")


def statement_pages(sites):
    """Pages in these sites that can take signatures (source language only)."""
    pages = []
    for site in sites:
        for page in site.root_page.get_descendants().live().specific():
            if isinstance(page, StatementPageMixin) and page.has_statement:
                if services.canonical_page(page).pk == page.pk:
                    pages.append(page)
    return pages


# -- listing --------------------------------------------------------------------------


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
        choices=[("", gettext_lazy("All municipalities"))] + MUNICIPALITY_CHOICES,
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
        page_ids = (
            SignUp.objects.filter(supporter__site__in=sites, page__isnull=False)
            .values_list("page_id", flat=True)
            .distinct()
        )
        self.fields["page"].choices = [("", _("All pages"))] + [
            (str(p.pk), f"{p.title} ({p.locale.language_code})")
            for p in Page.objects.filter(pk__in=page_ids).select_related("locale").order_by("title")
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


def _filtered(request, sites):
    form = PeopleFilterForm(request.GET or None, sites=list(sites))
    shown_sites = _chosen_sites(request, sites)
    people = Supporter.objects.filter(site__in=shown_sites).filter(form.person_conditions())
    signup_q = form.signup_conditions()
    if signup_q:
        people = people.filter(Exists(SignUp.objects.filter(signup_q, supporter=OuterRef("pk"))))
    signups = (
        SignUp.objects.filter(supporter__in=people)
        .filter(signup_q)
        .select_related("supporter__site", "page")
        .order_by("supporter__site_id", "supporter_id", "pk")
    )
    return form, people, signups


def people_index(request):
    sites = _require(request, "membership.view_supporter")
    form, people, _signups = _filtered(request, sites)
    people = people.select_related("site").annotate(
        signup_count=Count("signups"),
        confirmed_count=Count("signups", filter=Q(signups__state=SignUp.State.CONFIRMED)),
    )
    paginator = Paginator(people.order_by("-created_at", "-pk"), PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    shown_sites = list(_chosen_sites(request, sites))
    unsent = Supporter.objects.filter(
        Exists(SignUp.objects.filter(UNSENT, supporter=OuterRef("pk"))), site__in=shown_sites
    )
    return TemplateResponse(
        request,
        "membership/admin/people_index.html",
        {
            "unsent_count": unsent.count(),
            "shown_site": shown_sites[0] if len(shown_sites) == 1 else None,
            "can_change": request.user.has_perm("membership.change_supporter"),
            "form": form,
            "page_obj": page_obj,
            "people": page_obj.object_list,
            "total": paginator.count,
            "query": query.urlencode(),
            "can_export": request.user.has_perm("membership.export_supporter"),
            "can_enter_paper": request.user.has_perm("membership.enter_paper_signatures"),
            "show_site": sites.count() > 1,
        },
    )


def people_export(request, fmt):
    sites = _require(request, "membership.export_supporter")
    if fmt not in ("csv", "xlsx"):
        raise PermissionDenied
    _form, _people, signups = _filtered(request, sites)
    include_special = special_allowed(request.user)
    signups = list(signups)
    for site in {s.supporter.site for s in signups} or set(_chosen_sites(request, sites)):
        services.audit(
            site,
            request.user,
            AuditEntry.Action.EXPORT_LIST,
            format=fmt,
            rows=sum(1 for s in signups if s.supporter.site_id == site.pk),
            filters={k: v for k, v in request.GET.items() if k != "p"},
            special_category=include_special,
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        # ?dialect=semicolon: the separator of spreadsheets in Albanian and most
        # European locales, which then open the file directly.
        response = HttpResponse(
            exports.to_csv(signups, include_special, request.GET.get("dialect")),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            exports.to_xlsx(signups, include_special),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


# -- one person -------------------------------------------------------------------------


def person_detail(request, pk):
    person = _person(request, pk, "membership.view_supporter")
    services.audit(person.site, request.user, AuditEntry.Action.VIEW, person)
    signups = person.signups.select_related("page", "entered_by").prefetch_related("consents")
    return TemplateResponse(
        request,
        "membership/admin/person_detail.html",
        {
            "person": person,
            "signups": signups,
            "show_special": special_allowed(request.user),
            "can_export": request.user.has_perm("membership.export_supporter"),
            "can_erase": request.user.has_perm("membership.erase_supporter"),
            "can_change": request.user.has_perm("membership.change_supporter"),
            "can_resend": not person.is_erased
            and any(s.state == SignUp.State.PENDING for s in signups),
            "audit": AuditEntry.objects.filter(site=person.site, supporter_ref=person.pk)[:20],
        },
    )


def person_export(request, pk):
    person = _person(request, pk, "membership.export_supporter")
    include_special = special_allowed(request.user)
    data = services.person_export(person, include_special=include_special)
    services.audit(
        person.site,
        request.user,
        AuditEntry.Action.EXPORT_PERSON,
        person,
        special_category=include_special,
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


def person_erase(request, pk):
    person = _person(request, pk, "membership.erase_supporter")
    if request.method == "POST":
        services.erase_supporter(person, request.user)
        messages.success(request, _("The person's data was erased. Their sign-ups still count."))
        return redirect("membership_person", pk=person.pk)
    return TemplateResponse(request, "membership/admin/person_erase.html", {"person": person})


@require_POST
def signup_withdraw(request, pk, signup_pk):
    person = _person(request, pk, "membership.change_supporter")
    signup = get_object_or_404(SignUp, pk=signup_pk, supporter=person)
    if signup.state != SignUp.State.WITHDRAWN:
        signup.state = SignUp.State.WITHDRAWN
        signup.withdrawn_at = timezone.now()
        signup.proposed_details = {}
        signup.save(update_fields=["state", "withdrawn_at", "proposed_details"])
        messages.success(request, _("The sign-up was withdrawn."))
    return redirect("membership_person", pk=person.pk)


def _resent(request, count):
    messages.success(
        request,
        ngettext(
            "The confirmation email is being sent again to %(count)s person.",
            "The confirmation email is being sent again to %(count)s people.",
            count,
        )
        % {"count": count},
    )


@require_POST
def person_resend(request, pk):
    """Send a person's confirmation email again (covering all their pending sign-ups)."""
    person = _person(request, pk, "membership.change_supporter")
    _resent(request, services.resend_confirmations(SignUp.objects.filter(supporter=person)))
    return redirect("membership_person", pk=person.pk)


@require_POST
def people_resend(request):
    """Send again every confirmation email of the chosen organisations that the mail
    server refused."""
    sites = _chosen_sites(request, _require(request, "membership.change_supporter"))
    signups = SignUp.objects.filter(UNSENT, supporter__site__in=sites)
    _resent(request, services.resend_confirmations(signups))
    return redirect(reverse("membership_people") + "?email=unsent")


# -- paper signatures ------------------------------------------------------------------


def _paper_pages(request, sites):
    pages = statement_pages(sites)
    if not pages:
        messages.warning(request, _("There is no page with a statement to sign yet."))
    return pages


def _store_paper(site, page, user, data):
    email = data.get("email") or None
    return services.store_submission(
        site=site,
        page=page,
        language=page.locale.language_code,
        email=email,
        person={
            "given_name": data.get("given_name", ""),
            "family_name": data.get("family_name", ""),
            "municipality": data.get("municipality", ""),
            "country": data.get("country", "")
            if data.get("municipality") == OUTSIDE_KOSOVO
            else "",
            "phone": data.get("phone", ""),
        },
        signups=[
            {
                "kind": SignUp.Kind.SIGNATURE,
                "fields": {},
                "consents": [("signup", page.statement_consent_text)],
            }
        ],
        entered_by=user,
    )


def paper_entry(request):
    sites = _require(request, "membership.enter_paper_signatures")
    pages = _paper_pages(request, sites)
    form = PaperSignatureForm(request.POST or None, pages=pages)
    if request.method == "POST" and form.is_valid():
        page = form.cleaned_data["page"]
        site = services.site_for_page(page)
        if site is None or not sites.filter(pk=site.pk).exists():
            raise PermissionDenied
        _store_paper(site, page, request.user, form.cleaned_data)
        services.audit(site, request.user, AuditEntry.Action.PAPER, page=page.pk, rows=1)
        messages.success(request, _("The signature was added and counts now."))
        return redirect("membership_paper")
    return TemplateResponse(
        request, "membership/admin/paper_entry.html", {"form": form, "pages": pages}
    )


IMPORT_COLUMNS = ["given_name", "family_name", "municipality", "country", "email", "phone"]


def _municipality_code(value):
    value = (value or "").strip()
    if not value:
        return ""
    if value in MUNICIPALITY_NAMES or value == OUTSIDE_KOSOVO:
        return value
    lowered = value.casefold()
    for code, name in MUNICIPALITY_CHOICES:
        if lowered in (str(name).casefold(), code):
            return code
    slug = slugify(value)
    return slug if slug in MUNICIPALITY_NAMES else None


def parse_paper_csv(upload, page):
    """Rows ready to store and a list of (line, message) problems."""
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, _("The file is not UTF-8 text."))]
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("given_name", "family_name", "municipality") if c not in headers]
    if missing:
        return [], [(1, _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)})]
    good, problems = [], []
    seen_emails = set()
    for line, raw_row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "") for k, v in raw_row.items()}
        data = {key: row.get(key, "") for key in IMPORT_COLUMNS}
        data["municipality"] = _municipality_code(data["municipality"]) or ""
        form = PaperSignatureForm({"page": str(page.pk), **data}, pages=[page])
        if _municipality_code(row.get("municipality", "")) is None:
            problems.append(
                (line, _("Unknown municipality: %(m)s") % {"m": row.get("municipality")})
            )
            continue
        if not form.is_valid():
            errors = "; ".join(
                f"{field}: {' '.join(str(e) for e in errs)}" for field, errs in form.errors.items()
            )
            problems.append((line, errors))
            continue
        email = form.cleaned_data.get("email")
        if email and email in seen_emails:
            problems.append((line, _("The same email appears twice in the file.")))
            continue
        if email:
            seen_emails.add(email)
        good.append(form.cleaned_data)
    if not good and not problems:
        problems.append((1, _("The file has no rows.")))
    return good, problems


def paper_import(request):
    sites = _require(request, "membership.enter_paper_signatures")
    pages = _paper_pages(request, sites)
    form = PaperImportForm(request.POST or None, request.FILES or None, pages=pages)
    result = None
    if request.method == "POST" and form.is_valid():
        page = form.cleaned_data["page"]
        site = services.site_for_page(page)
        if site is None or not sites.filter(pk=site.pk).exists():
            raise PermissionDenied
        rows, problems = parse_paper_csv(form.cleaned_data["file"], page)
        result = {"rows": len(rows), "problems": problems, "imported": 0, "dry_run": True}
        if not problems and not form.cleaned_data["dry_run"]:
            with transaction.atomic():
                for data in rows:
                    _store_paper(site, page, request.user, data)
                services.audit(
                    site, request.user, AuditEntry.Action.IMPORT, page=page.pk, rows=len(rows)
                )
            result.update(imported=len(rows), dry_run=False)
            messages.success(request, _("%(n)s paper signatures were imported.") % {"n": len(rows)})
    return TemplateResponse(
        request,
        "membership/admin/paper_import.html",
        {"form": form, "result": result, "columns": ", ".join(IMPORT_COLUMNS)},
    )


# -- dashboard ---------------------------------------------------------------------------


def dashboard_counts(user):
    """[(site, members, volunteers, signatures this week)] for the user's sites."""
    sites = list(officer_sites(user)) if user_can_see_people(user) else []
    week_ago = timezone.now() - timedelta(days=7)
    result = []
    for site in sites:
        confirmed = SignUp.objects.filter(supporter__site=site, state=SignUp.State.CONFIRMED)
        counts = confirmed.aggregate(
            members=Count("pk", filter=Q(kind=SignUp.Kind.MEMBERSHIP)),
            volunteers=Count("pk", filter=Q(kind=SignUp.Kind.VOLUNTEER)),
            signatures_week=Count(
                "pk", filter=Q(kind=SignUp.Kind.SIGNATURE, confirmed_at__gte=week_ago)
            ),
        )
        result.append({"site": site, **counts})
    return result


def people_url_for(site):
    return reverse("membership_people") + f"?site={site.pk}"
