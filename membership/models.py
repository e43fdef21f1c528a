"""The membership app's models.

The people and what they signed up for are defined in ``records.py`` (and exported
here, where Django looks for an app's models); this module holds the public form
pages, ``JoinPage`` and ``VolunteerPage``. Statements that people sign are hosted by
other apps' page types through ``statements.StatementPageMixin``.
"""

from django.db import models
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField

from home.models import BasePage

from . import services
from .forms import JoinForm, VolunteerForm
from .mailings import Delivery, Mailing, MailingVersion, UndeliverableAddress
from .organisation_pages import MemberOrganisationsPage
from .organisations import OrganisationApplication
from .records import (
    AuditEntry,
    ConsentRecord,
    ExportJob,
    MembershipSettings,
    SignUp,
    Supporter,
    VolunteerArea,
)

__all__ = [
    "AuditEntry",
    "ConsentRecord",
    "Delivery",
    "ExportJob",
    "JoinPage",
    "Mailing",
    "MailingVersion",
    "MemberOrganisationsPage",
    "MembershipSettings",
    "OrganisationApplication",
    "SignUp",
    "SignUpFormPage",
    "Supporter",
    "UndeliverableAddress",
    "VolunteerArea",
    "VolunteerPage",
]


class SignUpFormPage(BasePage):
    """A page with a sign-up form: the editor writes its texts in each language."""

    page_cache = False  # per-visitor content: never in the shared page cache

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
    )
    consent_text = models.TextField(
        _("consent text"),
        max_length=2000,
        help_text=_("Shown next to the consent box and stored with every sign-up, word for word."),
    )
    thank_you = models.TextField(
        _("thank-you text"),
        max_length=2000,
        help_text=_("Shown after a sign-up, before the email address is confirmed."),
    )

    content_panels = BasePage.content_panels + [
        FieldPanel("intro"),
        FieldPanel("consent_text"),
        FieldPanel("thank_you"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    form_class = None

    class Meta:
        abstract = True

    def get_form(self, data=None, request=None):
        return self.form_class(data, page=self, request=request)

    def get_context(self, request, *args, form=None, confirmation=None, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["form"] = form or self.get_form(request=request)
        context["thanks"] = request.GET.get("sent") == "1"
        context["confirmation"] = confirmation
        return context

    def _render(self, request, status=200, **context):
        return TemplateResponse(
            request,
            self.get_template(request),
            self.get_context(request, **context),
            status=status,
        )

    @method_decorator(never_cache)
    def serve(self, request, *args, **kwargs):
        if services.is_link_request(request):
            result = services.handle_link(request, self)
            if not isinstance(result, dict):
                return result
            return self._render(request, status=result["http_status"], confirmation=result)
        if request.method == "POST":
            form = self.get_form(request.POST, request=request)
            limited = services.rate_limited_response(request, self, form=form)
            if limited is not None:
                return limited
            response = services.handle_submission(request, self, form, thanks_param="sent")
            if response is not None:
                return response
            return self._render(request, status=400, form=form)
        return super().serve(request, *args, **kwargs)


class JoinPage(SignUpFormPage):
    """ "Bëhu anëtar": the membership application form."""

    template = "membership/join_page.html"
    form_class = JoinForm

    class Meta:
        verbose_name = _("join page")
        verbose_name_plural = _("join pages")


class VolunteerPage(SignUpFormPage):
    """ "Vullnetarizo": the volunteer form, with an option to join as a member too."""

    offer_membership = models.BooleanField(
        _("offer membership too"),
        default=True,
        help_text=_('Show a "make me a member too" box on the form.'),
    )
    membership_consent_text = models.TextField(
        _("consent text for membership"),
        blank=True,
        max_length=2000,
        help_text=_(
            'Stored for people who tick "make me a member too". Empty: the consent text above.'
        ),
    )

    content_panels = SignUpFormPage.content_panels + [
        FieldPanel("offer_membership"),
        FieldPanel("membership_consent_text"),
    ]

    template = "membership/volunteer_page.html"
    form_class = VolunteerForm

    class Meta:
        verbose_name = _("volunteer page")
        verbose_name_plural = _("volunteer pages")
