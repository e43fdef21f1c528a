"""The review of one candidate's pledge in the admin.

``review`` shows the pledge as the candidate made it (commitments and comments,
photo, link, the consent they gave, when they confirmed their address, the scan)
and takes the organisation's decision: approve, ask for proof, decline (with the
message the candidate receives), or erase the candidate's contact data. It is a
URL of the pledge's snippet viewset (``wagtail_hooks.PledgeViewSet``); the user
must be allowed to change *this* pledge by its permission policy
(``movement.permissions.CampaignRecordPermissionPolicy``: staff of the campaign's
organisation), whatever they ask for; every decision is a POST with Django's CSRF
check.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import registry as log_registry
from wagtail.permissions import policy_registry

from . import links, pledges
from . import review as reviews
from .records import Pledge

MESSAGE_MAX = 2000
#: What staff read for ``Pledge.email_status``.
EMAIL_STATUS_LABELS = {
    "queued": gettext_lazy("Waiting to be sent"),
    "sending": gettext_lazy("Being sent (or cut off while it was sent)"),
    "sent": gettext_lazy("Sent"),
    "failed": gettext_lazy("Not sent: the mail server refused it"),
}


def review_url(pledge):
    return reverse("wagtailsnippets_movement_pledge:review", args=[pledge.pk])


def can_review(user, pledge):
    policy = policy_registry.get_by_type(Pledge)
    return policy.user_has_permission_for_instance(user, "change", pledge)


class DecisionForm(forms.Form):
    """One of the decisions; ``state`` is the state the reviewer saw, so that a
    decision taken on an outdated screen is refused."""

    ACTIONS = {
        "approve": gettext_lazy("Approve"),
        "proof": gettext_lazy("Ask for proof"),
        "decline": gettext_lazy("Decline"),
        "erase": gettext_lazy("Erase contact data"),
        "resend": gettext_lazy("Send the email again"),
    }
    state = forms.ChoiceField(choices=Pledge.State.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    message = forms.CharField(
        label=gettext_lazy("Message to the candidate"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        self.action = action
        if action == "proof":
            self.fields["message"].help_text = gettext_lazy(
                "What proof you ask for, e.g. a scan or photo of the signed paper pledge. "
                "It is emailed to the candidate."
            )
        elif action == "decline":
            self.fields["message"].label = gettext_lazy("Reason")
            self.fields["message"].help_text = gettext_lazy(
                "Why the pledge is declined. It is emailed to the candidate."
            )

    def clean(self):
        cleaned = super().clean()
        if self.action in ("proof", "decline") and not cleaned.get("message", "").strip():
            self.add_error("message", reviews.MESSAGE_REQUIRED)
        return cleaned


def _forms(pledge, bound=None):
    """The decision forms the pledge's state allows, one per action; ``bound``
    replaces the one that was submitted (with its errors)."""
    actions = []
    if pledge.state in reviews.REVIEWABLE:
        actions += ["approve", "proof", "decline"]
    if pledge.email and pledge.email_status == "failed" and not _will_retry(pledge):
        actions.append("resend")
    if pledge.email or pledge.link_digest:
        actions.append("erase")
    result = []
    for action in actions:
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = DecisionForm(
                action=action, initial={"state": pledge.state, "version": pledge.version}
            )
        result.append({"action": action, "label": DecisionForm.ACTIONS[action], "form": form})
    return result


def _will_retry(pledge):
    from .tasks import MAX_ATTEMPTS

    return pledge.email_attempts < MAX_ATTEMPTS


def _decide(request, pledge, form):
    action = form.action
    seen = {"seen_state": form.cleaned_data["state"], "seen_version": form.cleaned_data["version"]}
    message = form.cleaned_data.get("message", "")
    if action == "approve":
        reviews.approve(pledge, request.user, **seen)
        return _("The pledge of %(name)s is approved and public now.")
    if action == "proof":
        reviews.ask_for_proof(pledge, request.user, message, **seen)
        return _("%(name)s has been asked for proof.")
    if action == "decline":
        reviews.decline(pledge, request.user, message, **seen)
        return _("The pledge of %(name)s is declined.")
    if action == "resend":
        with transaction.atomic():
            pledges.notify(pledge, links.message_for(pledge))
        return _("The email to %(name)s is on its way again.")
    reviews.erase_contact(pledge, request.user)
    return _("The contact data of %(name)s is erased.")


def review(request, pk):
    pledge = get_object_or_404(
        Pledge.objects.select_related("campaign", "photo", "document", "reviewed_by"), pk=pk
    )
    if not can_review(request.user, pledge):
        raise PermissionDenied
    bound = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DecisionForm.ACTIONS:
            messages.error(request, _("Choose one of the actions below."))
            return redirect(review_url(pledge))
        form = DecisionForm(request.POST, action=action)
        if form.is_valid():
            try:
                done = _decide(request, pledge, form)
            except reviews.ReviewError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, done % {"name": pledge.name})
            return redirect(review_url(pledge))
        bound = (action, form)
        # The form with its error may be far down the page: say so at the top too.
        messages.error(request, _("The decision was not taken: see the message below."))
    elif request.method != "GET":
        return redirect(review_url(pledge))
    commitments = pledge.commitments.select_related("demand").order_by("sort_order", "pk")
    history = log_registry.get_logs_for_instance(pledge).select_related("user")[:20]
    return TemplateResponse(
        request,
        "movement/admin/pledge_review.html",
        {
            "pledge": pledge,
            "commitments": commitments,
            "decisions": _forms(pledge, bound),
            "history": history,
            "edit_url": reverse("wagtailsnippets_movement_pledge:edit", args=[pledge.pk]),
            "index_url": reverse("wagtailsnippets_movement_pledge:list"),
            "waiting_for_candidate": pledge.state == Pledge.State.PENDING,
            "campaign_url": pledge.campaign.get_url(request=request),
            "language_name": dict(settings.LANGUAGES).get(pledge.language, pledge.language),
            "email_status": EMAIL_STATUS_LABELS.get(pledge.email_status, ""),
        },
    )


# The dashboard: pledges waiting for the organisation


def waiting_counts(user):
    """[(state, label, count, listing URL)] of the pledges ``user`` may review that
    wait for staff; empty when there are none (or none they may see)."""
    from home.security.snippets import managed

    rows = (
        managed(Pledge, user, actions=["change"])
        .filter(state__in=reviews.REVIEWABLE)
        .values_list("state", flat=True)
    )
    counts = {}
    for state in rows:
        counts[state] = counts.get(state, 0) + 1
    listing = reverse("wagtailsnippets_movement_pledge:list")
    return [
        (state, Pledge.State(state).label, counts[state], f"{listing}?state={state}")
        for state in reviews.REVIEWABLE
        if counts.get(state)
    ]
