"""The questions page of a congress (``questions/``): the form and its POST, and the
list of approved questions the live page refreshes (``questions/live/``).

The form page is never cached. The list fragment is kept in the page cache at most
``question_flow.LIVE_LIST_MAX_AGE`` seconds (a change to a public question empties
the cache at once anyway)."""

from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from wagtail.contrib.routable_page.models import path

from membership import services

from . import question_flow
from .question_forms import QuestionForm

#: Query string parameter of the thank-you state after a question was sent.
QUESTION_THANKS_PARAM = "sent"


class QuestionPageMixin(models.Model):
    class Meta:
        abstract = True

    def question_sessions(self):
        return [
            {
                "id": block.id,
                "title": block.value["title"],
                "start_time": block.value["start_time"],
            }
            for block in self.agenda.blocks_by_name("session")
        ]

    @path("questions/", name="questions")
    def questions_page(self, request):
        """The form to send a question or comment, its POST, and its thank-you state."""
        if not question_flow.questions_enabled(self):
            raise Http404
        now = timezone.now()
        url, _live_url = question_flow.question_urls(self, request)
        is_open = question_flow.questions_open(self, now)
        sessions = self.question_sessions()
        form, status = None, 200
        if request.method == "POST" and not is_open:
            status = 403  # nothing is stored; the page says the congress has ended
        elif request.method == "POST":
            form = QuestionForm(request.POST, page=self, request=request, sessions=sessions)
            limited = services.rate_limited_response(request, self, form=form)
            if limited is not None:
                return limited
            response = services.handle_submission(
                request,
                self,
                form,
                QUESTION_THANKS_PARAM,
                url=url,
                store=lambda site: question_flow.store_question(self, form.question_fields()),
            )
            if response is not None:
                return response
            status = 400
        context = {
            "page": self,
            "self": self,
            "request": request,
            "question_form": form or QuestionForm(page=self, request=request, sessions=sessions),
            "questions_url": url,
            "questions_open": is_open,
            "question_thanks": request.GET.get(QUESTION_THANKS_PARAM) == "1",
            "page_subpath": self.reverse_subpage("questions").lstrip("/"),
        }
        response = TemplateResponse(request, "congress/questions.html", context, status=status)
        add_never_cache_headers(response)
        return response

    @path("questions/live/", name="questions_live")
    def questions_live(self, request):
        """The approved questions as an HTML fragment, for the live page's refresh."""
        if not question_flow.questions_enabled(self):
            raise Http404
        context = question_flow.live_list_context(self, request, timezone.now())
        response = TemplateResponse(request, "congress/includes/question_list.html", context)
        response.page_cacheable = True
        patch_cache_control(response, max_age=question_flow.LIVE_LIST_MAX_AGE, public=True)
        return response
