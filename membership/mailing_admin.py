"""The "Messages" area of the Wagtail admin: membership officers write a message in
their organisation's languages, choose who receives it, look at it, send a test
to themselves and send it (or ask another officer to approve it first, where the
organisation wants that), then follow its sending.

Access is decided as in the People area (``admin_views``): the user needs the
``membership.send_mailing`` permission (otherwise 403), and a message is looked up
among the messages of the sites where the user is a membership officer, so another
organisation's message is a 404. Everything that changes a message is a POST.
How a message is rendered and sent is ``mailing_send``'s business.
"""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.forms import Media
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin.rich_text import get_rich_text_editor_widget
from wagtail.permissions import policy_registry

from home.languages import site_languages
from home.models import OrganisationSettings

from . import mailing_send, services
from .admin_views import chosen_sites, officer_person, officer_sites, require_officer
from .audience import Audience, recipients
from .mailings import BODY_FEATURES, Delivery, Mailing, MailingVersion, UndeliverableAddress
from .records import AuditEntry, MembershipSettings

PERMISSION = "membership.send_mailing"
PER_PAGE = 50
#: Seconds between two reloads of the progress page while the message is sent.
PROGRESS_REFRESH = 10


def user_can_send(user):
    return user.has_perm(PERMISSION) and officer_sites(user).exists()


def _mailing(request, pk):
    """The message ``pk`` if it belongs to one of the user's organisations (404
    otherwise); PermissionDenied without the permission."""
    sites = require_officer(request, PERMISSION)
    return get_object_or_404(Mailing.objects.select_related("site"), pk=pk, site__in=sites)


def needs_approval(site):
    return MembershipSettings.for_site(site).mailings_need_approval


def can_approve(user, mailing):
    """Another person than the one who wrote the message, the one who changed it
    last and the one who asked for its approval: otherwise an officer could rewrite
    someone else's draft and approve their own text (the view has checked that the
    user is an officer of its site)."""
    return mailing.status == Mailing.Status.AWAITING_APPROVAL and user.pk not in (
        mailing.created_by_id,
        mailing.updated_by_id,
        mailing.submitted_by_id,
    )


def settings_url(user, site):
    """The address of the organisation's settings (its postal address is there) if
    the user may change them, else None."""
    policy = policy_registry.get_by_type(OrganisationSettings)
    if not policy.user_has_permission_for_instance(user, "change", site):
        return None
    return reverse("wagtailsettings:edit", args=["home", "organisationsettings", site.pk])


def audience_count(mailing):
    return recipients(mailing.site, mailing.audience or {}).count()


def _audit(mailing, user, step, **detail):
    services.audit(
        mailing.site, user, AuditEntry.Action.MAILING, mailing=mailing.pk, step=step, **detail
    )


# -- forms ----------------------------------------------------------------------------


class MailingForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy(
            "For staff only, to find the message again; recipients never see it."
        ),
    )


def _is_blank(html):
    return not strip_tags(html or "").strip()


class VersionForm(forms.Form):
    """The message in one language; the organisation's first language is required,
    another language is left out when all its fields are left empty."""

    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    preview_text = forms.CharField(
        label=gettext_lazy("Preview text"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Shown by most mail programs after the subject, before the message is opened."
        ),
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        required=False,
        widget=get_rich_text_editor_widget(features=BODY_FEATURES),
        help_text=gettext_lazy(
            "Write {name} where the person's given name should appear (here, in the "
            "subject or in the preview text); it is left empty for people who gave none."
        ),
    )

    def __init__(self, *args, language, language_name, first, **kwargs):
        super().__init__(*args, prefix=language, **kwargs)
        self.language = language
        self.language_name = language_name
        self.first = first
        # The rich-text widget is made per form: it keeps the value it converted.
        widget = get_rich_text_editor_widget(features=BODY_FEATURES)
        # Draftail names its text box only through its options, not through the
        # field's <label> (wagtail/wagtail#14205); see docs/architecture.md.
        widget.options = {**widget.options, "ariaLabel": self.fields["body"].label}
        self.fields["body"].widget = widget
        self.fields["subject"].required = first

    @property
    def is_empty(self):
        data = getattr(self, "cleaned_data", {})
        return (
            not data.get("subject", "").strip()
            and not data.get("preview_text", "").strip()
            and _is_blank(data.get("body"))
        )

    def clean(self):
        data = super().clean()
        if self.is_empty and not self.first:
            return data
        if not data.get("subject", "").strip() and "subject" not in self.errors:
            self.add_error("subject", _("Write a subject."))
        if _is_blank(data.get("body")):
            self.add_error("body", _("Write the message."))
        return data


def version_forms(site, mailing=None, data=None):
    """One VersionForm per language of the organisation, its first language first."""
    existing = {v.language: v for v in mailing.versions.all()} if mailing else {}
    result = []
    for index, (code, name) in enumerate(site_languages(site)):
        version = existing.get(code)
        initial = (
            {"subject": version.subject, "preview_text": version.preview_text, "body": version.body}
            if version
            else {}
        )
        result.append(
            VersionForm(data, initial=initial, language=code, language_name=name, first=index == 0)
        )
    return result


def audience_form(site, mailing=None, data=None):
    initial = dict(mailing.audience) if mailing and mailing.audience else {}
    return Audience(
        data, initial=initial, site=site, language=translation.get_language(), prefix="audience"
    )


def describe_errors(form):
    """Tie each field's errors to it (``aria-describedby``), beside its help text,
    so that a screen reader reads them with the field."""
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return  # not validated
    for name in form.errors:
        if name not in form.fields:
            continue
        bound = form[name]
        ids = [f"{bound.auto_id}_errors"]
        if bound.help_text:
            ids.append(f"{bound.auto_id}_helptext")
        form.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


def _media(forms_):
    media = Media()
    for form in forms_:
        media += form.media
    return media


@transaction.atomic
def save_mailing(site, user, mailing, name_form, versions, audience):
    """Store the message and its versions (an empty optional language is removed).
    Returns the message, locked for the rest of the transaction. Whoever saves it
    is its last author (``updated_by``), who may not approve it."""
    if mailing is None:
        mailing = Mailing.objects.create(site=site, created_by=user, name="")
    else:
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    mailing.updated_by = user
    mailing.name = name_form.cleaned_data["name"]
    mailing.audience = audience.as_json()
    if mailing.status == Mailing.Status.AWAITING_APPROVAL:
        # What was asked to be approved changed: it is asked again.
        mailing.status = Mailing.Status.DRAFT
        mailing.submitted_by = mailing.submitted_at = None
    mailing.save()
    for form in versions:
        if form.is_empty and not form.first:
            MailingVersion.objects.filter(mailing=mailing, language=form.language).delete()
            continue
        MailingVersion.objects.update_or_create(
            mailing=mailing,
            language=form.language,
            defaults={
                "subject": form.cleaned_data["subject"].strip(),
                "preview_text": form.cleaned_data["preview_text"].strip(),
                "body": form.cleaned_data["body"],
            },
        )
    return mailing


# -- listing --------------------------------------------------------------------------


def mailing_index(request):
    sites = require_officer(request, PERMISSION)
    shown = chosen_sites(request, sites)
    paginator = Paginator(
        Mailing.objects.filter(site__in=shown).select_related("site", "created_by"), PER_PAGE
    )
    page_obj = paginator.get_page(request.GET.get("p"))
    listed = list(page_obj.object_list)
    sent = {
        row["mailing_id"]: row["sent"]
        for row in Delivery.objects.filter(
            mailing__in=[m.pk for m in listed], status=Delivery.Status.SENT
        )
        .order_by()
        .values("mailing_id")
        .annotate(sent=Count("pk"))
    }
    for mailing in listed:
        mailing.sent_count = sent.get(mailing.pk, 0)
    return TemplateResponse(
        request,
        "membership/admin/mailing_index.html",
        {
            "mailings": listed,
            "page_obj": page_obj,
            "show_site": sites.count() > 1,
            "sites": sites if sites.count() > 1 else [],
            "shown_site": shown.first() if shown.count() == 1 else None,
        },
    )


# -- writing --------------------------------------------------------------------------


def _editor_page(request, site, mailing, name_form, versions, audience, count):
    for form in (name_form, *versions, audience):
        describe_errors(form)
    previews = _previews(mailing) if mailing is not None else []
    return TemplateResponse(
        request,
        "membership/admin/mailing_edit.html",
        {
            "site": site,
            "mailing": mailing,
            "name_form": name_form,
            "versions": versions,
            "audience": audience,
            "count": count,
            "previews": previews,
            "media": _media([*versions, audience]),
            "needs_approval": needs_approval(site),
            "can_approve": mailing is not None and can_approve(request.user, mailing),
            "has_address": mailing_send.has_postal_address(site),
            "settings_url": settings_url(request.user, site),
            "show_site": officer_sites(request.user).count() > 1,
        },
    )


def _handle_editor(request, site, mailing):
    """The form of a new or an existing message: "Save" stores it, "Count" shows
    how many people the audience as filled in selects, without storing anything."""
    data = request.POST if request.method == "POST" else None
    name_form = MailingForm(data, initial={"name": mailing.name} if mailing else None)
    versions = version_forms(site, mailing, data)
    audience = audience_form(site, mailing, data)
    count = audience_count(mailing) if mailing else recipients(site, {}).count()
    if data is None:
        return _editor_page(request, site, mailing, name_form, versions, audience, count)
    if "count" in data:
        if audience.is_valid():
            count = recipients(site, audience.as_json()).count()
            messages.info(
                request,
                ngettext(
                    "With these choices %(count)s person would receive it. Not saved yet.",
                    "With these choices %(count)s people would receive it. Not saved yet.",
                    count,
                )
                % {"count": count},
            )
        # What was typed stays, without the errors of a form not submitted yet.
        name_form = MailingForm(initial={"name": name_form["name"].data})
        versions = [
            VersionForm(
                initial={key: form[key].data for key in form.fields},
                language=form.language,
                language_name=form.language_name,
                first=form.first,
            )
            for form in versions
        ]
        return _editor_page(request, site, mailing, name_form, versions, audience, count)
    valid = [name_form.is_valid(), audience.is_valid(), *[f.is_valid() for f in versions]]
    if not all(valid):
        messages.error(request, _("The message could not be saved: correct the errors below."))
        return _editor_page(request, site, mailing, name_form, versions, audience, count)
    was_awaiting = mailing is not None and mailing.status == Mailing.Status.AWAITING_APPROVAL
    mailing = save_mailing(site, request.user, mailing, name_form, versions, audience)
    count = audience_count(mailing)
    messages.success(
        request,
        ngettext(
            "The message was saved. %(count)s person will receive it.",
            "The message was saved. %(count)s people will receive it.",
            count,
        )
        % {"count": count},
    )
    if was_awaiting:
        messages.warning(
            request, _("It changed after approval was asked for: ask for approval again.")
        )
    return redirect("membership_mailing", pk=mailing.pk)


@require_http_methods(["GET", "POST"])
def mailing_add(request):
    sites = require_officer(request, PERMISSION)
    chosen = request.GET.get("site") or request.POST.get("site")
    if chosen:
        if not str(chosen).isdigit():
            raise Http404
        site = get_object_or_404(sites, pk=int(chosen))
    elif sites.count() == 1:
        site = sites.get()
    else:
        return TemplateResponse(
            request, "membership/admin/mailing_choose_site.html", {"sites": sites}
        )
    return _handle_editor(request, site, None)


@require_http_methods(["GET", "POST"])
def mailing_edit(request, pk):
    mailing = _mailing(request, pk)
    if not mailing.is_editable:
        if request.method == "POST":
            messages.error(request, _("A message that is being sent or was sent cannot change."))
        return redirect("membership_mailing_progress", pk=mailing.pk)
    return _handle_editor(request, mailing.site, mailing)


# -- looking at it ----------------------------------------------------------------------

#: The preview is the email's HTML, shown in a sandboxed frame of the admin: it
#: runs nothing and loads nothing but its own styles and images.
PREVIEW_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "frame-ancestors": [SELF],
    "form-action": [NONE],
    "base-uri": [NONE],
    "sandbox": True,
}


@require_GET
@xframe_options_sameorigin
@csp(PREVIEW_POLICY)
def mailing_preview(request, pk, language):
    mailing = _mailing(request, pk)
    if not mailing.versions.filter(language=language).exists():
        raise Http404
    response = HttpResponse(mailing_send.preview_html(mailing, language))
    response["Cache-Control"] = "no-store"
    return response


def _previews(mailing):
    languages = dict(site_languages(mailing.site))
    return [
        {
            "language": v.language,
            "name": languages.get(v.language, v.language),
            "subject": v.subject,
            "url": reverse("membership_mailing_preview", args=[mailing.pk, v.language]),
        }
        for v in mailing.versions.all()
    ]


@require_POST
def mailing_test(request, pk):
    """Send one version to the user's own address (never to anyone else)."""
    mailing = _mailing(request, pk)
    language = request.POST.get("language", "")
    if not mailing.versions.filter(language=language).exists():
        messages.error(request, _("Choose a language the message is written in."))
    elif not request.user.email:
        messages.error(request, _("Your account has no email address to send a test to."))
    elif mailing_send.test_send(mailing, request.user, language):
        _audit(mailing, request.user, "test", language=language)
        messages.success(
            request,
            _("A test was sent to your address, %(email)s.") % {"email": request.user.email},
        )
    else:
        messages.error(request, _("The mail server refused the test. Try again later."))
    return redirect("membership_mailing", pk=mailing.pk)


# -- sending ----------------------------------------------------------------------------


#: Every message shows the organisation's postal address in its footer.
NO_ADDRESS = gettext_lazy(
    "The organisation has no postal address yet, and every message must show it: "
    "add it to the organisation's settings first."
)


def _ready_to_send(request, mailing, count):
    """Whether the message can go (not to nobody, nor without the organisation's
    postal address); says why not."""
    if not mailing.versions.filter(language=site_languages(mailing.site)[0][0]).exists():
        messages.error(request, _("Write the message in the organisation's first language."))
        return False
    if not count:
        messages.error(request, _("Nobody would receive this message: change its audience."))
        return False
    if not mailing_send.has_postal_address(mailing.site):
        messages.error(request, NO_ADDRESS)
        return False
    return True


def _confirm_page(request, mailing, count, action):
    return TemplateResponse(
        request,
        "membership/admin/mailing_confirm.html",
        {
            "mailing": mailing,
            "count": count,
            "action": action,
            "previews": _previews(mailing),
            "stamp": mailing.updated_at.isoformat(),
        },
    )


def _start(request, mailing):
    """Queue the copies (``mailing_send.start_sending`` raises ``CannotSend`` when the
    message may not go; the caller's transaction then undoes what led here)."""
    count = mailing_send.start_sending(mailing, request.user) or 0
    # Worded so that it stays true when the sender has finished already.
    messages.success(
        request,
        ngettext(
            "Sending to %(count)s person has begun.",
            "Sending to %(count)s people has begun.",
            count,
        )
        % {"count": count},
    )
    return redirect("membership_mailing_progress", pk=mailing.pk)


def _unchanged(request, mailing):
    """The message is the one the confirmation page showed (nobody saved it since).
    Called with the row locked (``select_for_update``), so that no change can come
    between this check and the step it allows."""
    if request.POST.get("stamp") != mailing.updated_at.isoformat():
        messages.error(
            request, _("The message changed while you were looking at it: look at it again.")
        )
        return False
    return True


@require_http_methods(["GET", "POST"])
def mailing_send_view(request, pk):
    """GET: "Send to N people?" (or "Ask for approval…"). POST: send it, or ask for
    approval when the organisation wants a second person to approve messages."""
    mailing = _mailing(request, pk)
    approval = needs_approval(mailing.site)
    allowed = [Mailing.Status.DRAFT] + ([] if approval else [Mailing.Status.AWAITING_APPROVAL])
    if mailing.status not in allowed:
        messages.info(request, _("This message is not a draft any more."))
        return redirect("membership_mailing", pk=mailing.pk)
    count = audience_count(mailing)
    if not _ready_to_send(request, mailing, count):
        return redirect("membership_mailing", pk=mailing.pk)
    action = "approval" if approval else "send"
    if request.method == "GET":
        return _confirm_page(request, mailing, count, action)
    try:
        with transaction.atomic():
            mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
            if not _unchanged(request, mailing):
                return redirect("membership_mailing_send", pk=mailing.pk)
            if mailing.status not in allowed:
                messages.info(request, _("This message is not a draft any more."))
                return redirect("membership_mailing", pk=mailing.pk)
            mailing.submitted_by = request.user
            mailing.submitted_at = timezone.now()
            mailing.status = Mailing.Status.AWAITING_APPROVAL if approval else Mailing.Status.DRAFT
            mailing.save()
            if not approval:
                return _start(request, mailing)
            _audit(mailing, request.user, "approval asked", recipients=count)
    except mailing_send.CannotSend as refusal:
        messages.error(request, str(refusal))
        return redirect("membership_mailing", pk=pk)
    messages.success(
        request,
        _("Approval was asked for. Another membership officer can now approve and send it."),
    )
    return redirect("membership_mailing", pk=mailing.pk)


@require_http_methods(["GET", "POST"])
def mailing_approve(request, pk):
    """Another officer of the organisation approves a message and so sends it."""
    mailing = _mailing(request, pk)
    if mailing.status != Mailing.Status.AWAITING_APPROVAL:
        messages.info(request, _("This message is not waiting for approval."))
        return redirect("membership_mailing", pk=mailing.pk)
    if not can_approve(request.user, mailing):
        raise PermissionDenied
    count = audience_count(mailing)
    if not _ready_to_send(request, mailing, count):
        return redirect("membership_mailing", pk=mailing.pk)
    if request.method == "GET":
        return _confirm_page(request, mailing, count, "approve")
    try:
        with transaction.atomic():
            mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
            if not _unchanged(request, mailing):
                return redirect("membership_mailing_approve", pk=mailing.pk)
            if not can_approve(request.user, mailing):
                messages.info(request, _("This message is not waiting for approval."))
                return redirect("membership_mailing", pk=mailing.pk)
            mailing.approved_by = request.user
            mailing.approved_at = timezone.now()
            mailing.save()
            _audit(mailing, request.user, "approved", recipients=count)
            return _start(request, mailing)
    except mailing_send.CannotSend as refusal:
        messages.error(request, str(refusal))
        return redirect("membership_mailing", pk=pk)


@require_http_methods(["GET", "POST"])
def mailing_cancel(request, pk):
    """Stop a message: one waiting for approval goes back to being a draft, one
    being sent stops (the copies not yet sent are never sent). GET asks first."""
    mailing = _mailing(request, pk)
    stoppable = (Mailing.Status.QUEUED, Mailing.Status.SENDING)
    if mailing.status not in (Mailing.Status.AWAITING_APPROVAL, *stoppable):
        messages.info(request, _("There is nothing to stop: the message is not being sent."))
        return redirect("membership_mailing", pk=mailing.pk)
    if request.method == "GET":
        return TemplateResponse(
            request,
            "membership/admin/mailing_cancel.html",
            {"mailing": mailing, "counts": mailing_send.progress(mailing)},
        )
    if mailing.status in stoppable:
        mailing_send.cancel(mailing, request.user)
        messages.success(
            request, _("Sending was stopped. The copies not yet sent will not be sent.")
        )
        return redirect("membership_mailing_progress", pk=mailing.pk)
    with transaction.atomic():
        updated = Mailing.objects.filter(
            pk=mailing.pk, status=Mailing.Status.AWAITING_APPROVAL
        ).update(
            status=Mailing.Status.DRAFT,
            submitted_by=None,
            submitted_at=None,
            updated_at=timezone.now(),
        )
        if updated:
            _audit(mailing, request.user, "approval withdrawn")
            messages.success(
                request, _("The request for approval was withdrawn: it is a draft again.")
            )
    return redirect("membership_mailing", pk=mailing.pk)


#: The progress page's rows: (status, label), in the order a copy goes through.
PROGRESS_ROWS = [
    Delivery.Status.QUEUED,
    Delivery.Status.SENDING,
    Delivery.Status.SENT,
    Delivery.Status.FAILED,
    Delivery.Status.SKIPPED,
    Delivery.Status.INTERRUPTED,
]


@require_GET
def mailing_progress(request, pk):
    mailing = _mailing(request, pk)
    counts = mailing_send.progress(mailing)
    running = mailing.status in (Mailing.Status.QUEUED, Mailing.Status.SENDING)
    return TemplateResponse(
        request,
        "membership/admin/mailing_progress.html",
        {
            "mailing": mailing,
            "rows": [(status.label, counts.get(status.value, 0)) for status in PROGRESS_ROWS],
            "total": counts.get("total", 0),
            "running": running,
            "refresh": PROGRESS_REFRESH,
            "previews": _previews(mailing),
            "reasons": Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SKIPPED)
            .exclude(reason="")
            .order_by()
            .values("reason")
            .annotate(count=Count("pk")),
            "reason_names": dict(Delivery.Reason.choices),
        },
    )


# -- a person's address -----------------------------------------------------------------


@require_POST
def person_undeliverable(request, pk):
    """Mark a person's address undeliverable: no later message goes to it."""
    person = officer_person(request, pk, "membership.change_supporter")
    if person.is_erased or not person.email:
        messages.info(request, _("This person has no address."))
    elif UndeliverableAddress.objects.filter(site=person.site, email=person.email).exists():
        messages.info(request, _("This address is marked undeliverable already."))
    else:
        mailing_send.mark_undeliverable(
            person.site, person.email, UndeliverableAddress.Reason.MANUAL, user=request.user
        )
        messages.success(
            request, _("The address was marked undeliverable: no message will be sent to it.")
        )
    return redirect("membership_person", pk=person.pk)
