"""The candidate's side of a pledge, as routes of the campaign page.

- ``pledge/``: the pledge form (GET) and its POST; ``?sent=1`` is its thank-you
  state, the same whatever became of the form (it reveals nothing about anyone).
  Open while the page is published and before the election day; after it the page
  says so and a POST stores nothing (403).
- ``pledge/manage/?token=``: the candidate's emailed link: see the pledge and its
  state, confirm the address, edit the pledge while it is not approved, withdraw
  it, print it. Opening the link changes nothing: only its buttons do.
- ``pledge/print/``: the printable pledge, blank (for signing on paper at a
  meeting), or the candidate's own through their link (``?token=``).

None of these pages is cached or indexed.
"""

from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from wagtail.contrib.routable_page.models import path

from membership import services

from . import links, pledges
from .forms import CandidatePledgeForm
from .progress import local_today
from .records import Pledge

ACTION_FIELD = "action"
TOKEN_FIELD = "token"  # noqa: S105 - a field name, not a secret
DONE_PARAM = "done"
DONE_STATES = ("confirmed", "saved", "withdrawn")


def _response(request, template, context, status=200):
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)
    # The candidate's link is in the address: never passed on to another site. Not
    # "no-referrer": browsers then send "Origin: null" with the page's own forms,
    # which Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


class PledgePageMixin:
    """Routes of the pledge; mixed into ``CampaignPage`` before ``RoutablePageMixin``."""

    pledge_template = "movement/pledge_page.html"
    pledge_manage_template = "movement/pledge_manage.html"
    pledge_print_template = "movement/pledge_print.html"

    def pledge_url(self, request=None):
        """The URL of the pledge form."""
        return (self.get_url(request) or "/") + self.reverse_subpage("take_pledge").lstrip("/")

    def pledge_manage_url(self, request=None):
        return (self.get_url(request) or "/") + self.reverse_subpage("manage_pledge").lstrip("/")

    def pledge_print_url(self, request=None):
        return (self.get_url(request) or "/") + self.reverse_subpage("print_pledge").lstrip("/")

    def pledging_is_open(self, today=None):
        return pledges.pledging_is_open(self, today)

    def _pledge_context(self, request, **extra):
        election = self.election_date
        return {
            "page": self,
            "self": self,
            "request": request,
            "election_passed": bool(election and local_today() >= election),
            **extra,
        }

    @path("pledge/", name="take_pledge")
    def take_pledge(self, request):
        url = self.pledge_url(request)
        is_open = self.pledging_is_open()
        form, status = None, 200
        if request.method == "POST" and not is_open:
            status = 403  # nothing is stored; the page says why
        elif request.method == "POST":
            form = CandidatePledgeForm(request.POST, request.FILES, page=self, request=request)
            limited = services.rate_limited_response(request, self, form=form)
            if limited is not None:
                return limited
            response = pledges.handle_submission(request, self, form, url)
            if response is not None:
                return response
            status = 400
        if is_open and form is None:
            form = CandidatePledgeForm(page=self, request=request)
        context = self._pledge_context(
            request,
            pledge_form=form,
            pledge_form_url=url,
            pledging_open=is_open,
            pledge_thanks=request.GET.get(pledges.THANKS_PARAM) == "1",
            print_url=self.pledge_print_url(request),
            page_subpath=self.reverse_subpage("take_pledge").lstrip("/"),
        )
        return _response(request, self.pledge_template, context, status)

    @path("pledge/manage/", name="manage_pledge")
    def manage_pledge(self, request):
        data = request.POST if request.method == "POST" else request.GET
        token = data.get(TOKEN_FIELD, "")
        pledge = links.pledge_for_token(self, token)
        url = self.pledge_manage_url(request)
        if pledge is None and not token and request.GET.get(DONE_PARAM) == "withdrawn":
            # After a withdrawal: its email brought a new link, the old one is gone.
            context = self._pledge_context(request, pledge=None, done="withdrawn")
            return _response(request, self.pledge_manage_template, context)
        if pledge is None:
            return self._invalid_link(request)
        form, status = None, 200
        if request.method == "POST":
            action = request.POST.get(ACTION_FIELD)
            done = None
            if action == "confirm":
                pledges.confirm(pledge)  # a second press just shows it
                done = "confirmed"
            elif action == "withdraw" and pledge.state not in pledges.FINAL:
                pledges.withdraw(pledge)
                done = "withdrawn"
            elif action == "save" and pledge.state in pledges.EDITABLE:
                form = CandidatePledgeForm(
                    request.POST, request.FILES, page=self, request=request, pledge=pledge
                )
                if form.is_valid():
                    site = services.site_for_request_page(request, self)
                    if pledges.save_edit(pledge, form, site):
                        done = "saved"
                else:
                    status = 400
            elif action == "save":
                status = 409  # approved, declined or withdrawn meanwhile: shown as it is
            if done == "withdrawn":
                response = HttpResponseRedirect(f"{url}?{DONE_PARAM}={done}")
                add_never_cache_headers(response)
                return response
            if done is not None:
                response = HttpResponseRedirect(f"{url}?{TOKEN_FIELD}={token}&{DONE_PARAM}={done}")
                add_never_cache_headers(response)
                return response
        if form is None and pledge.state in pledges.EDITABLE:
            form = CandidatePledgeForm(page=self, request=request, pledge=pledge)
        done = request.GET.get(DONE_PARAM) if request.method == "GET" else None
        context = self._pledge_context(
            request,
            pledge=pledge,
            token=token,
            manage_url=url,
            edit_form=form,
            commitments=self._commitment_rows(pledge),
            can_withdraw=pledge.state not in pledges.FINAL,
            done=done if done in DONE_STATES else None,
            print_url=f"{self.pledge_print_url(request)}?{TOKEN_FIELD}={token}",
            public_url=self._public_url(pledge, request),
            States=Pledge.State,
        )
        return _response(request, self.pledge_manage_template, context, status)

    @path("pledge/print/", name="print_pledge")
    def print_pledge(self, request):
        token = request.GET.get(TOKEN_FIELD)
        pledge = None
        if token is not None:
            pledge = links.pledge_for_token(self, token)
            if pledge is None:
                return self._invalid_link(request)
        context = self._pledge_context(
            request,
            pledge=pledge,
            rows=self._commitment_rows(pledge),
            blank_lines=range(3),
            # The blank pledge exists in every language; a candidate's own does not.
            page_subpath="" if pledge else self.reverse_subpage("print_pledge").lstrip("/"),
        )
        return _response(request, self.pledge_print_template, context)

    # -- helpers ------------------------------------------------------------------------

    def _invalid_link(self, request):
        """An unknown or expired link: what to do, in the page's language."""
        context = self._pledge_context(request, pledge_form_url=self.pledge_url(request))
        return _response(request, "movement/pledge_invalid_link.html", context, status=404)

    def _commitment_rows(self, pledge):
        """Every demand of this page with, for ``pledge``, whether it is committed to
        and the comment (the pledge's rows are found by translation key)."""
        committed = {}
        if pledge is not None:
            for commitment in pledge.commitments.select_related("demand"):
                committed[commitment.demand.translation_key] = commitment.comment
        return [
            {
                "demand": demand,
                "committed": demand.translation_key in committed,
                "comment": committed.get(demand.translation_key, ""),
            }
            for demand in self.demands.all()
        ]

    def _public_url(self, pledge, request):
        if not pledge.is_public:
            return ""
        if hasattr(self, "candidate_url"):
            return self.candidate_url(pledge, request)
        return self.get_url(request)
