"""The "People" area of the Wagtail admin.

Who may act where is decided twice: the user needs the model permission for the
action, and the person's site must be one where the user is a membership officer
(``home.roles.sites_for_user``; superusers act everywhere). Every view looks the
person up within those sites, so a URL with another organisation's id is a 404.
"""

import csv
import hashlib
import io
import json
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from home.models import SiteRole
from home.roles import sites_for_user

from . import exports, services
from .constants import MUNICIPALITY_CHOICES, OUTSIDE_KOSOVO
from .forms import PaperImportForm, PaperSignatureForm
from .mailings import Delivery, UndeliverableAddress
from .people import UNSENT, PeopleFilterForm, filtered
from .records import AuditEntry, ExportJob, PaperImport, PaperUpload, SignUp, Supporter
from .statements import StatementPageMixin

PER_PAGE = 50


# -- access ---------------------------------------------------------------------------


def officer_sites(user):
    return sites_for_user(user, SiteRole.MEMBERSHIP_OFFICER)


def user_can_see_people(user):
    return user.has_perm("membership.view_supporter") and officer_sites(user).exists()


def require_officer(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied
    sites = officer_sites(request.user)
    if not sites.exists():
        raise PermissionDenied
    return sites


def chosen_sites(request, sites):
    """The sites the listing shows: one chosen with ?site=, else all allowed."""
    chosen = request.GET.get("site") or request.POST.get("site")
    if chosen and str(chosen).isdigit():
        one = sites.filter(pk=int(chosen))
        if one.exists():
            return one
    return sites


def officer_person(request, pk, perm):
    sites = require_officer(request, perm)
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


def _filtered(request, sites):
    return filtered(request.GET, sites, chosen_sites(request, sites))


def _filters(request):
    """The filters of the request, as kept in the audit log and export jobs."""
    return {key: value for key, value in request.GET.items() if key != "p"}


class ListingPage:
    """One page of a listing, found without counting the listing: one row more than
    a page tells whether there is a next page (a COUNT of a million people costs
    more than the page itself)."""

    def __init__(self, queryset, number, per_page=PER_PAGE):
        start = (number - 1) * per_page
        found = list(queryset[start : start + per_page + 1])
        self.number = number
        self.object_list = found[:per_page]
        self.has_next = len(found) > per_page
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.previous_page_number = number - 1
        self.next_page_number = number + 1
        self.start_index = start + 1 if self.object_list else 0
        self.end_index = start + len(self.object_list)


def _page_number(value):
    value = str(value or "")
    return max(1, int(value)) if value.isdigit() and len(value) <= 7 else 1


def people_index(request):
    sites = require_officer(request, "membership.view_supporter")
    form, people, _signups = _filtered(request, sites)
    page_obj = ListingPage(
        people.select_related("site").order_by("-created_at", "-pk"),
        _page_number(request.GET.get("p")),
    )
    listed = page_obj.object_list
    counts = {
        row["supporter_id"]: row
        for row in SignUp.objects.filter(supporter__in=[person.pk for person in listed])
        .order_by()
        .values("supporter_id")
        .annotate(total=Count("pk"), confirmed=Count("pk", filter=Q(state=SignUp.State.CONFIRMED)))
    }
    for person in listed:
        person.signup_count = counts.get(person.pk, {}).get("total", 0)
        person.confirmed_count = counts.get(person.pk, {}).get("confirmed", 0)
    query = request.GET.copy()
    query.pop("p", None)
    shown_sites = list(chosen_sites(request, sites))
    # Counted from the few sign-ups the mail server refused (an index finds them).
    unsent = (
        SignUp.objects.filter(UNSENT, supporter__site__in=shown_sites)
        .order_by()
        .values("supporter_id")
        .distinct()
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
            "people": listed,
            "query": query.urlencode(),
            "can_export": request.user.has_perm("membership.export_supporter"),
            "can_enter_paper": request.user.has_perm("membership.enter_paper_signatures"),
            "show_site": sites.count() > 1,
        },
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def people_export(request, fmt):
    """GET csv: the CSV, streamed as it is read from the database (or, beyond
    ``MEMBERSHIP_EXPORT_STREAM_ROWS`` sign-ups, a page offering to prepare it in the
    background). POST xlsx or csv: an export job, built in the background and
    downloaded from the Exports screen."""
    sites = require_officer(request, "membership.export_supporter")
    if fmt not in ExportJob.Format.values:
        raise PermissionDenied
    if fmt == ExportJob.Format.XLSX or request.method == "POST":
        return _start_export(request, sites, fmt)
    shown_sites = list(chosen_sites(request, sites))
    _form, _people, signups = filtered(request.GET, sites, shown_sites)
    include_special = special_allowed(request.user)
    limit = settings.MEMBERSHIP_EXPORT_STREAM_ROWS
    if signups.order_by()[: limit + 1].count() > limit:
        return TemplateResponse(
            request,
            "membership/admin/export_large.html",
            {"limit": limit, "query": request.GET.urlencode()},
        )
    per_site = dict(signups.order_by().values_list("supporter__site_id").annotate(rows=Count("pk")))
    for site in [s for s in shown_sites if per_site.get(s.pk)] or shown_sites:
        services.audit(
            site,
            request.user,
            AuditEntry.Action.EXPORT_LIST,
            format=fmt,
            rows=per_site.get(site.pk, 0),
            filters=_filters(request),
            special_category=include_special,
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # ?dialect=semicolon: the separator of spreadsheets in Albanian and most European
    # locales, which then open the file directly.
    response = StreamingHttpResponse(
        exports.csv_chunks(signups, include_special, request.GET.get("dialect")),
        content_type=CSV_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _start_export(request, sites, fmt):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    waiting = ExportJob.objects.filter(
        user=request.user,
        state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING],
        created_at__gte=timezone.now() - timedelta(hours=1),
    )
    if waiting.exists():
        messages.warning(
            request, _("Your previous export is still being prepared: wait for it first.")
        )
        return redirect("membership_exports")
    job = ExportJob.objects.create(
        user=request.user,
        username=request.user.get_username(),
        format=fmt,
        filters=_filters(request),
        include_special=special_allowed(request.user),
        language=translation.get_language() or "",
    )
    job.sites.set(chosen_sites(request, sites))
    exports.build_export.enqueue(job.pk)
    messages.success(
        request, _("The file is being prepared. It is listed here when it is ready, for a day.")
    )
    return redirect("membership_exports")


def _may_download(user, job, sites):
    """An officer (with the export permission) of every organisation of the export,
    and allowed the special-category column if the file has it."""
    job_sites = set(job.sites.values_list("pk", flat=True))
    allowed = set(sites.values_list("pk", flat=True))
    return (
        bool(job_sites)
        and job_sites <= allowed
        and (not job.include_special or special_allowed(user))
    )


def describe_filters(filters, sites):
    """[(label, value shown)] of an export's filters."""
    form = PeopleFilterForm(filters or None, sites=list(sites))
    described = []
    for name, value in (filters or {}).items():
        field = form.fields.get(name)
        if field is None or value in ("", None):
            continue
        shown = dict(getattr(field, "choices", [])).get(value, value)
        described.append((field.label, shown))
    return described


def export_list(request):
    """The user's exports of the last day: their state and, when ready, the file."""
    sites = require_officer(request, "membership.export_supporter")
    jobs = list(
        ExportJob.objects.filter(
            user=request.user, created_at__gt=timezone.now() - settings.MEMBERSHIP_EXPORT_KEEP
        ).prefetch_related("sites")[:20]
    )
    for job in jobs:
        job.described_filters = describe_filters(job.filters, job.sites.all())
    waiting = any(job.state in (ExportJob.State.QUEUED, ExportJob.State.RUNNING) for job in jobs)
    return TemplateResponse(
        request,
        "membership/admin/exports.html",
        {"jobs": jobs, "waiting": waiting, "show_site": sites.count() > 1},
    )


def export_download(request, pk):
    sites = require_officer(request, "membership.export_supporter")
    job = get_object_or_404(ExportJob, pk=pk)
    if not _may_download(request.user, job, sites):
        raise PermissionDenied
    if job.is_expired():
        job.discard()
        messages.warning(
            request, _("That export has expired: exports are kept for a day. Export again.")
        )
        return redirect("membership_exports")
    if job.state != ExportJob.State.DONE or not job.has_file():
        messages.warning(request, _("That export is not ready."))
        return redirect("membership_exports")
    if job.user_id != request.user.pk:
        for site in job.sites.all():
            services.audit(
                site, request.user, AuditEntry.Action.EXPORT_LIST, format=job.format, export=job.pk
            )
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(
        job.open_file(),
        as_attachment=True,
        filename=f"people-{stamp}.{job.format}",
        content_type=XLSX_TYPE if job.format == ExportJob.Format.XLSX else CSV_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


# -- one person -------------------------------------------------------------------------


def person_messages(person):
    """The messages sent (or being sent) to a person, newest first, with what
    ``Delivery.subject`` reads prefetched."""
    deliveries = list(
        Delivery.objects.filter(supporter=person)
        .select_related("mailing")
        .prefetch_related("mailing__versions")
        .order_by("-mailing__queued_at", "-pk")[:50]
    )
    return deliveries


def person_detail(request, pk):
    person = officer_person(request, pk, "membership.view_supporter")
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
            "deliveries": person_messages(person),
            "undeliverable": UndeliverableAddress.objects.filter(
                site=person.site, email=person.email
            ).first()
            if person.email
            else None,
        },
    )


def person_export(request, pk):
    person = officer_person(request, pk, "membership.export_supporter")
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


# Destructive actions (erase, withdraw) are asked first: GET shows what would happen
# and a button, only the POST of that button acts (no JavaScript needed).


@require_http_methods(["GET", "POST"])
def person_erase(request, pk):
    person = officer_person(request, pk, "membership.erase_supporter")
    if request.method == "POST":
        services.erase_supporter(person, request.user)
        messages.success(request, _("The person's data was erased. Their sign-ups still count."))
        return redirect("membership_person", pk=person.pk)
    if person.is_erased:
        messages.info(request, _("This person's data is erased already."))
        return redirect("membership_person", pk=person.pk)
    return TemplateResponse(request, "membership/admin/person_erase.html", {"person": person})


@require_http_methods(["GET", "POST"])
def signup_withdraw(request, pk, signup_pk):
    person = officer_person(request, pk, "membership.change_supporter")
    signup = get_object_or_404(
        SignUp.objects.select_related("page"), pk=signup_pk, supporter=person
    )
    if request.method == "POST":
        # As the person's own withdrawal link: the apps beside the sign-up follow
        # (a congress place goes to the waiting list, an organisation leaves the list).
        if services.withdraw_signups([signup.pk]):
            messages.success(request, _("The sign-up was withdrawn."))
        return redirect("membership_person", pk=person.pk)
    if signup.state == SignUp.State.WITHDRAWN:
        messages.info(request, _("This sign-up is withdrawn already."))
        return redirect("membership_person", pk=person.pk)
    return TemplateResponse(
        request,
        "membership/admin/signup_withdraw.html",
        {"person": person, "signup": signup},
    )


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
    person = officer_person(request, pk, "membership.change_supporter")
    _resent(request, services.resend_confirmations(SignUp.objects.filter(supporter=person)))
    return redirect("membership_person", pk=person.pk)


@require_POST
def people_resend(request):
    """Send again every confirmation email of the chosen organisations that the mail
    server refused."""
    sites = chosen_sites(request, require_officer(request, "membership.change_supporter"))
    signups = SignUp.objects.filter(UNSENT, supporter__site__in=sites)
    _resent(request, services.resend_confirmations(signups))
    return redirect(reverse("membership_people") + "?email=unsent")


# -- paper signatures ------------------------------------------------------------------

#: How long a checked CSV file is kept for its "Import" button (it holds personal
#: data; deleted at once when imported).
PAPER_UPLOAD_MINUTES = 60
IMPORT_COLUMNS = [
    "given_name",
    "family_name",
    "municipality",
    "country",
    "email",
    "phone",
    "signed_on",
]
PAPER_ROW_SALT = "membership.paper-row"


def _paper_pages(request, sites):
    pages = statement_pages(sites)
    if not pages:
        messages.warning(request, _("There is no page with a statement to sign yet."))
    return pages


def _paper_site(page, sites):
    """The organisation of a statement page, which must be one of ``sites``."""
    site = services.site_for_page(page)
    if site is None or not sites.filter(pk=site.pk).exists():
        raise PermissionDenied
    return site


def _fold(value):
    """Text compared loosely: no case, no diacritics, hyphens and runs of spaces as
    one space ("Fushë-Kosovë" and "fushe kosove" are the same); đ as its usual ASCII
    spelling dj ("Đakovica", "Djakovica")."""
    text = unicodedata.normalize("NFKD", str(value)).casefold().replace("đ", "dj")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[-_]", " ", text).split())


def paper_row_key(data):
    """What identifies a paper signature without an email address: a digest of its
    name, place and phone (compared loosely), keyed with the site's secret so that
    it does not reveal the name. The same row typed twice, or in two files, is one
    signature (``SignUp.paper_key``, unique per statement)."""
    place = data.get("municipality") or ""
    parts = [
        _fold(data.get("given_name") or ""),
        _fold(data.get("family_name") or ""),
        place,
        _fold(data.get("country") or "") if place == OUTSIDE_KOSOVO else "",
        re.sub(r"[^0-9+]", "", data.get("phone") or ""),
    ]
    return salted_hmac(PAPER_ROW_SALT, "\x1f".join(parts), algorithm="sha256").hexdigest()


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
                "fields": {"signed_on": data.get("signed_on")},
                "consents": [("signup", page.statement_consent_text)],
            }
        ],
        entered_by=user,
        paper_key=None if email else paper_row_key(data),
    )


def _chunks(values, size=500):
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _already_stored(site, page, rows):
    """How many of the (checked) rows are signatures of the statement already: the
    same address, or the same paper row."""
    signatures = SignUp.objects.filter(page=page, kind=SignUp.Kind.SIGNATURE)
    keys = {paper_row_key(row) for row in rows if not row.get("email")}
    emails = {row["email"] for row in rows if row.get("email")}
    found = 0
    for chunk in _chunks(keys):
        found += signatures.filter(paper_key__in=chunk).count()
    for chunk in _chunks(emails):
        found += signatures.filter(supporter__site=site, supporter__email__in=chunk).count()
    return found


def paper_entry(request):
    sites = require_officer(request, "membership.enter_paper_signatures")
    pages = _paper_pages(request, sites)
    form = PaperSignatureForm(request.POST or None, pages=pages)
    if request.method == "POST" and form.is_valid():
        page = form.cleaned_data["page"]
        site = _paper_site(page, sites)
        known = _already_stored(site, page, [form.cleaned_data])
        _store_paper(site, page, request.user, form.cleaned_data)
        services.audit(site, request.user, AuditEntry.Action.PAPER, page=page.pk, rows=1 - known)
        if known:
            messages.warning(
                request, _("This signature was there already; it was not added again.")
            )
        else:
            messages.success(request, _("The signature was added and counts now."))
        return redirect("membership_paper")
    return TemplateResponse(
        request, "membership/admin/paper_entry.html", {"form": form, "pages": pages}
    )


def _municipality_names():
    """{folded spelling: code} of every way a municipality may be written: its code,
    and its name in each of the site's languages (the municipalities' names are the
    same in all of them, "Outside Kosovo" is translated); "Drenas (Gllogoc)" also as
    either name."""
    names = {}
    for code, label in MUNICIPALITY_CHOICES:
        names[_fold(code)] = code
        for language, _language_name in settings.LANGUAGES:
            with translation.override(language):
                name = _fold(label)
            for spelling in [name, *re.split(r"\s*[()]\s*", name)]:
                if spelling:
                    names.setdefault(spelling, code)
    return names


def _municipality_code(value, names=None):
    """The code of a municipality given by its code or its name in any of the site's
    languages, whatever the user's language, case or diacritics; "" for nothing,
    None when unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    return (names or _municipality_names()).get(_fold(value))


def parse_paper_csv(content, page):
    """Rows ready to store and a list of (line, message) problems; ``content`` is
    the file's bytes."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, _("The file is not UTF-8 text."))]
    if "\x00" in text:
        return [], [(0, _("The file is not UTF-8 text."))]
    reader = csv.DictReader(io.StringIO(text))
    try:
        headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error:
        return [], [(1, _("This line cannot be read as CSV."))]
    missing = [c for c in ("given_name", "family_name", "municipality") if c not in headers]
    if missing:
        return [], [(1, _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)})]
    names = _municipality_names()
    good, problems = [], []
    seen_emails, seen_rows = set(), {}
    line = 1
    try:
        for line, raw_row in enumerate(reader, start=2):
            row = {
                (k or "").strip().lower(): (v if isinstance(v, str) else "")
                for k, v in raw_row.items()
            }
            data = {key: row.get(key, "") for key in IMPORT_COLUMNS}
            code = _municipality_code(data["municipality"], names)
            if code is None:
                problems.append(
                    (line, _("Unknown municipality: %(m)s") % {"m": data["municipality"]})
                )
                continue
            data["municipality"] = code
            form = PaperSignatureForm({"page": str(page.pk), **data}, pages=[page])
            if not form.is_valid():
                errors = "; ".join(
                    f"{field}: {' '.join(str(e) for e in errs)}"
                    for field, errs in form.errors.items()
                )
                problems.append((line, errors))
                continue
            email = form.cleaned_data.get("email")
            if email:
                if email in seen_emails:
                    problems.append((line, _("The same email appears twice in the file.")))
                    continue
                seen_emails.add(email)
            else:
                key = paper_row_key(form.cleaned_data)
                if key in seen_rows:
                    problems.append(
                        (
                            line,
                            _("The same signature is on line %(line)s already.")
                            % {"line": seen_rows[key]},
                        )
                    )
                    continue
                seen_rows[key] = line
            good.append(form.cleaned_data)
    except csv.Error:
        problems.append((line + 1, _("This line cannot be read as CSV.")))
    if not good and not problems:
        problems.append((1, _("The file has no rows.")))
    return good, problems


def _import_paper(request, site, page, content, dry_run):
    """Check (``dry_run``) or import a CSV file of signatures of one statement.

    A file imported once for the statement is refused, by the database: the
    ``PaperImport`` row is written first, so a second import of the same file
    (another officer, a double click) waits for the first and then fails. Rows
    already stored (the same address, or the same paper row) are not added again.
    A checked file is kept (``PaperUpload``) for the "Import" button. Returns what
    the page shows, or None once imported (the caller redirects)."""
    fingerprint = hashlib.sha256(content).hexdigest()
    same_file = PaperImport.objects.filter(site=site, page=page, fingerprint=fingerprint)
    done = same_file.first()
    if done is not None:
        return {"done": done}
    rows, problems = parse_paper_csv(content, page)
    result = {"rows": len(rows), "problems": problems, "dry_run": dry_run}
    if problems:
        return result
    if dry_run:
        present = _already_stored(site, page, rows)
        result.update(new=len(rows) - present, present=present)
        # One checked file waits per officer: an earlier one is deleted.
        PaperUpload.objects.filter(user=request.user).exclude(
            page=page, fingerprint=fingerprint
        ).delete()
        if result["new"]:
            PaperUpload.objects.update_or_create(
                user=request.user,
                page=page,
                fingerprint=fingerprint,
                defaults={
                    "content": content,
                    "expires_at": timezone.now() + timedelta(minutes=PAPER_UPLOAD_MINUTES),
                },
            )
            result.update(page=page, fingerprint=fingerprint)
        return result
    try:
        with transaction.atomic():
            record = PaperImport.objects.create(
                site=site,
                page=page,
                fingerprint=fingerprint,
                user=request.user,
                username=request.user.get_username(),
            )
            present = _already_stored(site, page, rows)
            for data in rows:
                _store_paper(site, page, request.user, data)
            record.rows = len(rows) - present
            record.save(update_fields=["rows"])
            services.audit(
                site,
                request.user,
                AuditEntry.Action.IMPORT,
                page=page.pk,
                rows=record.rows,
                file_sha256=fingerprint,
            )
            # Whoever checked this file: nothing of it is left waiting.
            PaperUpload.objects.filter(page=page, fingerprint=fingerprint).delete()
    except IntegrityError:
        done = same_file.first()
        if done is None:
            raise
        return {"done": done}
    message = ngettext(
        "%(count)s paper signature was imported.",
        "%(count)s paper signatures were imported.",
        record.rows,
    ) % {"count": record.rows}
    if present:
        message += " " + ngettext(
            "%(count)s row was there already and was not added again.",
            "%(count)s rows were there already and were not added again.",
            present,
        ) % {"count": present}
    messages.success(request, message)
    return None


def _import_checked_file(request, sites, pages):
    """The "Import" button under a checked file: imports the file kept for this user
    without choosing it again."""
    page = {str(p.pk): p for p in pages}.get(request.POST.get("page", ""))
    if page is None:
        raise PermissionDenied
    site = _paper_site(page, sites)
    fingerprint = request.POST.get("fingerprint", "")
    upload = PaperUpload.objects.filter(
        user=request.user, page=page, fingerprint=fingerprint, expires_at__gt=timezone.now()
    ).first()
    if upload is not None:
        result = _import_paper(request, site, page, bytes(upload.content), dry_run=False)
    else:
        done = PaperImport.objects.filter(site=site, page=page, fingerprint=fingerprint).first()
        result = {"done": done} if done is not None else None
        if done is None:
            messages.error(
                request,
                _(
                    "The checked file is kept for %(minutes)s minutes only and is gone: "
                    "choose it again."
                )
                % {"minutes": PAPER_UPLOAD_MINUTES},
            )
    if result is None and upload is not None:
        return redirect("membership_paper_import")
    form = PaperImportForm(pages=pages, initial={"page": str(page.pk)})
    return _paper_import_page(request, form, result)


def _paper_import_page(request, form, result):
    return TemplateResponse(
        request,
        "membership/admin/paper_import.html",
        {
            "form": form,
            "result": result,
            "columns": ", ".join(IMPORT_COLUMNS),
            "keep_minutes": PAPER_UPLOAD_MINUTES,
        },
    )


def paper_import(request):
    sites = require_officer(request, "membership.enter_paper_signatures")
    pages = _paper_pages(request, sites)
    services.delete_expired_paper_uploads()
    if request.method == "POST" and "fingerprint" in request.POST:
        return _import_checked_file(request, sites, pages)
    form = PaperImportForm(request.POST or None, request.FILES or None, pages=pages)
    result = None
    if request.method == "POST" and form.is_valid():
        page = form.cleaned_data["page"]
        site = _paper_site(page, sites)
        content = form.cleaned_data["file"].read()
        result = _import_paper(request, site, page, content, form.cleaned_data["dry_run"])
        if result is None:
            return redirect("membership_paper_import")
    return _paper_import_page(request, form, result)


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
