"""Answers for when the database or the disk fails.

``DatabaseFaultMiddleware`` turns an unreachable database (``OperationalError``,
``InterfaceError``) or a read-only one (PostgreSQL's "cannot execute … in a
read-only transaction", which Django raises as ``InternalError`` or
``OperationalError``) during a form post (any method but GET/HEAD/OPTIONS) into a
translated "try again later" page with status 503 and a ``Retry-After`` header, and
logs one line. A full disk (``OSError`` ENOSPC or EDQUOT, for instance while an upload
is saved) gets status 507 and its own message. Object storage that cannot be reached
or fails (S3 with django-storages: botocore's connection and timeout errors, a 5xx
answer), for instance while an image or a document is uploaded, gets status 503 and
"the files cannot be reached" (for any method: a page whose image has no rendition
yet needs the original). Nothing is stored then: Django saves a file before the row
that refers to it. The templates need no database.

Reading a page while the database is down gives the site's own 500 page (it needs no
database either and says to try again in a few minutes), with ``Retry-After``.
Anonymous pages already in the page cache are served before any of this (the cache
sits before the session, the user and the database), so the public site stays up.

``server_error`` replaces the 500 handler: errors raised outside a view (in a
middleware, such as a session being saved) do not reach ``process_exception``, and
there it gives the same answers.
"""

import errno
import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import get_language

from home.views import server_error as site_server_error

logger = logging.getLogger("home.security.faults")

READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def _is_read_only(exc):
    cause = exc.__cause__ or exc.__context__
    if getattr(cause, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return True
    if getattr(cause, "pgcode", None) == READ_ONLY_SQLSTATE:
        return True
    text = str(exc).lower()
    return "read-only transaction" in text or "readonly database" in text


def is_database_fault(exc):
    """True for a database that cannot be reached or cannot be written to."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DatabaseError):  # InternalError and the rest: only read-only
        return _is_read_only(exc)
    return False


def is_disk_full(exc):
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def _storage_errors():
    try:
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
    except ImportError:  # object storage not installed
        return (), None
    return (ConnectionError, HTTPClientError), ClientError


STORAGE_UNREACHABLE, STORAGE_CLIENT_ERROR = _storage_errors()


def is_storage_fault(exc):
    """True for object storage that cannot be reached, times out or answers 5xx,
    also when wrapped (boto3's S3UploadFailedError keeps the ClientError as cause)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if STORAGE_UNREACHABLE and isinstance(exc, STORAGE_UNREACHABLE):
            return True
        if STORAGE_CLIENT_ERROR is not None and isinstance(exc, STORAGE_CLIENT_ERROR):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            return status >= 500
        exc = exc.__cause__ or exc.__context__
    return False


def _render(request, template_name, status):
    context = {"LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE}
    html = loader.get_template(template_name).render(context)
    response = HttpResponse(html, status=status)
    response["Retry-After"] = str(getattr(settings, "SECURITY_RETRY_AFTER_SECONDS", 60))
    response["Cache-Control"] = "no-store"
    return response


def unavailable_response(request, exc, service="Database", template="security/unavailable.html"):
    """503 "try again later" for ``service`` out of reach, with a log line."""
    logger.error(
        "%s unavailable (%s: %s) for %s %s; answered 503",
        service,
        type(exc).__name__,
        str(exc).splitlines()[0] if str(exc) else "",
        request.method,
        request.path,
    )
    return _render(request, template, 503)


def disk_full_response(request, exc):
    logger.error("Disk full (%s) for %s %s; answered 507", exc, request.method, request.path)
    return _render(request, "security/disk_full.html", 507)


SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def fault_response(request, exc):
    """The answer for ``exc`` if it is a database fault during a form post, object
    storage out of reach or a full disk, else None (the 500 handler answers)."""
    if is_database_fault(exc) and request.method not in SAFE_METHODS:
        return unavailable_response(request, exc)
    if is_storage_fault(exc):
        return unavailable_response(
            request, exc, "File storage", "security/storage_unavailable.html"
        )
    if is_disk_full(exc):
        return disk_full_response(request, exc)
    return None


class DatabaseFaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return fault_response(request, exception)


def server_error(request):
    """handler500: a fault outside a view still gets 503/507; anything else the
    site's own 500 page (with Retry-After when the database is the cause)."""
    exc = sys.exc_info()[1]
    if exc is not None:
        response = fault_response(request, exc)
        if response is not None:
            return response
    response = site_server_error(request)
    if exc is not None and is_database_fault(exc):
        response["Retry-After"] = str(getattr(settings, "SECURITY_RETRY_AFTER_SECONDS", 60))
    return response
