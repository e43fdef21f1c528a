"""Moderation of questions and comments in the admin.

Event staff of an organisation (and superusers) see the congresses of their own
site, and per congress its questions, waiting ones first; they approve, reject,
answer, change the answer or take it back, each by a POST. Every view checks the
object itself: a question or congress of another organisation's site is not found,
whatever the URL.

URL names: ``congress_questions`` (the congresses), ``congress_questions_page``
(``page_id``: one congress's questions), ``congress_question_action`` (``pk``,
``action`` one of ``ACTIONS``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from membership.services import canonical_page_id

from . import question_flow
from .models import CongressPage
from .permissions import staff_congresses
from .questions import Question

ACTIONS = ("approve", "reject", "answer", "unanswer")


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the answer first.")},
    )


def can_moderate_any(user):
    return user.is_active and (user.is_superuser or user.has_perm("congress.change_question"))


def moderated_congresses(user):
    """The first versions of the congress pages whose questions ``user`` moderates
    (``congress.permissions.staff_congresses``: superusers every one, event staff
    those of their own site), those that take questions or have some."""
    return staff_congresses(user, "change_question").filter(
        Q(questions_enabled=True) | Q(pk__in=Question.objects.values("congress_id"))
    )


def _check_user(user):
    if not can_moderate_any(user):
        raise PermissionDenied


def _congress_or_404(user, page_id):
    page = get_object_or_404(CongressPage, pk=page_id)
    page = CongressPage.objects.get(pk=canonical_page_id(page))
    if not moderated_congresses(user).filter(pk=page.pk).exists():
        raise Http404
    return page


def _question_or_404(user, pk):
    question = get_object_or_404(Question.objects.select_related("congress"), pk=pk)
    if not staff_congresses(user, "change_question").filter(pk=question.congress_id).exists():
        raise Http404
    return question


def questions_index(request):
    _check_user(request.user)
    congresses = (
        moderated_congresses(request.user)
        .annotate(
            pending=Count("questions", filter=Q(questions__status=Question.Status.PENDING)),
            approved=Count("questions", filter=Q(questions__status=Question.Status.APPROVED)),
        )
        .order_by("-start_at")
    )
    return TemplateResponse(
        request, "congress/admin/questions_index.html", {"congresses": congresses}
    )


def congress_questions(request, page_id):
    _check_user(request.user)
    page = _congress_or_404(request.user, page_id)
    status = request.GET.get("status", "")
    questions = Question.objects.filter(congress=page).select_related("moderated_by", "answered_by")
    if status in Question.Status.values:
        questions = questions.filter(status=status)
    order = Case(
        When(status=Question.Status.PENDING, then=Value(0)),
        When(status=Question.Status.APPROVED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    questions = list(questions.order_by(order, "-created_at", "-pk"))
    titles = question_flow.session_titles(page)
    for question in questions:
        question.session_title = titles.get(question.session, (None, ""))[1]
    return TemplateResponse(
        request,
        "congress/admin/questions.html",
        {
            "page": page,
            "questions": questions,
            "status": status,
            "statuses": Question.Status.choices,
            "answer_form": AnswerForm(),
            "pending_count": sum(q.status == Question.Status.PENDING for q in questions),
        },
    )


@require_POST
def question_action(request, pk, action):
    _check_user(request.user)
    if action not in ACTIONS:
        raise Http404
    question = _question_or_404(request.user, pk)
    back = reverse("congress_questions_page", args=[question.congress_id])
    user = request.user
    if action == "approve":
        question_flow.approve(question, user)
        messages.success(request, _("The question is public now."))
    elif action == "reject":
        question_flow.reject(question, user)
        messages.success(request, _("The question will not be published."))
    elif action == "answer":
        form = AnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["answer"]))
            return redirect(f"{back}#question-{question.pk}")
        question_flow.answer(question, form.cleaned_data["answer"], user)
        messages.success(request, _("The answer is saved and public."))
    elif action == "unanswer":
        question_flow.unanswer(question, user)
        messages.success(request, _("The answer was taken back."))
    return redirect(f"{back}#question-{question.pk}")


def admin_urls():
    return [
        path("congress-questions/", questions_index, name="congress_questions"),
        path(
            "congress-questions/<int:page_id>/",
            congress_questions,
            name="congress_questions_page",
        ),
        path(
            "congress-questions/question/<int:pk>/<str:action>/",
            question_action,
            name="congress_question_action",
        ),
    ]


class QuestionsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_moderate_any(request.user) and moderated_congresses(request.user).exists()


def menu_item():
    return QuestionsMenuItem(
        _("Questions"), reverse("congress_questions"), icon_name="help", order=260
    )
