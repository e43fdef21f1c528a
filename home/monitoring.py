"""Logs and error reports: JSON log lines, gunicorn's JSON access log, Sentry.

``LOG_FORMAT=json`` (set by deploy/civic.env.example) makes every log line one JSON
object, from Django (settings.LOGGING) and from gunicorn alike
(site/gunicorn.conf.py); the default, ``text``, is for a terminal. Sentry reports
errors only when SENTRY_DSN is set (settings), without request bodies, cookies,
query strings, local variables or user details: sign-up forms hold personal data.
See docs/deployment.md ("Health and errors").

Nothing here imports Django models: settings and gunicorn's configuration load it.
"""

import datetime
import json
import logging
import re

from gunicorn.glogging import Logger as GunicornLogger
from gunicorn.glogging import SafeAtoms
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

#: The request headers an error report keeps (Cookie, Authorization, the CSRF
#: token and forwarded client addresses never leave the server).
SENTRY_HEADERS = {"host", "user-agent", "accept", "accept-language", "content-type"}


# -- log lines ---------------------------------------------------------------------------


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the
    record's extra fields (``status_code``, ``method`` and ``path`` of a request)
    and ``exc_info`` (the traceback) when there is one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        # The request object itself is left out: its text holds the query string.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)


class RequestFields(logging.Filter):
    """Adds ``method`` and ``path`` (without the query string, which can hold a
    confirmation token) of the request a record carries (django.request,
    django.security), for the JSON lines."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is not None and not hasattr(record, "path"):
            record.method = getattr(request, "method", None)
            record.path = getattr(request, "path", None)
        return True


class SkipHealthReports(logging.Filter):
    """django.request logs every answer of 500 as an error. The health endpoint's 500
    is the report it was asked for (each failing check logs why, as "health_check"),
    so it is no error of the site, nor a Sentry event; an exception in it still is."""

    def filter(self, record):
        match = getattr(getattr(record, "request", None), "resolver_match", None)
        return not (record.exc_info is None and getattr(match, "url_name", "") == "health")


# -- gunicorn --------------------------------------------------------------------------

#: gunicorn's access log as JSON (LOG_FORMAT=json): the path without its query string.
GUNICORN_ACCESS_LOG_FORMAT = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", '
    '"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": %(B)s, "duration_ms": %(M)s, "user_agent": "%(a)s"}'
)


class JsonSafeAtoms(SafeAtoms):
    """gunicorn's log atoms escaped for a JSON string (gunicorn escapes only ``"``,
    so a backslash in a path or user agent would break the line)."""

    def __init__(self, atoms):
        super().__init__({})
        for key, value in atoms.items():
            if isinstance(value, str):
                self[key] = json.dumps(value)[1:-1]
            elif value is None:
                self[key] = "null"
            else:
                self[key] = value


class GunicornJsonLogger(GunicornLogger):
    """gunicorn's logger with JSON lines: the access log (GUNICORN_ACCESS_LOG_FORMAT)
    and gunicorn's own messages (worker starts, timeouts)."""

    atoms_wrapper_class = JsonSafeAtoms

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def now(self):
        return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


# -- Sentry ----------------------------------------------------------------------------


#: Loggers whose errors are no Sentry events: django-redis logs each command it let
#: fail while Redis is down (several a request); the health endpoint reports that.
SENTRY_IGNORED_LOGGERS = {"django_redis.cache"}


def scrub_event(event, hint=None):
    """Sentry's ``before_send``: only the method, the address without its query string
    and a few harmless headers of the request; no body, cookies, user or the log
    record's request object. Events of SENTRY_IGNORED_LOGGERS are dropped."""
    if event.get("logger") in SENTRY_IGNORED_LOGGERS:
        return None
    request = event.get("request")
    if isinstance(request, dict):
        kept = {}
        if "method" in request:
            kept["method"] = request["method"]
        if isinstance(request.get("url"), str):
            kept["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            kept["headers"] = {
                name: value for name, value in headers.items() if name.lower() in SENTRY_HEADERS
            }
        event["request"] = kept
    event.pop("user", None)
    extra = event.get("extra")
    if isinstance(extra, dict):
        extra.pop("request", None)
    # Exception and log messages can quote what a visitor typed (an address in an
    # IntegrityError, a warning naming a recipient): addresses are blanked out.
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception, dict) and isinstance(exception.get("value"), str):
            exception["value"] = redact_emails(exception["value"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = redact_emails(logentry[key])
        if isinstance(logentry.get("params"), list | tuple):
            logentry["params"] = [
                redact_emails(value) if isinstance(value, str) else value
                for value in logentry["params"]
            ]
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        if isinstance(crumb, dict) and isinstance(crumb.get("message"), str):
            crumb["message"] = redact_emails(crumb["message"])
    return event


EMAIL_ADDRESS = re.compile(r"[^\s@<>()\[\]'\",;:]+@[^\s@<>()\[\]'\",;:]+\.[A-Za-z0-9-]{2,}")


def redact_emails(text):
    return EMAIL_ADDRESS.sub("[email]", text)


def init_sentry(dsn, *, environment="", release="", traces_sample_rate=0.0, **options):
    """Start reporting errors to Sentry (settings call it when SENTRY_DSN is set)."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    traces_sample_rate = float(traces_sample_rate or 0)
    if traces_sample_rate > 0:

        def traces_sampler(context):
            # Probes of /health/ every few seconds would use up the traces.
            environ = context.get("wsgi_environ") or {}
            if environ.get("PATH_INFO") == "/health/":
                return 0
            return traces_sample_rate

        options.setdefault("traces_sampler", traces_sampler)
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment or None,
        release=release or None,
        # Nothing personal is collected (send_default_pii, which sentry-sdk 2.75
        # deprecates for this, stays off): no user, cookies, bodies, query strings,
        # SQL parameters or local variables of the stack's frames.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(SENTRY_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        **options,
    )
