"""The health endpoint, /health/ (django-health-check), for the proxy and monitoring.

It checks the database, each cache ("default" and "pages"), each file storage but the
static files' ("default" for media, "private" for exports: a small file written, read
and deleted, on local disk or object storage alike) and, with the database task
backend, how long the oldest task due on each queue has been waiting for a worker.
Every check passes: 200; any fails: 500, and the report says which (HTML, or JSON
with ``Accept: application/json`` or ``?format=json``).

What a failing check reports is a short reason, never an exception's text (which can
name hosts, users or databases); the details go to the log (logger "health_check").
The endpoint is outside the language prefix, never kept by the page cache (it is no
page, and django-health-check says ``no-cache``), exempt from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT) and sets no cookie; see docs/deployment.md.
"""

import dataclasses
import datetime

import health_check
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, F, Min, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Database(health_check.Database):
    """django-health-check's ``SELECT 1``, reported without the driver's message."""

    def run(self):
        try:
            super().run()
        except ServiceUnavailable as exc:
            raise ServiceUnavailable("The database did not answer (details in the log)") from exc


@dataclasses.dataclass
class Cache(health_check.Cache):
    """django-health-check's write and read of a value. django-redis, told to ignore
    a Redis that is down (IGNORE_EXCEPTIONS), answers "nothing there" instead."""

    async def run(self):
        try:
            await super().run()
        except ServiceUnavailable as exc:
            raise ServiceUnavailable("The cache did not keep a value (details in the log)") from exc


@dataclasses.dataclass
class Storage(health_check.Storage):
    """django-health-check's write, read and delete of a small file, with any error
    of the storage (a disk, an S3 service that does not answer) reported as the
    storage's failure rather than an unexpected error of the check."""

    def run(self):
        try:
            super().run()
        except ServiceUnavailable:
            raise
        except Exception as exc:
            raise ServiceUnavailable("The storage could not be used (details in the log)") from exc


@dataclasses.dataclass
class TaskQueue(health_check.HealthCheck):
    """The oldest task that is due on ``queue`` has waited no longer than
    HEALTH_TASK_QUEUE_MAX_AGE seconds (``max_age``), so a worker takes that queue's
    tasks. A task deferred to later (a retried email) counts from when it is due.
    Always passes when tasks run at once (the immediate backend): nothing waits."""

    queue: str = "default"
    backend: str = dataclasses.field(default="default", repr=False)
    max_age: datetime.timedelta | None = dataclasses.field(default=None, repr=False)

    async def run(self):
        backend = task_backends[self.backend]
        if not isinstance(backend, DatabaseBackend):
            return
        limit = self.max_age or datetime.timedelta(seconds=settings.HEALTH_TASK_QUEUE_MAX_AGE)
        due_at = Case(
            When(run_after=get_date_max(), then=F("enqueued_at")),
            default=Greatest("enqueued_at", "run_after"),
        )
        waiting = DBTaskResult.objects.ready().filter(
            queue_name=self.queue, backend_name=backend.alias
        )
        try:
            oldest = (await waiting.aaggregate(oldest=Min(due_at)))["oldest"]
        except DatabaseError as exc:
            raise ServiceUnavailable("The task queue could not be read") from exc
        if oldest is None:
            return
        waited = timezone.now() - oldest
        if waited > limit:
            raise ServiceUnavailable(
                f"The oldest task due has waited {waited.total_seconds():.0f} s "
                f"(at most {limit.total_seconds():.0f} s): is the worker of queue "
                f"{self.queue!r} running?"
            )


def configured_checks():
    """The checks of this deployment, from its settings."""
    yield Database()
    for alias, cache in settings.CACHES.items():
        # CACHE_BACKEND=dummy keeps nothing on purpose (cold-render measurements).
        if not cache["BACKEND"].endswith("DummyCache"):
            yield Cache(alias=alias)
    for alias in settings.STORAGES:
        # Static files are collected at deployment and never written by the site.
        if alias != "staticfiles":
            yield Storage(alias=alias)
    for alias, backend in settings.TASKS.items():
        for queue in backend.get("QUEUES", ["default"]):
            yield TaskQueue(queue=queue, backend=alias)


class HealthView(HealthCheckView):
    """django-health-check's view with the checks of ``configured_checks``."""

    def get_checks(self):
        yield from configured_checks()
