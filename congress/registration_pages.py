"""The registration page of a congress (``register/``): the form, its POST and the
emails' links (confirm, cancel, apply changes). Never cached."""

from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from wagtail.contrib.routable_page.models import path
from wagtail.models import Site

from home.dates import format_moment
from membership import services
from membership.constants import SIGNUP_PATHS, SignUpKind
from membership.records import LinkToken
from membership.tokens import InvalidLink, mark_used, read_link

from . import registration_flow
from .registration_emails import CHANGE_PARAM
from .registration_forms import RegistrationForm
from .registrations import Registration

#: Query string parameter of the thank-you state after registering.
THANKS_PARAM = "registered"
#: The action of the form that applies changes (the "change" email's link).
CHANGE_ACTION = "registration-change"
#: The state after the changes were applied (POST/redirect/GET).
CHANGED_PARAM = "changed"


class RegistrationPageMixin(models.Model):
    class Meta:
        abstract = True

    register_template = "congress/register.html"

    def register_url(self, request=None):
        return registration_flow.register_url(self, request)

    @path(SIGNUP_PATHS[SignUpKind.REGISTRATION], name="register")
    def register(self, request):
        """The form to register, its POST, and the links of the emails (which keep
        working once registration has closed: cancelling stays possible)."""
        url = self.register_url(request)
        state = registration_flow.registration_state(self, timezone.now())
        form, confirmation, change, status = None, None, None, 200
        if services.is_link_request(request):
            result = services.handle_link(request, self, url=url)
            if not isinstance(result, dict):
                return result
            confirmation, status = result, result["http_status"]
        elif (
            CHANGE_PARAM in request.GET
            or CHANGED_PARAM in request.GET
            or request.POST.get("membership-action") == CHANGE_ACTION
        ):
            change = self._change(request, url)
            if not isinstance(change, dict):
                return change
            status = change["http_status"]
        elif state == registration_flow.REGISTRATION_OFF and request.GET.get(THANKS_PARAM) != "1":
            status = 404
        elif request.method == "POST" and state != registration_flow.REGISTRATION_OPEN:
            # Nothing is stored; the page says why.
            status = 403
        elif request.method == "POST":
            form = RegistrationForm(request.POST, page=self, request=request)
            limited = services.rate_limited_response(request, self, form=form)
            if limited is not None:
                return limited

            def store(site):
                data = form.cleaned_data
                services.store_submission(
                    site=site,
                    page=self,
                    language=data["email_language"],
                    email=data["email"],
                    person=form.person(),
                    signups=form.signups(),
                )

            response = services.handle_submission(
                request, self, form, THANKS_PARAM, url=url, store=store
            )
            if response is not None:
                return response
            status = 400
        context = {
            "page": self,
            "self": self,
            "request": request,
            "registration_form": form
            or (RegistrationForm(page=self, request=request) if state == "open" else None),
            "register_url": url,
            "page_subpath": self.reverse_subpage("register").lstrip("/"),
            "registration_state": state,
            "registration_closes_text": format_moment(
                registration_flow.registration_closes(registration_flow.canonical_congress(self))
            ),
            "registration_thanks": request.GET.get(THANKS_PARAM) == "1",
            "confirmation": confirmation,
            "change": change,
        }
        response = TemplateResponse(request, self.register_template, context, status=status)
        add_never_cache_headers(response)
        return response

    def _change(self, request, url):
        """The "change" email's link: GET shows the changes and a button; its POST
        applies them (a scanner that opens links changes nothing)."""
        site = Site.find_for_request(request)
        posted = request.method == "POST"
        if not posted and CHANGED_PARAM in request.GET:
            return {"status": "done", "http_status": 200}
        token = request.POST.get("membership-token", "") if posted else request.GET[CHANGE_PARAM]
        try:
            link = read_link(token, site, [LinkToken.Purpose.CONFIRM])
        except InvalidLink:
            link = None
        registration = None
        if link is not None and link.signup_ids:
            registration = (
                Registration.objects.filter(
                    signup_id__in=link.signup_ids,
                    signup__supporter=link.supporter,
                    congress__translation_key=self.translation_key,
                )
                .select_related("signup")
                .first()
            )
        proposed = link.details.get(str(registration.signup_id)) if registration else None
        if (
            registration is None
            or link.used
            or not proposed
            or registration.proposed != proposed
            or registration.status not in (Registration.Status.PLACE, Registration.Status.WAITLIST)
        ):
            return {"status": "invalid", "http_status": 400 if posted else 200}
        if posted:
            if registration_flow.apply_change(registration, proposed):
                mark_used(link)
            response = HttpResponseRedirect(f"{url}?{CHANGED_PARAM}=1")
            add_never_cache_headers(response)
            return response
        labels = []
        for name, value in proposed.items():
            if name == "mode":
                value = Registration.Mode(value).label
            labels.append((Registration._meta.get_field(name).verbose_name, value))
        return {"status": "ask", "token": token, "changes": labels, "http_status": 200}
