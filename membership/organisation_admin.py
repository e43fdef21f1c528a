"""Review of organisations' applications in the Wagtail admin.

Membership officers of a site (and superusers) review the applications of that
site only: every view looks the application up among the sites the user is an
officer of, so another site's application is a 404 whatever the URL says, and a
user without the review permission gets 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from home.models import SiteRole
from home.roles import sites_for_user

from . import organisation_flow
from .organisation_forms import ReviewForm
from .organisations import OrganisationApplication

PERMISSION = "membership.review_organisationapplication"


def review_sites(user):
    """The sites whose applications ``user`` reviews."""
    if not user.has_perm(PERMISSION):
        return Site.objects.none()
    return sites_for_user(user, SiteRole.MEMBERSHIP_OFFICER)


def user_can_review(user):
    return review_sites(user).exists()


def _sites(request):
    sites = review_sites(request.user)
    if not sites.exists():
        raise PermissionDenied
    return sites


def _application(request, pk):
    return get_object_or_404(
        OrganisationApplication.objects.select_related(
            "site", "signup", "signup__supporter", "reviewed_by"
        ),
        pk=pk,
        site__in=_sites(request),
    )


def applications_index(request):
    sites = _sites(request)
    Review = OrganisationApplication.Review
    applications = (
        OrganisationApplication.objects.filter(site__in=sites)
        .select_related("site", "signup", "signup__supporter")
        .annotate(
            order=Case(
                When(review=Review.WAITING, then=Value(0)),
                When(review=Review.MORE, then=Value(1)),
                When(review=Review.APPROVED, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("order", "-created_at", "pk")
    )
    review = request.GET.get("review")
    if review in Review.values:
        applications = applications.filter(review=review)
    return TemplateResponse(
        request,
        "membership/admin/organisation_applications.html",
        {
            "applications": applications,
            "reviews": Review.choices,
            "chosen_review": review if review in Review.values else "",
            "several_sites": sites.count() > 1,
        },
    )


@require_http_methods(["GET", "POST"])
def application_detail(request, pk):
    application = _application(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "apply_proposed" and application.proposed:
            try:
                organisation_flow.apply_proposed(application)
            except ValidationError:  # a proposal that no longer fits the fields
                messages.error(request, _("The proposed changes could not be applied."))
            else:
                messages.success(request, _("The proposed changes were applied."))
            return redirect("membership_organisation", pk=application.pk)
        if form.is_valid():
            sent = organisation_flow.review(
                application,
                form.cleaned_data["decision"],
                form.cleaned_data["message"],
                request.user,
            )
            messages.success(request, _("The decision was saved."))
            if sent is False:
                messages.warning(
                    request,
                    _("The email to the contact person could not be sent; tell them another way."),
                )
            elif sent is None:
                messages.warning(request, _("The contact person has no email address any more."))
            return redirect(reverse("membership_organisations"))
    return TemplateResponse(
        request,
        "membership/admin/organisation_application.html",
        {
            "application": application,
            "person": application.signup.supporter,
            "form": form,
            "proposed": [
                (OrganisationApplication._meta.get_field(name).verbose_name, value)
                for name, value in application.proposed.items()
                if name in organisation_flow.APPLICATION_FIELDS
            ],
            "listed": OrganisationApplication.objects.members().filter(pk=application.pk).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )
