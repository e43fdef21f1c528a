"""Questions and comments: sending, moderating, answering.

A question belongs to the congress page's first version (``Question.congress``) and
to one session of its agenda (the session block's id, the same in every language)
or to the congress as a whole. Nothing is public until event staff approve it; the
congress page (kept in the page cache; a change to a public question empties it,
see ``home/invalidation.py``) shows the approved ones newest first and grouped by
session, each with its answer, and the answered ones again with the outcomes."""

from datetime import timedelta

from django.utils import timezone

from home.cache import limit_page_cache
from membership.services import canonical_page_id

from . import timing
from .questions import Question
from .registration_flow import canonical_congress

#: While the congress is live the list fragment (``questions/live/``) is kept in the
#: page cache at most this long; the page's script asks for it every
#: ``LIVE_REFRESH_SECONDS``.
LIVE_LIST_MAX_AGE = 15
LIVE_REFRESH_SECONDS = 20


def questions_open(page, now):
    """Questions are taken before and during the congress, when event staff turned
    them on (on the congress's first version, for every translation)."""
    return questions_enabled(page) and page.state_at(now) != timing.AFTER


def questions_enabled(page):
    """Whether event staff turned questions on, as the first version says."""
    return bool(canonical_congress(page).questions_enabled)


def session_titles(page):
    """{session block id: (start time, title)} of the agenda in the page's language."""
    return {
        block.id: (block.value["start_time"], block.value["title"])
        for block in page.agenda.blocks_by_name("session")
    }


def approved_questions(page):
    """The approved questions of the congress (every language), newest first, each
    with ``session_title`` and ``session_start`` in the page's language ("" for the
    congress as a whole or a session since removed from the agenda)."""
    titles = session_titles(page)
    rows = list(
        Question.objects.filter(
            congress__translation_key=page.translation_key, status=Question.Status.APPROVED
        ).order_by("-created_at", "-pk")
    )
    for question in rows:
        start, title = titles.get(question.session, (None, ""))
        question.session_title = title
        question.session_start = start
    return rows


def group_by_session(page, questions):
    """[{"id", "title", "start_time", "questions"}] in the agenda's order, the
    congress as a whole (and removed sessions) first; empty groups left out."""
    groups = {"": {"id": "", "title": "", "start_time": None, "questions": []}}
    for block in page.agenda.blocks_by_name("session"):
        groups[block.id] = {
            "id": block.id,
            "title": block.value["title"],
            "start_time": block.value["start_time"],
            "questions": [],
        }
    for question in questions:
        groups.get(question.session, groups[""])["questions"].append(question)
    return [group for group in groups.values() if group["questions"]]


def question_urls(page, request=None):
    base = page.get_url(request) or ""
    if not base:
        return "", ""
    return (
        base + page.reverse_subpage("questions").lstrip("/"),
        base + page.reverse_subpage("questions_live").lstrip("/"),
    )


def question_context(page, request, now):
    """Approved questions (newest first and by session) and answered ones for the
    outcomes."""
    if not page.pk or not questions_enabled(page):
        # Questions turned off: none shown, and no query for them.
        return {}
    state = page.state_at(now)
    questions = approved_questions(page)
    is_open = questions_open(page, now)
    if not questions and not is_open:
        return {"questions": [], "answered_questions": []}
    form_url, live_url = question_urls(page, request)
    return {
        "questions": questions,
        "questions_by_session": group_by_session(page, questions),
        "answered_questions": [q for q in questions if q.is_answered]
        if state != timing.BEFORE
        else [],
        "questions_open": is_open,
        "questions_url": form_url,
        "questions_live_url": live_url if state == timing.LIVE else "",
        "questions_refresh_seconds": LIVE_REFRESH_SECONDS,
    }


def live_list_context(page, request, now):
    """What the refreshed list (``questions/live/``) shows."""
    limit_page_cache(request, LIVE_LIST_MAX_AGE)
    questions = approved_questions(page)
    return {"page": page, "questions": questions, "state": page.state_at(now)}


# -- storing and moderating ----------------------------------------------------------


def store_question(page, fields):
    """A pending question of ``page``'s congress in the page's language."""
    return Question.objects.create(
        congress_id=canonical_page_id(page),
        language=page.locale.language_code,
        status=Question.Status.PENDING,
        **fields,
    )


def approve(question, user):
    question.status = Question.Status.APPROVED
    question.moderated_at = timezone.now()
    question.moderated_by = user
    question.save()


def reject(question, user):
    """Not published (and no longer public if it was); its answer goes with it."""
    question.status = Question.Status.REJECTED
    question.moderated_at = timezone.now()
    question.moderated_by = user
    question.save()


def answer(question, text, user):
    """Record (or change) the answer; an answered question is public."""
    now = timezone.now()
    question.answer = text
    question.answered_at = question.answered_at or now
    question.answered_by = user
    if question.status != Question.Status.APPROVED:
        question.status = Question.Status.APPROVED
        question.moderated_at = now
        question.moderated_by = user
    question.save()


def unanswer(question, user):
    question.answer = ""
    question.answered_at = None
    question.answered_by = None
    question.save()


def purge_rejected(now=None, days=30):
    """Delete questions rejected more than ``days`` ago; the number deleted."""
    now = now or timezone.now()
    old = Question.objects.filter(
        status=Question.Status.REJECTED, moderated_at__lt=now - timedelta(days=days)
    )
    return old.delete()[0]
