"""The members page of a platform: its member organisations, and on ``apply/`` the
application form (its POST and the links of the contact's emails)."""

from django.db import models
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.models import BasePage, IntroMixin

from . import services
from .constants import SIGNUP_PATHS, SignUpKind
from .organisation_flow import member_organisations
from .organisation_forms import OrganisationApplicationForm

#: Where the application form is, under the members page's URL (the emails link there).
APPLY_PATH = SIGNUP_PATHS[SignUpKind.ORGANISATION]
#: Query string parameter of the thank-you state after an application.
THANKS_PARAM = "sent"


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
        context = super().get_context(request, *args, **kwargs)
        context["member_organisations"] = member_organisations(
            services.site_for_request_page(request, self)
        )
        context["apply_url"] = self.apply_url(request)
        return context

    @path(APPLY_PATH, name="apply")
    def apply(self, request):
        """The application form, its POST and the links of the contact's emails."""
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
