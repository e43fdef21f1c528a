"""The staff side of congress registrations: the list with its counts, the CSV
export, the check-in screen used at the door (on a phone), and walk-ins.

Every view finds its congress among ``permissions.staff_congresses(user, perm)``:
the first versions of the congress pages the user may edit on a site where they are
event staff (superusers: all). Any other congress id, or a registration of another
congress, is a 404, whichever organisation it belongs to; a user without the
permission at all gets a 403.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.menu import MenuItem

from home import csvsafe
from membership import services as membership_services
from membership.emails import EmailAddressField
from membership.exports import cell
from membership.records import AuditEntry, ConsentRecord, SignUp

from .permissions import staff_congresses
from .registration_flow import lock_congress, move_up
from .registration_forms import registration_signup
from .registrations import Registration

PER_PAGE = 100
#: Rows the check-in screen shows at once (a search narrows them).
CHECKIN_ROWS = 300
#: Who comes to the door: in person, with a place, or (in a section of its own) on
#: the waiting list; pending, cancelled and online registrations are not on the list.
AT_THE_DOOR = (Registration.Status.PLACE, Registration.Status.WAITLIST)


def user_can_see_registrations(user):
    return staff_congresses(user, "view_registration").exists()


def _congress(request, congress_pk, perm):
    """The congress ``congress_pk`` if ``request.user`` may do ``perm`` with its
    registrations; 403 without the permission anywhere, 404 for any other congress."""
    allowed = staff_congresses(request.user, perm)
    if not request.user.is_superuser and not request.user.has_perm(f"congress.{perm}"):
        raise PermissionDenied
    return get_object_or_404(allowed.select_related("locale"), pk=congress_pk)


def _registrations(congress):
    return Registration.objects.filter(congress=congress).select_related("signup__supporter")


def counts(congress):
    """Places taken / capacity, waiting list, pending and checked in, per mode (one
    query)."""
    found = {
        row["mode"]: row
        for row in Registration.objects.filter(congress=congress)
        .values("mode")
        .annotate(
            places=Count("pk", filter=Q(status=Registration.Status.PLACE)),
            waitlist=Count("pk", filter=Q(status=Registration.Status.WAITLIST)),
            pending=Count("pk", filter=Q(status=Registration.Status.PENDING)),
            cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
            checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        )
        .order_by()
    }
    capacity = {
        Registration.Mode.IN_PERSON: congress.in_person_places,
        Registration.Mode.ONLINE: congress.online_places,
    }
    rows = []
    for mode, label in Registration.Mode.choices:
        row = found.get(mode, {})
        rows.append(
            {
                "mode": mode,
                "label": label,
                "capacity": capacity[mode],
                "places": row.get("places", 0),
                "waitlist": row.get("waitlist", 0),
                "pending": row.get("pending", 0),
                "cancelled": row.get("cancelled", 0),
                "checked_in": row.get("checked_in", 0),
            }
        )
    return rows


# -- the list -----------------------------------------------------------------------


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or email"), required=False, max_length=100)
    mode = forms.ChoiceField(
        label=gettext_lazy("Attends"),
        required=False,
        choices=[("", gettext_lazy("All"))] + Registration.Mode.choices,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + Registration.Status.choices,
    )
    checked_in = forms.ChoiceField(
        label=gettext_lazy("Checked in"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("Yes")),
            ("no", gettext_lazy("No")),
        ],
    )


def name_query(text):
    """Every word of ``text`` in the person's given name, family name or email."""
    query = Q()
    for word in text.split()[:5]:
        query &= (
            Q(signup__supporter__given_name__icontains=word)
            | Q(signup__supporter__family_name__icontains=word)
            | Q(signup__supporter__email__icontains=word)
        )
    return query


def filtered(congress, data):
    form = RegistrationFilterForm(data)
    registrations = _registrations(congress)
    if form.is_valid():
        values = form.cleaned_data
        if values["q"]:
            registrations = registrations.filter(name_query(values["q"]))
        if values["mode"]:
            registrations = registrations.filter(mode=values["mode"])
        if values["status"]:
            registrations = registrations.filter(status=values["status"])
        if values["checked_in"]:
            registrations = registrations.filter(checked_in_at__isnull=values["checked_in"] == "no")
    else:
        registrations = registrations.none()
    return form, registrations.order_by(
        "signup__supporter__family_name", "signup__supporter__given_name", "pk"
    )


def congresses_index(request):
    congresses = list(staff_congresses(request.user, "view_registration").order_by("-start_at"))
    if not congresses and not request.user.has_perm("congress.view_registration"):
        raise PermissionDenied
    per_congress = dict(
        Registration.objects.filter(congress__in=congresses)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("congress")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for congress in congresses:
        congress.registration_count = per_congress.get(congress.pk, 0)
    return TemplateResponse(
        request, "congress/admin/registrations_index.html", {"congresses": congresses}
    )


def registration_list(request, congress_pk):
    congress = _congress(request, congress_pk, "view_registration")
    form, registrations = filtered(congress, request.GET)
    try:
        number = max(int(request.GET.get("p", 1)), 1)
    except ValueError:
        number = 1
    page_obj = Paginator(registrations, PER_PAGE).get_page(number)
    query = urlencode(
        [(k, v) for k, v in request.GET.items() if k in form.fields and v], doseq=False
    )
    return TemplateResponse(
        request,
        "congress/admin/registrations_list.html",
        {
            "congress": congress,
            "form": form,
            "page_obj": page_obj,
            "registrations": page_obj.object_list,
            "counts": counts(congress),
            "query": query,
            "can_export": bool(
                staff_congresses(request.user, "export_registration").filter(pk=congress.pk)
            ),
            "can_check_in": bool(
                staff_congresses(request.user, "check_in_registration").filter(pk=congress.pk)
            ),
        },
    )


# -- the export ---------------------------------------------------------------------


def export_columns():
    return [
        _("Registration id"),
        _("Given name"),
        _("Family name"),
        _("Email"),
        _("Attends"),
        _("Status"),
        _("Organisation"),
        _("Role"),
        _("Municipality"),
        _("Accessibility needs"),
        _("Language"),
        _("Registered"),
        _("Confirmed"),
        _("Walk-in"),
        _("Checked in"),
    ]


def export_rows(registrations):
    zone = timezone.get_current_timezone()

    def when(value):
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""

    for registration in registrations.iterator(chunk_size=2000):
        supporter = registration.signup.supporter
        yield [
            registration.pk,
            supporter.given_name,
            supporter.family_name,
            supporter.email or "",
            registration.get_mode_display(),
            registration.get_status_display(),
            registration.organisation,
            registration.role,
            supporter.place,
            registration.accessibility,
            registration.signup.language,
            when(registration.signup.created_at),
            when(registration.signup.confirmed_at),
            _("Yes") if registration.walk_in else "",
            when(registration.checked_in_at),
        ]


def registration_export(request, congress_pk):
    """The (filtered) list as CSV: every text cell formula-safe (``home.csvsafe``),
    comma or, with ``?dialect=semicolon``, semicolon separated, with a UTF-8 BOM."""
    congress = _congress(request, congress_pk, "export_registration")
    _form, registrations = filtered(congress, request.GET)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registrations-{congress.pk}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csvsafe.writer(response, request.GET.get("dialect"))
    writer.writerow([cell(value) for value in export_columns()])
    count = 0
    for row in export_rows(registrations):
        writer.writerow([cell(value) for value in row])
        count += 1
    site = congress.get_site()
    if site is not None:
        membership_services.audit(
            site,
            request.user,
            AuditEntry.Action.EXPORT_LIST,
            format="csv",
            congress=congress.pk,
            rows=count,
        )
    return response


# -- check-in -----------------------------------------------------------------------


def _checkin_url(congress, q="", anchor=""):
    url = reverse("congress_checkin", args=[congress.pk])
    if q:
        url += "?" + urlencode({"q": q})
    return url + (f"#{anchor}" if anchor else "")


@require_http_methods(["GET", "POST"])
def checkin(request, congress_pk):
    """GET: the people expected at the door (``?q=`` searches by name), in one query.
    POST (``registration``, ``action`` "in" or "undo"): check one in or undo it."""
    congress = _congress(request, congress_pk, "check_in_registration")
    if request.method == "POST":
        return _checkin_post(request, congress)
    q = request.GET.get("q", "").strip()[:100]
    people = _door(congress)
    if q:
        people = people.filter(name_query(q))
    people = list(
        people.order_by("signup__supporter__family_name", "signup__supporter__given_name", "pk")[
            : CHECKIN_ROWS + 1
        ]
    )
    more = len(people) > CHECKIN_ROWS
    people = people[:CHECKIN_ROWS]
    return TemplateResponse(
        request,
        "congress/admin/registrations_checkin.html",
        {
            "congress": congress,
            "q": q,
            "people": [r for r in people if r.status == Registration.Status.PLACE],
            "waiting": [r for r in people if r.status == Registration.Status.WAITLIST],
            "more": more,
        },
    )


def _door(congress):
    """The registrations the check-in screen knows: in person, a place or waiting."""
    return _registrations(congress).filter(mode=Registration.Mode.IN_PERSON, status__in=AT_THE_DOOR)


def _checkin_post(request, congress):
    q = request.POST.get("q", "").strip()[:100]
    try:
        pk = int(request.POST.get("registration", ""))
    except ValueError:
        messages.error(request, _("Choose a person to check in."))
        return redirect(_checkin_url(congress, q))
    registration = get_object_or_404(_door(congress), pk=pk)
    name = registration.signup.supporter.full_name or registration.signup.supporter.email or pk
    if request.POST.get("action") == "undo":
        # The check-in only: a place given at the door stays (it was used).
        Registration.objects.filter(pk=pk).update(checked_in_at=None, checked_in_by=None)
        messages.success(request, _("Check-in of %(name)s undone.") % {"name": name})
    elif registration.status == Registration.Status.WAITLIST:
        if _check_in_from_waitlist(congress, pk, request.user):
            messages.success(
                request,
                _("%(name)s was on the waiting list: they now have a place and are checked in.")
                % {"name": name},
            )
        else:
            messages.info(request, _("%(name)s was already checked in.") % {"name": name})
    else:
        changed = Registration.objects.filter(pk=pk, checked_in_at__isnull=True).update(
            checked_in_at=timezone.now(), checked_in_by=request.user
        )
        if changed:
            messages.success(request, _("%(name)s is checked in.") % {"name": name})
        else:
            messages.info(request, _("%(name)s was already checked in.") % {"name": name})
    return redirect(_checkin_url(congress, q, anchor=f"r{pk}"))


def _check_in_from_waitlist(congress, pk, user):
    """Someone waiting who came to the door: a place (counted like any other, as a
    walk-in is) and checked in, with the congress locked. False when they had been
    checked in already."""
    now = timezone.now()
    with transaction.atomic():
        lock_congress(congress.pk)
        registration = _door(congress).select_for_update(of=("self",)).filter(pk=pk).first()
        if registration is None or registration.checked_in_at is not None:
            return False
        if registration.status == Registration.Status.WAITLIST:
            registration.status = Registration.Status.PLACE
            registration.status_changed_at = now
        registration.proposed = {}
        registration.checked_in_at, registration.checked_in_by = now, user
        registration.save(
            update_fields=[
                "status",
                "status_changed_at",
                "proposed",
                "checked_in_at",
                "checked_in_by",
            ]
        )
    return True


# -- walk-ins -----------------------------------------------------------------------


class WalkInForm(forms.Form):
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100)
    email = EmailAddressField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy("Optional. Without it, the person gets no emails."),
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), required=False, max_length=200
    )
    consent = forms.BooleanField(label=gettext_lazy("The person agreed to this text"))

    def __init__(self, *args, consent_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_text = consent_text
        if not consent_text:
            del self.fields["consent"]


def store_walk_in(congress, data, user):
    """A confirmed registration with a place, in person, checked in now (staff saw
    the person at the door, whatever the capacity says). One path with the public
    form: the sign-up spec is ``registration_signup`` and a new one is kept by its
    ``on_store``; the same address as an earlier registration updates that one.
    Everything happens in the storing transaction with the congress locked: a place
    the person held in another mode goes to that mode's waiting list, changes still
    waiting for the emailed link are dropped, and a withdrawn or unconfirmed sign-up
    that comes back gets the consent staff recorded. Returns the Registration."""
    site = congress.get_site()
    language = membership_services.page_language(congress)
    consent = congress.registration_consent_text if data.get("consent") else None
    spec = registration_signup(
        congress,
        mode=Registration.Mode.IN_PERSON,
        organisation=data.get("organisation") or "",
        consent=consent,
    )
    store_new = spec["on_store"]

    def on_store(signup):
        now = timezone.now()
        # The sign-up first, then the congress: the order membership's withdraw uses.
        signup = SignUp.objects.select_for_update().get(pk=signup.pk)
        lock_congress(congress.pk)
        existing = Registration.objects.select_for_update().filter(signup=signup).first()
        if existing is None:
            # New: a confirmed staff-entered sign-up, kept with a place and walk_in.
            store_new(signup)
            Registration.objects.filter(signup=signup).update(
                mode=Registration.Mode.IN_PERSON,
                status=Registration.Status.PLACE,
                proposed={},
                checked_in_at=now,
                checked_in_by=user,
            )
            return
        if signup.state != SignUp.State.CONFIRMED:
            # Withdrawn or never confirmed: staff saw the person and the consent box.
            SignUp.objects.filter(pk=signup.pk).update(
                state=SignUp.State.CONFIRMED, confirmed_at=now, withdrawn_at=None
            )
            if consent:
                ConsentRecord.objects.create(
                    signup=signup,
                    purpose=ConsentRecord.Purpose.SIGNUP,
                    text=consent,
                    language=language,
                    page=congress,
                    revision_id=congress.live_revision_id or congress.latest_revision_id,
                    method=SignUp.Source.PAPER,
                    given_at=now,
                )
        old_mode, old_status = existing.mode, existing.status
        existing.mode = Registration.Mode.IN_PERSON
        existing.status = Registration.Status.PLACE
        if (old_mode, old_status) != (existing.mode, existing.status):
            existing.status_changed_at = now
        existing.proposed = {}
        if data.get("organisation"):
            existing.organisation = data["organisation"]
        if existing.checked_in_at is None:
            existing.checked_in_at, existing.checked_in_by = now, user
        existing.save()
        if old_status == Registration.Status.PLACE and old_mode != existing.mode:
            # The place held in the other mode is free for its waiting list.
            move_up(congress.pk, old_mode)

    # store_submission runs on_store in its transaction (and again on a retry).
    ids = membership_services.store_submission(
        site=site,
        page=congress,
        language=language,
        email=data.get("email") or "",
        person={"given_name": data["given_name"], "family_name": data["family_name"]},
        signups=[{**spec, "on_store": on_store}],
        entered_by=user,
        notify=False,
    )
    return Registration.objects.select_related("signup__supporter").get(signup_id=ids[0])


@require_http_methods(["GET", "POST"])
def walk_in(request, congress_pk):
    congress = _congress(request, congress_pk, "check_in_registration")
    consent_text = congress.registration_consent_text
    form = WalkInForm(request.POST or None, consent_text=consent_text)
    if request.method == "POST" and form.is_valid():
        registration = store_walk_in(congress, form.cleaned_data, request.user)
        messages.success(
            request,
            _("%(name)s is registered and checked in.")
            % {"name": registration.signup.supporter.full_name},
        )
        return redirect(_checkin_url(congress, anchor=f"r{registration.pk}"))
    for name in form.errors:
        if name in form.fields:
            field = form[name]
            described = [f"{field.auto_id}_error"]
            if field.help_text:
                described.insert(0, f"{field.auto_id}_helptext")
            if name == "consent":
                described.insert(0, "walk-in-consent-text")
            form.fields[name].widget.attrs.update(
                {"aria-describedby": " ".join(described), "aria-invalid": "true"}
            )
    return TemplateResponse(
        request,
        "congress/admin/registrations_walk_in.html",
        {"congress": congress, "form": form, "consent_text": consent_text},
    )


# -- registration with Wagtail ------------------------------------------------------


def admin_urls():
    return [
        path("congress-registrations/", congresses_index, name="congress_registrations"),
        path(
            "congress-registrations/<int:congress_pk>/",
            registration_list,
            name="congress_registration_list",
        ),
        path(
            "congress-registrations/<int:congress_pk>/export/",
            registration_export,
            name="congress_registration_export",
        ),
        path(
            "congress-registrations/<int:congress_pk>/check-in/",
            checkin,
            name="congress_checkin",
        ),
        path(
            "congress-registrations/<int:congress_pk>/walk-in/",
            walk_in,
            name="congress_walk_in",
        ),
    ]


class RegistrationsMenuItem(MenuItem):
    def is_shown(self, request):
        return user_can_see_registrations(request.user)


def menu_item():
    return RegistrationsMenuItem(
        gettext_lazy("Registrations"),
        reverse("congress_registrations"),
        icon_name="list-ul",
        order=260,
    )
