"""Statements that people sign, hosted by any routable page type.

A page type that carries a statement inherits :class:`StatementPageMixin` before
its other bases, and Wagtail's ``RoutablePageMixin``, for example::

    class CampaignPage(StatementPageMixin, RoutablePageMixin, BasePage):
        content_panels = BasePage.content_panels + [...]
        # or a tab: ObjectList(StatementPageMixin.statement_panels, heading=...)
        content_panels = content_panels + StatementPageMixin.statement_panels

and includes ``{% include "membership/includes/statement.html" %}`` in its template
(the include expects ``page``, ``signature_stats`` and ``statement_sign_url``, which
the mixin's ``get_context`` provides).

The page itself shows the statement, the count and a link to its sign page, and
may be kept in the anonymous page cache: it has no form and no per-visitor data,
and the count it shows is kept at most ``STATEMENT_COUNT_MAX_AGE`` seconds.

The sign page (the route ``sign_statement``, ``<page URL>sign/``) shows the form and
takes its POST (valid: stored and redirected to its thank-you state; invalid: shown
again with the errors, nothing stored). The links of the confirmation emails lead
there too. It is never cached. Links and posts of the old kind, at the page's own
URL, are sent on to it.
"""

from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import path
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.cache import limit_page_cache
from home.dates import format_moment

from . import services
from .constants import STATEMENT_SIGN_PATH
from .forms import StatementForm
from .records import SignUp

#: Name of the hidden field that marks a POST as a statement signature.
STATEMENT_MARKER = "statement-sign"
#: Query string parameter of the thank-you state after a signature.
THANKS_PARAM = "signed"
#: A confirmed signature shows in the count of the (cached) page within this time.
STATEMENT_COUNT_MAX_AGE = 60

#: States of a statement's signing period (``StatementPageMixin.signing_state``).
SIGNING_BEFORE = "before"
SIGNING_OPEN = "open"
SIGNING_CLOSED = "closed"


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
        if not self.pk:
            return Page.objects.none()
        return Page.objects.filter(translation_key=self.translation_key)

    def signature_count(self):
        """Confirmed online signatures plus paper signatures, in every language."""
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

    # -- signing period -----------------------------------------------------------
    #
    # A host page may define ``signing_opens`` and ``signing_closes`` (moments, either
    # may be empty); without them signing is always open.

    def signing_period(self):
        """(opens, closes), each a moment or None."""
        return getattr(self, "signing_opens", None), getattr(self, "signing_closes", None)

    def signing_state(self, now=None):
        """SIGNING_BEFORE, SIGNING_OPEN or SIGNING_CLOSED at ``now`` (default: now)."""
        now = now or timezone.now()
        opens, closes = self.signing_period()
        if opens and now < opens:
            return SIGNING_BEFORE
        if closes and now >= closes:
            return SIGNING_CLOSED
        return SIGNING_OPEN

    def signing_is_open(self, now=None):
        return self.signing_state(now) == SIGNING_OPEN

    def seconds_until_signing_changes(self, now=None):
        """Seconds until signing opens or closes next, or None when it never changes
        again (the page cache keeps a page no longer than that)."""
        now = now or timezone.now()
        future = [moment for moment in self.signing_period() if moment and moment > now]
        if not future:
            return None
        return max(1, int((min(future) - now).total_seconds()) + 1)

    def signing_day_in_period(self, day):
        """Whether signatures collected on ``day`` (a date, in Kosovo) fall inside the
        signing period; a day counts when any part of it does."""
        opens, closes = self.signing_period()
        if opens and day < timezone.localtime(opens).date():
            return False
        if closes and day > timezone.localtime(closes).date():
            return False
        return True

    def signing_context(self, now=None):
        """What the templates need to show the signing period."""
        opens, closes = self.signing_period()
        state = self.signing_state(now)
        return {
            "signing_state": state,
            "signing_open": state == SIGNING_OPEN,
            "signing_opens_text": format_moment(opens) if opens else "",
            "signing_closes_text": format_moment(closes) if closes else "",
        }

    # -- serving ----------------------------------------------------------------

    statement_sign_template = "membership/statement_sign_page.html"

    def statement_sign_url(self, request=None):
        """The URL of the sign page."""
        return (self.get_url(request) or "/") + self.reverse_subpage("sign_statement").lstrip("/")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.has_statement:
            now = timezone.now()
            limit_page_cache(request, STATEMENT_COUNT_MAX_AGE)
            change = self.seconds_until_signing_changes(now)
            if change is not None:
                limit_page_cache(request, change)
            context["signature_stats"] = self.signature_stats()
            context["statement_sign_url"] = self.statement_sign_url(request)
            context.update(self.signing_context(now))
        return context

    def serve(self, request, *args, **kwargs):
        if self._is_index_route(args):
            moved = self._moved_to_sign_page(request)
            if moved is not None:
                return moved
        return super().serve(request, *args, **kwargs)

    @staticmethod
    def _is_index_route(args):
        # RoutablePageMixin passes (view, args, kwargs).
        return bool(args) and getattr(args[0], "__name__", "") == "index_route"

    def _moved_to_sign_page(self, request):
        """The page's own URL once took the signatures and the emails' links: they
        are answered by the sign page now (a form's POST keeps its data with 307)."""
        if request.method == "POST":
            if STATEMENT_MARKER not in request.POST and not services.is_link_request(request):
                return None
            response = HttpResponseRedirect(self.statement_sign_url(request), status=307)
        elif services.is_link_request(request) or THANKS_PARAM in request.GET:
            url = self.statement_sign_url(request)
            response = HttpResponseRedirect(f"{url}?{request.GET.urlencode()}")
        else:
            return None
        add_never_cache_headers(response)
        return response

    @path(STATEMENT_SIGN_PATH, name="sign_statement")
    def sign_statement(self, request):
        """The form to sign the statement, its POST, and the emails' links (which keep
        working when the statement is taken down: leaving stays possible)."""
        if not self.has_statement and not services.is_link_request(request):
            raise Http404
        url = self.statement_sign_url(request)
        form, confirmation, status = None, None, 200
        if services.is_link_request(request):
            # GET shows a button; only its POST confirms or withdraws.
            result = services.handle_link(request, self, url=url, anchor="#statement")
            if not isinstance(result, dict):
                return result
            confirmation, status = result, result["http_status"]
        elif request.method == "POST" and not self.signing_is_open():
            # Nothing is stored; the page says why (and when signing opens).
            status = 403
        elif request.method == "POST":
            form = StatementForm(request.POST, page=self, request=request)
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
            "statement_form": form or StatementForm(page=self, request=request),
            "statement_sign_url": url,
            # The switcher and the alternates lead to the sign page in each language.
            "page_subpath": self.reverse_subpage("sign_statement").lstrip("/"),
            "signature_stats": self.signature_stats(),
            "statement_thanks": request.GET.get(THANKS_PARAM) == "1",
            "confirmation": confirmation,
            **self.signing_context(),
        }
        response = TemplateResponse(request, self.statement_sign_template, context, status=status)
        add_never_cache_headers(response)
        return response
