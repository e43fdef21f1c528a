"""Organisations joining a platform (Kosovo We Want's member organisations).

An application is a membership sign-up of its contact person
(``SignUp.Kind.ORGANISATION``, on the members page: consent and double opt-in as
every sign-up, the person's details on their ``Supporter``); ``OrganisationApplication``
keeps beside it what the organisation says about itself and the staff's review.
Approved organisations whose contact confirmed are listed on ``MemberOrganisationsPage``
(and on congress pages that choose to show them); the form is on its ``apply/`` page.
"""

from django.conf import settings
from django.db import models
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.models import BasePage, IntroMixin

from .constants import MUNICIPALITY_CHOICES, SIGNUP_PATHS, SignUpKind, SignUpState

#: Where the application form is, under the members page's URL (the emails link there).
APPLY_PATH = SIGNUP_PATHS[SignUpKind.ORGANISATION]
#: Query string parameter of the thank-you state after an application.
THANKS_PARAM = "sent"


class OrganisationQuerySet(models.QuerySet):
    def members(self):
        """Approved organisations whose contact person confirmed and did not withdraw
        (nor was erased: nobody would be left to speak for the organisation)."""
        return self.filter(
            review=OrganisationApplication.Review.APPROVED,
            signup__state=SignUpState.CONFIRMED,
            signup__supporter__erased_at__isnull=True,
        )


class OrganisationApplication(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        ASSOCIATION = "association", _("Association")
        INFORMAL = "informal", _("Informal group")
        PUBLIC_INTEREST = "public_interest", _("Public-interest group")

    class Review(models.TextChoices):
        WAITING = "waiting", _("Waiting for review")
        MORE = "more", _("More information asked for")
        APPROVED = "approved", _("Member (public)")
        DECLINED = "declined", _("Declined")

    signup = models.OneToOneField(
        "membership.SignUp",
        verbose_name=_("sign-up of the contact person"),
        on_delete=models.CASCADE,
        related_name="organisation_application",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("platform"),
        on_delete=models.CASCADE,
        related_name="organisation_applications",
    )
    name = models.CharField(_("name of the organisation"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    registration_number = models.CharField(
        _("registration number"), max_length=40, blank=True, help_text=_("If registered.")
    )
    municipality = models.CharField(
        _("municipality"), max_length=32, choices=MUNICIPALITY_CHOICES, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    work = models.TextField(_("what the organisation works on"), max_length=2000)
    principles_agreed = models.BooleanField(_("agrees with the principles"), default=False)
    # What a later form with the same contact address asked to change, applied when
    # the contact person confirms it by the emailed link.
    proposed = models.JSONField(_("changes waiting for confirmation"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    review = models.CharField(
        _("review"), max_length=10, choices=Review.choices, default=Review.WAITING, db_index=True
    )
    review_message = models.TextField(
        _("message to the contact person"),
        blank=True,
        help_text=_("Why it was declined, or what more is asked for; emailed to the contact."),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("member since"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation's application")
        verbose_name_plural = _("organisations' applications")
        ordering = ["name", "pk"]
        permissions = [("review_organisationapplication", _("Can review organisations"))]

    def __str__(self):
        return self.name

    @property
    def shown_on(self):
        """The site whose pages list (or listed) this organisation; None while it was
        never approved."""
        if self.review == self.Review.APPROVED or self.approved_at is not None:
            return self.site
        return None


class MemberOrganisationsPage(RoutablePageMixin, IntroMixin, BasePage):
    """The platform's member organisations, and (on ``apply/``) the application."""

    principles = RichTextField(
        _("principles"),
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("What member organisations agree to; shown above the application."),
    )
    consent_text = models.TextField(
        _("consent text"),
        max_length=2000,
        help_text=_(
            "Shown next to the consent box of the application and stored with it, word for word."
        ),
    )
    thank_you = models.TextField(
        _("thank-you text"),
        max_length=1000,
        blank=True,
        help_text=_("Shown after an application is sent."),
    )

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    search_fields = Page.search_fields + IntroMixin.search_fields
    content_panels = (
        Page.content_panels
        + IntroMixin.intro_panels
        + [FieldPanel("principles"), FieldPanel("consent_text"), FieldPanel("thank_you")]
    )

    template = "membership/member_organisations_page.html"
    apply_template = "membership/organisation_apply.html"

    class Meta:
        verbose_name = _("member organisations page")
        verbose_name_plural = _("member organisations pages")

    def apply_url(self, request=None):
        return (self.get_url(request) or "/") + self.reverse_subpage("apply").lstrip("/")

    def get_context(self, request, *args, **kwargs):
        from .organisation_flow import member_organisations
        from .services import site_for_request_page

        context = super().get_context(request, *args, **kwargs)
        context["member_organisations"] = member_organisations(site_for_request_page(request, self))
        context["apply_url"] = self.apply_url(request)
        return context

    @path(APPLY_PATH, name="apply")
    def apply(self, request):
        """The application form, its POST and the links of the contact's emails."""
        from . import services
        from .organisation_forms import OrganisationApplicationForm

        url = self.apply_url(request)
        form, confirmation, status = None, None, 200
        if services.is_link_request(request):
            # GET shows a button; only its POST confirms or withdraws.
            result = services.handle_link(request, self, url=url, anchor="#application")
            if not isinstance(result, dict):
                return result
            confirmation, status = result, result["http_status"]
        elif request.method == "POST":
            form = OrganisationApplicationForm(request.POST, page=self, request=request)
            limited = services.rate_limited_response(request, self, form=form)
            if limited is not None:
                return limited
            response = services.handle_submission(request, self, form, THANKS_PARAM, url=url)
            if response is not None:
                return response
            status = 400
        context = {
            "page": self,
            "self": self,
            "request": request,
            "form": form or OrganisationApplicationForm(page=self, request=request),
            "apply_url": url,
            # The switcher and the alternates lead to the form in each language.
            "page_subpath": self.reverse_subpage("apply").lstrip("/"),
            "thanks": request.GET.get(THANKS_PARAM) == "1",
            "confirmation": confirmation,
        }
        response = TemplateResponse(request, self.apply_template, context, status=status)
        add_never_cache_headers(response)
        return response
