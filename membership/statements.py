"""Statements that people sign, hosted by any page type.

A page type that carries a statement inherits :class:`StatementPageMixin` before
its other bases, for example::

    class CampaignPage(StatementPageMixin, RoutablePageMixin, BasePage):
        content_panels = BasePage.content_panels + [...]
        # or a tab: ObjectList(StatementPageMixin.statement_panels, heading=...)
        content_panels = content_panels + StatementPageMixin.statement_panels

and includes ``{% include "membership/includes/statement.html" %}`` in its template
(the include expects ``page``, ``statement_form``, ``signature_stats`` and
``request``, all of which the mixin's ``get_context`` provides).

The form posts to the page's own URL; the mixin's ``serve`` handles that POST
(valid: stored and redirected to the thank-you state; invalid: the page is shown
again with the errors, nothing stored). The page itself may be served from the
anonymous page cache: the form carries no per-visitor data except the CSRF token,
which the cache replaces per visitor, and every confirmation empties the cache so
the counter moves.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField

from home.cache import cached_unless_preview

#: Name of the hidden field that marks a POST as a statement signature.
STATEMENT_MARKER = "statement-sign"
#: Query string values of the states after a POST or a confirmation link.
THANKS_PARAM = "signed"


class StatementPageMixin(models.Model):
    """Fields, form handling and counter of a statement that people sign."""

    statement_text = RichTextField(
        _("statement"),
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("The text people put their name to. Leave empty for no statement."),
    )
    statement_goal = models.PositiveIntegerField(
        _("signature goal"), default=1000, help_text=_("How many signatures you aim for.")
    )
    statement_public_threshold = models.PositiveIntegerField(
        _("show the count from"),
        default=50,
        help_text=_(
            "Below this number of signatures the page shows only the goal, never a low count."
        ),
    )
    statement_ask_community = models.BooleanField(
        _("ask for community"),
        default=False,
        help_text=_(
            "Ask signatories which community they belong to (Roma, Ashkali, Egyptian, other). "
            "This is special-category data: it is asked as optional and stored only with "
            "its own consent."
        ),
    )
    statement_consent_text = models.TextField(
        _("consent text"),
        blank=True,
        max_length=2000,
        default="",
        help_text=_(
            "Shown next to the consent box and stored with every signature, word for word."
        ),
    )
    statement_community_consent_text = models.TextField(
        _("community consent text"),
        blank=True,
        max_length=2000,
        default="",
        help_text=_("Shown next to the separate consent box for the community question."),
    )
    statement_thank_you = models.TextField(
        _("thank-you text"),
        blank=True,
        max_length=2000,
        default="",
        help_text=_("Shown after signing, before the email address is confirmed."),
    )

    statement_panels = [
        MultiFieldPanel(
            [
                FieldPanel("statement_text"),
                FieldPanel("statement_goal"),
                FieldPanel("statement_public_threshold"),
                FieldPanel("statement_consent_text"),
                FieldPanel("statement_ask_community"),
                FieldPanel("statement_community_consent_text"),
                FieldPanel("statement_thank_you"),
            ],
            heading=_("Statement to sign"),
        )
    ]

    # For host pages that list ``translatable_fields`` themselves (wagtail-localize):
    # the texts are translated, the numbers and flags stay in sync.
    statement_translatable_field_names = [
        "statement_text",
        "statement_consent_text",
        "statement_community_consent_text",
        "statement_thank_you",
    ]
    statement_synchronized_field_names = [
        "statement_goal",
        "statement_public_threshold",
        "statement_ask_community",
    ]

    class Meta:
        abstract = True

    # -- counting ---------------------------------------------------------------

    def statement_pages(self):
        """This page and its translations: a statement is one, whatever the language."""
        from wagtail.models import Page

        if not self.pk:
            return Page.objects.none()
        return Page.objects.filter(translation_key=self.translation_key)

    def signature_count(self):
        """Confirmed online signatures plus paper signatures, in every language."""
        from .models import SignUp

        return (
            SignUp.objects.filter(
                kind=SignUp.Kind.SIGNATURE,
                state=SignUp.State.CONFIRMED,
                page__in=self.statement_pages(),
            )
            .values("pk")
            .count()
        )

    def signature_stats(self):
        count = self.signature_count()
        goal = self.statement_goal or 0
        percent = min(100, round(count * 100 / goal)) if goal else 0
        return {
            "count": count,
            "goal": goal,
            "show_count": count > 0 and count >= (self.statement_public_threshold or 0),
            "percent": percent,
        }

    @property
    def has_statement(self):
        return bool(self.statement_text)

    # -- serving ----------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        from .forms import StatementForm

        context = super().get_context(request, *args, **kwargs)
        form = getattr(request, "_statement_form", None)
        if form is None:
            form = StatementForm(page=self)
        form.shareable = not getattr(request, "is_preview", False)
        context["statement_form"] = form
        # Confirmations and paper signatures move the generation on.
        context["signature_stats"] = cached_unless_preview(
            request, f"statement:stats:{self.pk}", self.signature_stats
        )
        context["statement_thanks"] = request.GET.get(THANKS_PARAM) == "1"
        context.setdefault("confirmation", getattr(request, "_membership_confirmation", None))
        return context

    def _is_statement_post(self, request, args):
        if request.method != "POST" or STATEMENT_MARKER not in request.POST:
            return False
        return self._is_own_route(args)

    @staticmethod
    def _is_own_route(args):
        # With RoutablePageMixin, Wagtail passes (view, args, kwargs): only the page's
        # own URL (its index route) takes a signature or a confirmation.
        if args and callable(args[0]):
            return getattr(args[0], "__name__", "") == "index_route"
        return True

    def serve(self, request, *args, **kwargs):
        from django.utils.cache import add_never_cache_headers

        from . import services

        if services.is_link_request(request) and self._is_own_route(args):
            # The links of the emails: GET shows a button, only its POST changes data.
            result = services.handle_link(request, self, anchor="#statement")
            if not isinstance(result, dict):
                return result
            request._membership_confirmation = result
            response = super().serve(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            response.status_code = result["http_status"]
            add_never_cache_headers(response)
            return response

        if not self._is_statement_post(request, args) or not self.has_statement:
            return super().serve(request, *args, **kwargs)

        from .forms import StatementForm

        services.site_for_request_page(request, self)  # found once, without a query
        limited = services.rate_limited_response(request, self)
        if limited is not None:
            return limited
        form = StatementForm(request.POST, page=self)
        response = services.handle_submission(request, self, form, thanks_param=THANKS_PARAM)
        if response is None:
            request._statement_form = form
            response = super().serve(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            response.status_code = 400
        add_never_cache_headers(response)
        return response
