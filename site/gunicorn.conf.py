"""gunicorn configuration: ``gunicorn -c site/gunicorn.conf.py config.wsgi``."""

import multiprocessing
import os

# Loopback only: in production a buffering reverse proxy (nginx) stands in front and
# passes on whole requests, so slow clients never hold one of the few sync workers.
# A container that must be reached from outside sets GUNICORN_BIND=0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Request line (method, URL, query) and headers: enough for every page and search
# URL, the site's cookies and what proxies add; beyond them gunicorn answers 400
# before Django runs. Request bodies are limited by REQUEST_BODY_MAX_SIZE (413).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Load the application once, before forking: workers start in milliseconds, so a
# recycled worker leaves no gap, and they share the imported code's memory.
preload_app = True
# Recycle workers now and then to bound memory growth; the wide jitter keeps the
# workers from restarting at the same moment. 0 turns recycling off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 2
# gunicorn's control socket defaults to one path per user; several servers on one
# machine (a demo, CI, the benchmark) must not share it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# LOG_FORMAT=json (as for Django's logs): the access log and gunicorn's own messages
# are JSON lines too (home/monitoring.py, docs/deployment.md).
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    from home.monitoring import GUNICORN_ACCESS_LOG_FORMAT as access_log_format  # noqa: F401

    logger_class = "home.monitoring.GunicornJsonLogger"
errorlog = "-"
# The reverse proxy's addresses (comma-separated): only from them is X-Forwarded-Proto
# believed, and only that one scheme header (nginx sets it on every request and
# removes the others a client may send; see deploy/nginx/civic.conf).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}


def pre_fork(server, worker):
    """Workers keep their database connections between requests (CONN_MAX_AGE), so
    none may inherit one from the master: close any the preloaded app opened."""
    from django.db import connections

    connections.close_all()
