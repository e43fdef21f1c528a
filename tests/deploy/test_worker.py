"""The background worker sends each confirmation email once, even when it is killed.

Sign-ups are stored by the membership code's own path (``store_submission``, which
queues the email after commit) with the database task backend; a real
``manage.py db_worker`` sends them over SMTP to a sink (aiosmtpd) that counts what
it received per recipient: what a mail server got, whatever the sender thought. The
worker is SIGKILLed mid-queue, started again (twice over), and the retry command
that production runs every few minutes (``membership_send_emails``) runs alongside.

What is guaranteed (membership/tasks.py): a sender claims the sign-ups (``sending``)
before it hands the email over, and records ``sent`` after. So no email is ever
sent twice. A worker killed between handing the email over and recording it leaves
``sending``: the email may have gone out (here the sink shows it did), and it is not
sent again by itself. A worker killed before its claim leaves ``queued``, and the
retry command sends it. django-tasks-db leaves the task of a killed worker
``RUNNING``: it is never run again by itself, which is why the command matters.

Runs on whichever database the suite uses (SQLite file or PostgreSQL).
"""

import io
import time
from datetime import timedelta

import pytest
from aiosmtpd import controller as aiosmtpd_controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from membership.models import SignUp
from membership.people import UNSENT
from membership.services import store_submission
from tests.deploy.stack import Sink, Worker, free_port, production_env
from tests.membership import conftest as membership_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

join_page = membership_fixtures.join_page  # the public join form, in two languages

DB_BACKEND = "django_tasks_db.DatabaseBackend"


@pytest.fixture
def smtp_sink():
    started = []

    def start(**kwargs):
        sink = Sink(**kwargs)
        controller = aiosmtpd_controller.Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append((sink, controller))
        return sink, controller.port

    yield start
    for sink, controller in started:
        sink.release.set()
        controller.stop()


def database_url():
    """The URL of the database this test process uses (the test database), for the
    worker processes."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path):
    def make(smtp_port):
        return production_env(
            tmp_path / "var",
            database_url=database_url(),
            redis_url=django_settings.REDIS_URL or None,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp_port,
            EMAIL_USE_TLS=0,
            EMAIL_TIMEOUT=60,
            DEFAULT_FROM_EMAIL="no-reply@org-a.example",
        )

    return make


@pytest.fixture
def workers(tmp_path):
    """Start ``Worker`` objects through this; every one is stopped at the end."""
    started = []

    def start(env, name):
        worker = Worker(env, tmp_path, name=name, interval=0.1)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.kill()


def retry_command(settings, smtp_port):
    """``manage.py membership_send_emails --older-than 0`` (cron's), run in this
    process with the same SMTP server as the workers; returns what it printed."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 60
    out = io.StringIO()
    call_command("membership_send_emails", older_than=0, stdout=out)
    return out.getvalue().strip()


def queue_signups(org, page, count, settings):
    """``count`` people sign up (the code path of the public forms); each email is
    queued in the database after its commit. Returns their addresses."""
    settings.TASKS = {"default": {"BACKEND": DB_BACKEND, "QUEUES": ["default"]}}
    emails = [f"person{number:03d}@example.org" for number in range(count)]
    for email in emails:
        store_submission(
            site=org.site,
            page=page,
            language="sq",
            email=email,
            person={"given_name": "Test"},
            signups=[{"kind": SignUp.Kind.MEMBERSHIP, "consents": []}],
        )
    assert DBTaskResult.objects.filter(status="READY").count() == count
    assert set(SignUp.objects.values_list("email_status", flat=True)) == {"queued"}
    return emails


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def queue_drained():
    return not DBTaskResult.objects.filter(status="READY").exists()


def running_tasks():
    return DBTaskResult.objects.filter(status="RUNNING").count()


def statuses():
    return dict(SignUp.objects.values_list("supporter__email", "email_status"))


def test_a_worker_killed_after_handing_an_email_over_never_sends_it_twice(
    org, join_page, settings, smtp_sink, worker_env, workers
):
    """The kill lands exactly in the window nobody can see through: the mail server
    has the message, the worker has not recorded it."""
    count, held = 30, 8
    emails = queue_signups(org, join_page[0], count, settings)
    sink, port = smtp_sink(hold_at=held)
    env = worker_env(port)

    first = workers(env, "first")
    assert sink.holding.wait(60), first.log_tail()
    first.kill()  # SIGKILL while it waits for the server's answer
    sink.release.set()
    (stuck_email, _subject) = sink.received[held - 1]
    assert sink.total() == held
    assert statuses()[stuck_email] == SignUp.EmailStatus.SENDING
    assert running_tasks() == 1  # the killed worker's task: django-tasks-db never reruns it

    # Two workers now, and the retry command as cron runs it, all at once.
    workers(env, "second")
    workers(env, "third")
    wait_for(lambda: sink.total() > held + 2, 60, "the workers to send again")
    retry_command(settings, port)
    wait_for(lambda: sink.total() == count and queue_drained(), 60, "the rest of the queue")
    wait_for(lambda: running_tasks() == 1, 30, "the workers to finish their tasks")
    # The command again, once everything is quiet: it finds nothing to send.
    assert retry_command(settings, port) == "0 confirmation emails sent"

    counts = sink.counts()
    assert set(counts) == set(emails)
    assert max(counts.values()) == 1, counts.most_common(3)
    subjects = {subject for _, subject in sink.received}
    assert subjects == {"Konfirmoni adresën tuaj të emailit për Organizata A"}
    # Every sign-up is recorded "sent", except the one cut off mid-send: "sending",
    # which staff find among the emails not sent (it arrived here; it might not have).
    left = statuses()
    assert left.pop(stuck_email) == SignUp.EmailStatus.SENDING
    assert set(left.values()) == {SignUp.EmailStatus.SENT}
    # Not at once: an email being sent looks the same until SENDING_GRACE has passed.
    assert not SignUp.objects.filter(UNSENT).exists()
    SignUp.objects.filter(supporter__email=stuck_email).update(
        email_retry_at=timezone.now() - timedelta(seconds=1)
    )
    assert list(SignUp.objects.filter(UNSENT).values_list("supporter__email", flat=True)) == [
        stuck_email
    ]


def test_a_worker_killed_at_any_moment_mid_queue_sends_each_email_at_most_once(
    org, join_page, settings, smtp_sink, worker_env, workers
):
    """A kill wherever it falls (taking a task, claiming, sending, recording): after
    a restart and the retry command every email went out once, apart from at most the
    one being sent at the kill, which is left "sending" (maybe sent) and not repeated."""
    count = 40
    emails = queue_signups(org, join_page[0], count, settings)
    sink, port = smtp_sink()
    env = worker_env(port)

    first = workers(env, "first")
    wait_for(lambda: sink.total() >= 12, 60, "a dozen emails")
    first.kill()
    sent_before = sink.total()
    assert sent_before < count, "the queue was already empty at the kill"

    workers(env, "second")
    workers(env, "third")
    wait_for(queue_drained, 60, "the queue to drain")
    wait_for(lambda: running_tasks() <= 1, 30, "the workers to finish their tasks")
    # What a killed worker left "queued" (killed before its claim) is the command's.
    retry_command(settings, port)

    counts = sink.counts()
    assert max(counts.values()) == 1, counts.most_common(3)
    left = statuses()
    sending = [email for email, status in left.items() if status == SignUp.EmailStatus.SENDING]
    assert len(sending) <= 1, sending
    assert all(status in ("sent", "sending") for status in left.values()), left
    # Everything recorded as sent arrived exactly once; the maybe-sent one arrived
    # at most once; nothing else is missing.
    assert all(counts[email] == 1 for email, status in left.items() if status == "sent")
    assert set(counts) | set(sending) == set(emails)
