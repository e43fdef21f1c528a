"""``make bench``: load-test the production setup of the site and print figures.

Starts the site the way production does (gunicorn with ``site/gunicorn.conf.py``,
2 workers, DEBUG off, a SECRET_KEY made for the run, whitenoise over freshly
collected static files, demo content in a fresh database) on a free loopback port,
and drives it from a second process with ``wrk``. See docs/performance.md.

Environment (all optional):
  BENCH_DURATION=5      seconds of measurement per target (at most 30 with the warm-up)
  BENCH_WARMUP=1        seconds of warm-up per target, not measured
  BENCH_CONNECTIONS=4   wrk connections;  BENCH_THREADS=1  wrk threads
  BENCH_WORKERS=2       gunicorn workers (WEB_CONCURRENCY)
  BENCH_COLD=1          also a truly cold pass: no cache at all (CACHE_BACKEND=dummy)
  BENCH_LIVE=1          also the live congress scenario (outcomes published under load)
  BENCH_LIVE_SECONDS=15 seconds of each half of the live congress scenario
  BENCH_ONLY=home,news  only the targets whose key contains one of these words
  BENCH_JSON=var/bench/latest.json   where the JSON report goes
  BENCH_SEARCH_QUERY=Kosova          the search target's query
  BENCH_KEEP=1          keep the temporary folder (database, logs) for a look afterwards
  BENCH_EXPORT_SIZES=50000,1000000  the People area at these numbers of generated
                        people (last, after the other passes): the People page and its
                        search, the CSV streamed, the XLSX task; "0" leaves it out
  BENCH_EXPORT_XLSX_MAX=50000  the largest of those sizes whose XLSX is built too (the
                        XLSX of a million people takes about ten minutes here)
  BENCH_SCALE=1         also the scale-out pass: nginx (the shipped site file) in front
                        of one, then two app servers of BENCH_WORKERS workers each, on
                        this one machine ("0" leaves it out; BENCH_ONLY=scale runs it
                        with no other target)
  DATABASE_URL=postgres://...  run on PostgreSQL: a fresh database BENCH_PG_DATABASE
                        (civic_bench) is created on that server and dropped afterwards
  REDIS_URL=redis://127.0.0.1:6379/6  share the cache in Redis (keys under a prefix
                        made for the run, removed afterwards)
"""

import contextlib
import datetime
import gzip
import http.client
import json
import os
import platform
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.load import benchlib as bl  # noqa: E402

LOOPBACK = "127.0.0.1"
DEMO_HOSTS = ["voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost"]
MAX_TARGET_SECONDS = 30
KB = bl.KB
FONT_BUDGET = bl.FONT_BUDGET
LIVE_PUBLISH_EVERY = 3  # seconds between two outcome publishes in the live scenario
LIVE_POLL_EVERY = 0.5  # seconds between two polls of the watched pages
EXPORT_HOST = "myvotecounts.localhost"  # the demo organisation with a statement to sign
EXPORT_PAGE_BUDGET_MS = 300  # the People page and its search, at any size
EXPORT_FLAT_MIB = 32  # "flat": the largest export needs at most this much more memory


class BenchError(Exception):
    """A failure that ends the run with a message (and exit code 1)."""


def log(message=""):
    print(message, flush=True)


def env_number(name, default, low, high, kind=float):
    raw = os.environ.get(name, "")
    try:
        value = kind(float(raw)) if raw.strip() else default
    except ValueError as error:
        raise BenchError(f"{name}={raw!r} is not a number") from error
    return max(low, min(high, value))


class Config:
    def __init__(self):
        # wrk takes whole seconds
        self.duration = env_number("BENCH_DURATION", 5, 1, MAX_TARGET_SECONDS, int)
        self.warmup = env_number("BENCH_WARMUP", 1, 0, 10, int)
        self.warmup = max(0, min(self.warmup, MAX_TARGET_SECONDS - self.duration))
        self.threads = env_number("BENCH_THREADS", 1, 1, 8, int)
        self.connections = max(self.threads, env_number("BENCH_CONNECTIONS", 4, 1, 256, int))
        self.workers = env_number("BENCH_WORKERS", 2, 1, 16, int)
        self.cold = os.environ.get("BENCH_COLD", "1").strip().lower() not in {"0", "no", "off"}
        self.live = os.environ.get("BENCH_LIVE", "1").strip().lower() not in {"0", "no", "off"}
        self.scale = os.environ.get("BENCH_SCALE", "1").strip().lower() not in {"0", "no", "off"}
        self.live_seconds = env_number("BENCH_LIVE_SECONDS", 15, 3, 60, int)
        self.only = [w.strip() for w in os.environ.get("BENCH_ONLY", "").split(",") if w.strip()]
        self.json_path = Path(os.environ.get("BENCH_JSON") or REPO / "var/bench/latest.json")
        self.keep = os.environ.get("BENCH_KEEP", "").strip().lower() in {"1", "yes", "true"}
        sizes = os.environ.get("BENCH_EXPORT_SIZES", "50000,1000000")
        try:
            self.export_sizes = sorted({int(x) for x in sizes.split(",") if x.strip()} - {0})
        except ValueError as error:
            raise BenchError(f"BENCH_EXPORT_SIZES={sizes!r}: numbers of people") from error
        self.export_xlsx_max = env_number("BENCH_EXPORT_XLSX_MAX", 50_000, 0, 10**8, int)
        self.viewport = env_number("BENCH_VIEWPORT", 360, 200, 2000, int)
        # seconds between showing a form and sending it (forms ignore faster ones)
        self.form_wait = env_number(
            "BENCH_FORM_WAIT", env_number("MEMBERSHIP_MIN_FORM_SECONDS", 3, 0, 60) + 1, 0, 60
        )
        self.max_requests = os.environ.get("BENCH_MAX_REQUESTS", "").strip()
        self.pg_database = os.environ.get("BENCH_PG_DATABASE", "civic_bench")
        self.database_url = os.environ.get("DATABASE_URL", "").strip()
        self.redis_url = os.environ.get("REDIS_URL", "").strip()

    def wanted(self, key):
        return key == "trivial" or not self.only or any(word in key for word in self.only)

    def as_dict(self):
        return {
            "duration_s": self.duration,
            "warmup_s": self.warmup,
            "threads": self.threads,
            "connections": self.connections,
            "workers": self.workers,
            "cold_pass": self.cold,
            "live_congress": self.live,
            "live_seconds": self.live_seconds,
            "scale_pass": self.scale,
            "only": self.only,
            "viewport_px": self.viewport,
            "form_wait_s": self.form_wait,
            "gunicorn_max_requests_override": self.max_requests or None,
            "export_sizes": self.export_sizes,
            "export_xlsx_max": self.export_xlsx_max,
        }


# --- the machine -------------------------------------------------------------------


def machine_info():
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = {"python": platform.python_version()}
    for module in ("django", "wagtail", "gunicorn", "whitenoise"):
        with contextlib.suppress(Exception):
            versions[module] = __import__(module).__version__
    wrk = shutil.which("wrk")
    if wrk:
        with contextlib.suppress(Exception):
            out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=5)
            versions["wrk"] = (out.stdout or out.stderr).split()[1]
    return {
        "nproc": cores,
        "cpu_model": cpu,
        "memory_gib": memory,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "versions": versions,
    }


# --- HTTP on loopback ----------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name lower-case, value)
        self.body = body  # as sent on the wire (still compressed)

    def header(self, name, default=None):
        for key, value in self.headers:
            if key == name.lower():
                return value
        return default

    def cookies(self):
        jar = {}
        for key, value in self.headers:
            if key == "set-cookie":
                name, _, rest = value.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]
        return jar

    def text(self):
        encoding = (self.header("content-encoding") or "").lower()
        body = self.body
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # only if the server sent brotli, which needs it installed

            body = brotli.decompress(body)
        return body.decode("utf-8", "replace")


def fetch(port, host, path, method="GET", headers=None, body=None, timeout=30):
    """One request to the server under test: always 127.0.0.1, ``host`` as Host."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        all_headers = {"Host": host, "User-Agent": "civic-bench"}
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        headers_list = [(k.lower(), v) for k, v in response.getheaders()]
        return Response(response.status, headers_list, payload)
    finally:
        connection.close()


def gunicorn_settings():
    """What site/gunicorn.conf.py sets in this environment (for the report)."""
    names = ("threads", "timeout", "keepalive", "max_requests", "max_requests_jitter")
    with contextlib.suppress(Exception):
        values = runpy.run_path(str(REPO / "site/gunicorn.conf.py"))
        return {name: values.get(name) for name in names}
    return {}


def gunicorn_has_setting(name):
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return False
    return any(setting.name == name for setting in KNOWN_SETTINGS)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# --- the bench -----------------------------------------------------------------------


class Bench:
    def __init__(self, config):
        self.config = config
        self.run_id = secrets.token_hex(3)
        self.tmp = Path(tempfile.mkdtemp(prefix="civic-bench-"))
        self.server = None
        self.server_log = None
        self.port = None
        self.wrk = []  # wrk processes running
        self.publisher = None
        self.publisher_log = None
        self.pg_admin_url = None
        self.redis_prefix = f"civic-bench-{self.run_id}"
        self.notes = []
        self.env = None
        self.report = {"run_id": self.run_id}

    # environment and database ----------------------------------------------------------

    def base_env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "BENCH_"))
            and key not in {"DATABASE_URL", "REDIS_URL"}
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.load.settings",
                "DJANGO_DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": f"{LOOPBACK},localhost,.localhost",
                "WAGTAILADMIN_BASE_URL": f"http://{LOOPBACK}",
                # plain HTTP on loopback: no redirect to HTTPS, cookies without Secure
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "SECURE_HSTS_SECONDS": "0",
                "VAR_DIR": str(self.tmp),
                "STATIC_ROOT": str(self.tmp / "static"),
                "MEDIA_ROOT": str(self.tmp / "media"),
                "CACHE_KEY_PREFIX": self.redis_prefix,
                # The bench stands where a reverse proxy would: every sign-up comes
                # with its own client address in X-Forwarded-For, so the per-address
                # rate limit of the forms counts visitors, not the load generator.
                "MEMBERSHIP_TRUSTED_PROXIES": "1",
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])
                ),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.config.redis_url:
            env["REDIS_URL"] = self.config.redis_url
        if self.config.max_requests:
            env["GUNICORN_MAX_REQUESTS"] = self.config.max_requests
        return env

    def prepare_database(self, env):
        url = self.config.database_url
        if not url:
            return "sqlite (temporary file)"
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme.startswith("sqlite"):
            self.notes.append("DATABASE_URL is SQLite: the run uses a fresh temporary SQLite file")
            return "sqlite (temporary file)"
        if not parsed.scheme.startswith(("postgres", "postgis")):
            raise BenchError(f"DATABASE_URL scheme {parsed.scheme!r}: only PostgreSQL or SQLite")
        import psycopg
        from psycopg import sql

        name = self.config.pg_database
        given_db = parsed.path.lstrip("/") or "postgres"
        admin_db = "postgres" if given_db == name else given_db
        self.pg_admin_url = urllib.parse.urlunsplit(parsed._replace(path=f"/{admin_db}"))
        scheme = "postgresql" if parsed.scheme in {"postgres", "postgresql"} else parsed.scheme
        admin_conninfo = urllib.parse.urlunsplit(
            parsed._replace(scheme=scheme, path=f"/{admin_db}")
        )
        self.pg_admin_url = admin_conninfo
        with psycopg.connect(admin_conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            version = connection.execute("SHOW server_version").fetchone()[0]
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))
        return f"postgresql {version} (fresh database {name})"

    def drop_database(self):
        if not self.pg_admin_url:
            return
        import psycopg
        from psycopg import sql

        with contextlib.suppress(Exception):
            with psycopg.connect(self.pg_admin_url, autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(self.config.pg_database)
                    )
                )
        self.pg_admin_url = None

    def clear_redis(self):
        if not self.config.redis_url:
            return
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(self.config.redis_url)
            keys = list(client.scan_iter(match=f"{self.redis_prefix}:*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])

    def manage(self, *args, title):
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
            raise BenchError(f"{title} failed:\n{tail}")
        log(f"  {title}: {time.monotonic() - started:.1f} s")
        return result.stdout

    def probe(self, *args, env=None):
        result = subprocess.run(
            [sys.executable, str(REPO / "tests/load/probe.py"), *args],
            cwd=REPO,
            env=env or self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
            raise BenchError(f"probe {args[0]} failed:\n{tail}")
        return result.stdout

    # the server --------------------------------------------------------------------------

    def start_server(self, label, extra_env=None, without=()):
        self.port = free_port()
        env = {key: value for key, value in self.env.items() if key not in without}
        env.update(extra_env or {})
        env["GUNICORN_BIND"] = f"{LOOPBACK}:{self.port}"
        env["WEB_CONCURRENCY"] = str(self.config.workers)
        assert env["GUNICORN_BIND"].startswith(f"{LOOPBACK}:")
        self.server_log = self.tmp / f"gunicorn-{label}.log"
        command = [sys.executable, "-m", "gunicorn", "-c", "site/gunicorn.conf.py"]
        if gunicorn_has_setting("control_socket"):
            # gunicorn >= 24 opens a control socket at a fixed path in ~/.gunicorn;
            # a run of its own keeps it away from any other gunicorn on the machine
            command += ["--control-socket", str(self.tmp / f"gunicorn-{label}.ctl")]
        command.append("config.wsgi")
        with open(self.server_log, "wb") as output:
            self.server = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"gunicorn exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if fetch(self.port, LOOPBACK, "/__bench/trivial/", timeout=5).status == 200:
                    # every worker must have booted before the first measurement
                    time.sleep(1.0)
                    return
            time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        with contextlib.suppress(OSError):
            text = self.server_log.read_text(errors="replace")
            interesting = [line for line in text.splitlines() if '"GET ' not in line]
            return "\n".join(interesting[-lines:])
        return ""

    def stop_server(self):
        server, self.server = self.server, None
        if server is None:
            return
        pgid = server.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        # the workers too, whatever happened to the master
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=5)

    def log_mark(self):
        with contextlib.suppress(OSError):
            return self.server_log.stat().st_size
        return 0

    def restarts_since(self, mark):
        """Workers that reached max_requests and restarted since ``mark``."""
        with contextlib.suppress(OSError), open(self.server_log, "rb") as handle:
            handle.seek(mark)
            return handle.read().count(b"Autorestarting worker")
        return 0

    def server_errors(self):
        """Worker timeouts, tracebacks and restarts in the server log."""
        with contextlib.suppress(OSError):
            text = self.server_log.read_text(errors="replace")
            return {
                "tracebacks": text.count("Traceback (most recent call last)"),
                "worker_timeouts": text.count("WORKER TIMEOUT"),
                "worker_boots": text.count("Booting worker"),
                "status_5xx": sum(
                    1 for line in text.splitlines() if '" 50' in line and "HTTP/1" in line
                ),
            }
        return {}

    # wrk ---------------------------------------------------------------------------------

    def run_wrk(self, host, path, seconds, script, headers=None):
        return self.finish_wrk(self.start_wrk(host, path, seconds, script, headers))

    def start_wrk(self, host, path, seconds, script, headers=None, connections=None, threads=None):
        script_path = self.tmp / f"wrk-{secrets.token_hex(4)}.lua"
        script_path.write_text(script)
        connections = connections or self.config.connections
        command = [
            "wrk",
            "-t",
            str(min(threads or self.config.threads, connections)),
            "-c",
            str(connections),
            "-d",
            f"{int(seconds)}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script_path),
            "-H",
            f"Host: {host}",
            "-H",
            "Accept-Encoding: gzip, br",
        ]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://{LOOPBACK}:{self.port}{path}")
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.wrk.append(process)
        return process, seconds

    def wrk_output(self, handle):
        """What a wrk started by ``start_wrk`` printed, once it is done."""
        process, seconds = handle
        try:
            output, _ = process.communicate(timeout=seconds + 30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            self.wrk.remove(process)
        return output

    def finish_wrk(self, handle):
        output = self.wrk_output(handle)
        summary = bl.parse_wrk_json(output)
        if summary is None:
            text = bl.parse_wrk_text(output)
            if "requests_per_second" not in text:
                raise BenchError(f"wrk gave no figures:\n{output[-2000:]}")
            latency = text.get("latency_s", {})
            return {
                "requests": text.get("requests", 0),
                "requests_per_second": text["requests_per_second"],
                "p50_ms": round(latency.get("p50", 0) * 1000, 2),
                "p99_ms": round(latency.get("p99", 0) * 1000, 2),
                "non_2xx_3xx": text.get("non_2xx_3xx", 0),
                "socket_errors": sum(text.get("socket_errors", {}).values()),
            }
        return bl.summarise_wrk(summary)

    def load(self, host, path, script=None, headers=None):
        """Warm-up (discarded), then the measured run."""
        script = script or bl.wrk_get_script()
        if self.config.warmup:
            self.run_wrk(host, path, self.config.warmup, script, headers)
        return self.run_wrk(host, path, self.config.duration, script, headers)

    # passes ------------------------------------------------------------------------------

    def check(self, target):
        """A few plain requests first: status, size, and whether the page comes from
        the cache (each worker has its own cache unless it is Redis, so a HIT may
        take one request per worker)."""
        headers = {"Accept-Encoding": "gzip, br"}
        seen = []
        for _ in range(2 * self.config.workers + 1):
            response = fetch(self.port, target["host"], target["path"], headers=headers)
            seen.append(response.header("x-cache"))
            if seen[-1] in {None, "HIT"} and len(seen) > 1:
                break
        return {
            "status": response.status,
            "bytes": len(response.body),
            "content_encoding": response.header("content-encoding"),
            "x_cache": seen,
            "cache_control": response.header("cache-control"),
        }

    def run_targets(self, targets, label):
        results = {}
        for target in targets:
            check = self.check(target)
            if check["status"] != target["expect"]:
                self.notes.append(
                    f"{label}: {target['key']} answered {check['status']}, "
                    f"expected {target['expect']}"
                )
            mark = self.log_mark()
            script = None
            if target["kind"] == "tracking":
                # a new value of the tracking parameter on every request
                script = bl.wrk_tracking_script(target["bare_path"])
            figures = self.load(target["host"], target["path"], script)
            figures["worker_restarts"] = self.restarts_since(mark)
            figures.update(check)
            results[target["key"]] = figures
            log(
                f"  {target['key']:<22} {figures['requests_per_second']:>9.1f} req/s  "
                f"p50 {figures['p50_ms']:>7.2f} ms  p99 {figures['p99_ms']:>7.2f} ms  "
                f"{check['status']} {check['bytes']} B"
                + (f"  X-Cache {check['x_cache'][-1]}" if check["x_cache"][-1] else "")
                + (
                    f"  {figures['worker_restarts']} worker restarts"
                    if figures["worker_restarts"]
                    else ""
                )
            )
        return results

    # page weight -------------------------------------------------------------------------

    def page_weight(self, host, path):
        viewport = self.config.viewport
        page_url = f"http://{host}{path}"
        accept = {"Accept-Encoding": "gzip, br"}
        html_response = fetch(self.port, host, path, headers=accept)
        html = html_response.text()
        resources = [self._resource("html", page_url, html_response)]
        assets = bl.parse_assets(html, viewport)
        third_party, seen = [], {page_url}
        queue = [("css", u) for u in assets["stylesheets"]]
        queue += [("js", u) for u in assets["scripts"]]
        queue += [("image", u) for u in assets["images"]]
        queue += [("other", u) for u in assets["other"]]
        while queue:
            kind, ref = queue.pop(0)
            base = resources[0]["url"] if kind != "font" else ref
            url = urllib.parse.urljoin(base, ref)
            if url in seen:
                continue
            seen.add(url)
            parsed = urllib.parse.urlsplit(url)
            if bl.is_third_party(url, host) or parsed.scheme not in {"http", "https"}:
                third_party.append(url)
                continue
            target_path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            response = fetch(self.port, parsed.hostname or host, target_path, headers=accept)
            if kind == "other" and url.lower().split("?")[0].endswith((".js", ".mjs")):
                kind = "js"
            resource = self._resource(kind, url, response)
            resources.append(resource)
            if kind == "css" and response.status == 200:
                for ref_in_css in bl.css_urls(response.text()):
                    css_ref = urllib.parse.urljoin(url, ref_in_css)
                    font = (
                        css_ref.lower().split("?")[0].endswith((".woff2", ".woff", ".ttf", ".otf"))
                    )
                    queue.append(("font" if font else "image", css_ref))
        text_bytes = sum(r["compressed"] for r in resources if r["kind"] in {"html", "css", "js"})
        total = sum(r["compressed"] for r in resources)
        return {
            "host": host,
            "path": path,
            "viewport_px": viewport,
            "html_css_js_compressed": text_bytes,
            "total_compressed": total,
            "html_content_encoding": resources[0]["content_encoding"],
            "lazy_images": len(assets["lazy_images"]),
            "third_party": third_party,
            "large_fonts": [
                r["url"] for r in resources if r["kind"] == "font" and r["compressed"] > FONT_BUDGET
            ],
            "resources": resources,
            "meets_text_budget": text_bytes <= bl.WEIGHT_BUDGET_TEXT,
            "meets_total_budget": total <= bl.WEIGHT_BUDGET_TOTAL,
        }

    @staticmethod
    def _resource(kind, url, response):
        wire = len(response.body)
        encoding = response.header("content-encoding")
        content_type = (response.header("content-type") or "").split(";")[0]
        compressed = wire
        textual = content_type.startswith("text/") or content_type in {
            "application/javascript",
            "application/json",
            "image/svg+xml",
        }
        if not encoding and textual and wire:
            # sent uncompressed (Django does not compress HTML itself): count it as a
            # compressing proxy in front (gzip -6) would send it
            compressed = min(wire, len(gzip.compress(response.body, 6)))
        return {
            "kind": kind,
            "url": url,
            "status": response.status,
            "content_type": content_type,
            "content_encoding": encoding,
            "wire": wire,
            "compressed": compressed,
        }

    # sign-ups ----------------------------------------------------------------------------

    def signups(self, form_pages):
        results = []
        for key in dict.fromkeys(page["key"] for page in form_pages):
            if not self.config.wanted(key):
                continue
            pages = [p for p in form_pages if p["key"] == key]
            result = self._signup_target(key, pages)
            if result:
                results.append(result)
        return results

    def _signup_target(self, key, pages):
        for page in pages:
            shown_at = time.monotonic()
            response = fetch(self.port, page["host"], page["path"])
            if response.status != 200:
                continue
            form = bl.signup_form(bl.parse_forms(response.text()))
            if form is None:
                continue
            return self._signup_load(key, page, form, response, shown_at)
        self.notes.append(
            f"sign-up {key}: no POST form with a CSRF token and an e-mail field on "
            f"{[p['path'] for p in pages]}: skipped"
        )
        return None

    def _signup_load(self, key, page, form, response, shown_at):
        token = next((f["value"] for f in form["fields"] if f["name"] == "csrfmiddlewaretoken"), "")
        csrf_cookie = response.cookies().get("csrftoken")
        if not (token and csrf_cookie):
            self.notes.append(f"sign-up {key}: no CSRF token or cookie on {page['path']}: skipped")
            return None
        action = urllib.parse.urlsplit(
            urllib.parse.urljoin(page["path"], form["action"] or page["path"])
        )
        if action.netloc and action.hostname != page["host"]:
            self.notes.append(f"sign-up {key}: the form posts to another host: skipped")
            return None
        action_path = action.path + (f"?{action.query}" if action.query else "")
        email_prefix = f"bench-{self.run_id}-{key}-"
        pairs = bl.fill_form(form, f"{self.run_id}-{key}")
        body = bl.encode_form(pairs, token)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        }
        # Forms ignore what is sent sooner than a person could (a spam trap): wait
        # like a person filling it in before the first POST.
        time.sleep(max(0.0, self.config.form_wait - (time.monotonic() - shown_at)))
        check = fetch(
            self.port,
            page["host"],
            action_path,
            method="POST",
            headers={**headers, "X-Forwarded-For": "10.255.255.254"},
            body=body.replace(bl.UNIQUE_PLACEHOLDER, "check").encode(),
        )
        errors = bl.form_errors(check.text()) if check.status == 200 else []
        stored = self.count_rows(email_prefix)
        fields = [name for name, _ in pairs]
        if check.status >= 400 or errors or not stored.get("people"):
            reason = (
                f"answered {check.status} {'; '.join(errors)[:300]}"
                if check.status >= 400 or errors
                else f"answered {check.status} but stored nothing"
            )
            self.notes.append(
                f"sign-up {key} on {page['path']}: a valid-looking POST {reason}; "
                f"fields {fields}: skipped"
            )
            return None
        figures = {}
        for phase, seconds in (("w", self.config.warmup), ("m", self.config.duration)):
            if seconds:
                script = bl.wrk_post_script(action_path, body, {}, phase)
                figures[phase] = self.run_wrk(page["host"], action_path, seconds, script, headers)
        main = figures["m"]
        accepted = sum(f["requests"] - f["non_2xx_3xx"] for f in figures.values()) + 1
        sent = sum(max(f.get("sent", 0), f["requests"]) for f in figures.values()) + 1
        result = {
            "key": key,
            "page_type": page["page_type"],
            "host": page["host"],
            "path": page["path"],
            "action": action_path,
            "check_status": check.status,
            "fields": fields,
            "email_prefix": email_prefix,
            "accepted_responses": accepted,
            "sent_requests": sent,
            **main,
            "accepted_per_second": round(
                (main["requests"] - main["non_2xx_3xx"]) / self.config.duration, 1
            ),
        }
        log(
            f"  signup:{key:<15} {main['requests_per_second']:>9.1f} req/s  "
            f"p50 {main['p50_ms']:>7.2f} ms  p99 {main['p99_ms']:>7.2f} ms  "
            f"refused {main['non_2xx_3xx']}"
        )
        return result

    def count_rows(self, prefix):
        return json.loads(self.probe("count", prefix) or "{}")

    def count_signups(self, results):
        for result in results:
            counted = self.count_rows(result["email_prefix"])
            result["stored"] = counted
            people = counted.get("people", {})
            rows = sum(c["rows"] for c in people.values())
            distinct = sum(c["distinct"] for c in people.values())
            result["stored_rows"] = rows
            result["duplicates"] = rows - distinct
            # every accepted response stored, nothing stored twice, nothing beyond what
            # was sent (requests in flight when wrk stopped may be stored too)
            result["stored_exactly_once"] = bool(
                len(people) == 1
                and rows == distinct
                and result["accepted_responses"] <= rows <= result["sent_requests"]
            )

    # the live congress scenario ----------------------------------------------------------

    def live_congress(self, live):
        """A congress going on: its page and its organisation's home page under load,
        first as they are, then while an outcome of the congress is published every
        few seconds from another process (the same database and cache); meanwhile
        another organisation's home page, and the congress page, are polled for
        X-Cache."""
        config = self.config
        seconds, host = config.live_seconds, live["host"]
        pages = [("live:congress", live["congress_path"]), ("live:home", live["home_path"])]
        watched = {
            "other": (live["other_host"], live["other_path"]),
            "congress": (host, live["congress_path"]),
        }
        for name, (watched_host, path) in watched.items():
            # a second of load first, so that every worker has the page in its cache
            self.run_wrk(watched_host, path, 1, bl.wrk_get_script())
            seen = self.check({"host": watched_host, "path": path})["x_cache"]
            log(f"  {name} {watched_host}{path}: X-Cache {seen}")
        connections = max(1, config.connections // len(pages))
        result = {
            **live,
            "seconds": seconds,
            "every_s": LIVE_PUBLISH_EVERY,
            "poll_every_s": LIVE_POLL_EVERY,
            "connections_per_page": connections,
        }
        phases = {}
        marker = f"bench-live-{self.run_id}"
        for phase in ("quiet", "publishing"):
            if phase == "publishing":
                self.start_publisher(live["outcome_id"], seconds, marker)
            if config.warmup:
                handles = [
                    self.start_wrk(
                        host, path, config.warmup, bl.wrk_get_script(), None, connections
                    )
                    for _, path in pages
                ]
                for handle in handles:
                    self.finish_wrk(handle)
            mark = self.log_mark()
            stop, polled = threading.Event(), {name: [] for name in watched}
            poller = threading.Thread(
                target=self._poll, args=(watched, polled, stop), name="bench-poller", daemon=True
            )
            handles = [
                self.start_wrk(host, path, seconds, bl.wrk_get_script(), None, connections)
                for _, path in pages
            ]
            poller.start()
            if phase == "publishing":
                self.publisher.stdin.write("GO\n")
                self.publisher.stdin.flush()
            try:
                figures = {
                    key: self.finish_wrk(h) for (key, _), h in zip(pages, handles, strict=True)
                }
            finally:
                stop.set()
                poller.join(timeout=10)
            published = self.finish_publisher(seconds) if phase == "publishing" else None
            phases[phase] = {
                "figures": figures,
                "polls": {
                    name: bl.poll_summary([v for _, v in polls], [t for t, _ in polls])
                    for name, polls in polled.items()
                },
                "worker_restarts": self.restarts_since(mark),
            }
            line = "  ".join(
                f"{key} {f['requests_per_second']:.1f} req/s p99 {f['p99_ms']:.1f} ms"
                for key, f in figures.items()
            )
            polls = "; ".join(
                f"{name} {summary['counts']}" for name, summary in phases[phase]["polls"].items()
            )
            log(f"  {phase:<10} {line}  polls: {polls}")
            if published is not None:
                result.update(published)
                done = [p for p in published["published"] if not p.get("error")]
                log(
                    f"  published {len(done)} of {len(published['published'])} outcome "
                    f"revisions: {[p.get('took_ms') for p in published['published']]} ms"
                    + "".join(f"; {p['error']}" for p in published["published"] if p.get("error"))
                )
        last = len(result.get("published") or [])
        result["last_marker"] = f"[{marker}-{last}]"
        page = fetch(self.port, host, live["congress_path"], headers={"Accept-Encoding": "gzip"})
        result["last_title_shown"] = bool(last) and result["last_marker"] in page.text()
        result["pages"] = [
            {
                "key": key,
                "path": path,
                "quiet_requests_per_second": phases["quiet"]["figures"][key]["requests_per_second"],
                "publishing_requests_per_second": phases["publishing"]["figures"][key][
                    "requests_per_second"
                ],
                "quiet_p99_ms": phases["quiet"]["figures"][key]["p99_ms"],
                "publishing_p99_ms": phases["publishing"]["figures"][key]["p99_ms"],
                "ratio": bl.ratio(
                    phases["publishing"]["figures"][key]["requests_per_second"],
                    phases["quiet"]["figures"][key]["requests_per_second"],
                ),
            }
            for key, path in pages
        ]
        result["polls"] = phases["publishing"]["polls"]
        result["polls_quiet"] = phases["quiet"]["polls"]
        result["phases"] = phases
        return result

    def _poll(self, watched, polled, stop):
        """Every LIVE_POLL_EVERY seconds, one request for each watched page (a new
        connection each time, so either worker may answer): (seconds since the start,
        X-Cache) is recorded. It asks for gzip as browsers (and wrk here) do."""
        accept = {"Accept-Encoding": "gzip, br"}
        started = time.monotonic()
        while True:
            for name, (host, path) in watched.items():
                at = round(time.monotonic() - started, 2)
                try:
                    response = fetch(self.port, host, path, headers=accept, timeout=10)
                    value = response.header("x-cache") or f"status {response.status}"
                except (OSError, http.client.HTTPException) as error:
                    value = f"error {type(error).__name__}"
                polled[name].append((at, value))
            if stop.wait(LIVE_POLL_EVERY):
                return

    def start_publisher(self, outcome_id, seconds, marker):
        """The process that publishes outcomes: Django set up with the run's settings,
        database and cache; it waits for GO once ready."""
        command = [
            sys.executable,
            str(REPO / "tests/load/probe.py"),
            "publish",
            str(outcome_id),
            str(seconds - 1),  # the last publish lands at least a second before the end
            str(LIVE_PUBLISH_EVERY),
            marker,
        ]
        self.publisher_log = self.tmp / "publisher.log"
        with open(self.publisher_log, "wb") as errors:
            self.publisher = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        ready = self.publisher.stdout.readline().strip()
        if ready != "READY":
            raise BenchError(
                f"the outcome publisher did not start: {ready!r}\n{self.publisher_errors()}"
            )

    def publisher_errors(self, lines=15):
        with contextlib.suppress(OSError):
            text = self.publisher_log.read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def finish_publisher(self, seconds):
        publisher, self.publisher = self.publisher, None
        try:
            output, _ = publisher.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            publisher.kill()
            output, _ = publisher.communicate()
        lines = [line for line in output.splitlines() if line.startswith("{")]
        if publisher.returncode != 0 or not lines:
            self.notes.append(
                f"live congress: the publisher failed ({publisher.returncode}): "
                f"{self.publisher_errors()}"
            )
            return {"published": [], "last_title": None}
        return json.loads(lines[-1])

    # the run -----------------------------------------------------------------------------

    def run(self):
        config = self.config
        started = time.monotonic()
        self.report["started_at"] = datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        )
        self.report["machine"] = machine_info()
        self.report["config"] = config.as_dict()
        self.report["gunicorn"] = gunicorn_settings()
        load_now = self.report["machine"]["load_average_at_start"][0]
        if load_now > 0.5 * self.report["machine"]["nproc"]:
            self.notes.append(
                f"load average {load_now} at start: other work shares the CPUs, figures are noisy"
            )
        self.env = self.base_env()
        log(f"civic bench {self.run_id}: temporary folder {self.tmp}")
        self.report["database"] = self.prepare_database(self.env)
        log(f"  database: {self.report['database']}")
        self.manage("migrate", "--noinput", "-v0", title="migrate")
        self.manage("load_demo", title="load_demo")
        self.manage("collectstatic", "--noinput", "-v0", title="collectstatic")

        discovered_path = self.tmp / "discovered.json"
        self.probe("discover", str(discovered_path))
        discovered = json.loads(discovered_path.read_text())
        self.notes.extend(discovered["notes"])
        backends = ", ".join(f"{a} {b}" for a, b in discovered["cache"].items())
        self.report["cache"] = (
            f"{backends} (redis {self.config.redis_url.split('@')[-1]}, prefix {self.redis_prefix})"
            if self.config.redis_url
            else backends
        )
        log(f"  cache: {self.report['cache']}")
        targets = [t for t in discovered["targets"] if config.wanted(t["key"])]
        sql = {t["key"]: t.get("sql", {}) for t in targets}
        self.report["endpoints"] = targets
        cold_sql = {}
        if config.cold:
            cold_path = self.tmp / "cold.json"
            self.probe("cold", str(discovered_path), str(cold_path), env=self.cold_env())
            measured = json.loads(cold_path.read_text())
            if measured.get("error"):
                self.notes.append(f"truly cold SQL not counted: {measured['error']}")
            cold_sql = measured.get("sql", {})
            self.report["cache_cold"] = measured.get("cache")
            log(f"  truly cold: {measured.get('cache')}")

        log(f"\nPass 1: page cache on (PAGE_CACHE_SECONDS=600), {config.workers} workers")
        self.start_server("cached")
        cached = self.run_targets(targets, "cached")
        weights = []
        for target in targets:
            if target["key"].startswith("home:") and target["kind"] == "page":
                weights.append(self.page_weight(target["host"], target["path"]))
        signups = self.signups(discovered["form_pages"])
        self.report["server_cached"] = self.server_errors()
        self.stop_server()

        cold = {}
        if config.cold:
            cold_targets = [t for t in targets if t["kind"] in {"trivial", "page"}]
            log(
                "\nPass 2: truly cold, no cache at all (CACHE_BACKEND=dummy): every request renders"
            )
            self.start_server("cold", {"CACHE_BACKEND": "dummy"}, without={"REDIS_URL"})
            cold = self.run_targets(cold_targets, "cold")
            hits = [k for k, f in cold.items() if "HIT" in (f.get("x_cache") or [])]
            if hits:
                self.notes.append(f"cold pass: X-Cache HIT on {hits}: something was kept")
            self.report["server_cold"] = self.server_errors()
            self.stop_server()

        live = None
        if config.live and config.wanted("live-congress") and discovered.get("live_congress"):
            log(
                f"\nPass 3: live congress, page cache on, workers not recycled; "
                f"{config.live_seconds} s without, then {config.live_seconds} s with an "
                f"outcome published every {LIVE_PUBLISH_EVERY} s"
            )
            self.start_server("live", {"GUNICORN_MAX_REQUESTS": "0"})
            live = self.live_congress(discovered["live_congress"])
            self.report["server_live"] = self.server_errors()
            self.stop_server()
        elif config.live and config.wanted("live-congress"):
            self.notes.append("live congress: no congress to publish to (see notes): skipped")

        self.count_signups(signups)
        scale = None
        if config.scale and config.wanted("scale"):
            log(
                f"\nPass 5: scale-out, nginx in front of 1 then 2 app servers of "
                f"{config.workers} workers each, all on this machine"
            )
            scale = self.scale_out(discovered)
        exports = None
        if config.export_sizes and config.wanted("export"):
            log(
                f"\nPass 4: the People area at {', '.join(map(str, config.export_sizes))} "
                f"generated people ({EXPORT_HOST}), each measurement a process of its own"
            )
            exports = self.exports()
        restarts = sum(f.get("worker_restarts", 0) for f in [*cached.values(), *cold.values()])
        if restarts:
            g = self.report["gunicorn"]
            self.notes.append(
                f"{restarts} gunicorn worker restarts during the measurements: max_requests="
                f"{g.get('max_requests')} (+ up to {g.get('max_requests_jitter')}) restarts a "
                "worker after that many requests; a new worker boots Django again (one to "
                "several seconds here)"
                + (
                    ""
                    if self.config.redis_url
                    else " and starts with an empty local-memory page cache"
                )
                + ", and when both workers restart together nothing answers meanwhile "
                "(see the restarts column)"
            )
        rows = self.rows(targets, cached, cold, sql, cold_sql)
        self.report.update(
            {
                "results": rows,
                "page_weight": weights,
                "signups": signups,
                "live_congress": live,
                "scale_out": scale,
                "exports": exports,
                "targets": bl.verdicts(rows, weights, signups, live, config.only)
                + self.export_verdicts(exports),
                "notes": self.notes,
                "total_seconds": round(time.monotonic() - started, 1),
            }
        )
        self.print_report()
        config.json_path.parent.mkdir(parents=True, exist_ok=True)
        config.json_path.write_text(json.dumps(self.report, indent=2) + "\n")
        log(f"\nJSON: {config.json_path}")

    # several app servers -----------------------------------------------------------------

    def scale_out(self, discovered):
        """Requests/s of a cached page and of the same page truly cold, and sign-ups/s,
        through nginx (deploy/nginx/civic.conf, rendered as tests/deploy/stack.py does)
        with one app server, then two, in one run; and the ratios.

        Every process shares this machine's CPUs: the two servers, nginx, wrk and the
        database. On one machine the ratio shows what the proxy and a second server
        cost or give here, not what a second machine gives (that scales with its
        cores: docs/deployment.md, "Sizing")."""
        from tests.deploy import stack

        if not stack.nginx_binary():
            self.notes.append(
                "scale-out pass: nginx is not installed (apt-get install nginx): skipped"
            )
            return None
        page = next(
            (
                t
                for t in discovered["targets"]
                if t["kind"] == "page" and t["key"].startswith("home:")
            ),
            None,
        )
        form_page = self._scale_form_page(discovered["form_pages"])
        if page is None or form_page is None:
            self.notes.append("scale-out pass: no home page or no sign-up form found: skipped")
            return None
        # wrk stands where visitors are: its X-Forwarded-For is one hop further out
        # than nginx, so each sign-up counts against its own visitor's rate limit.
        # It posts a form as soon as it has loaded it, which the spam trap for posts
        # faster than a person (MEMBERSHIP_MIN_FORM_SECONDS) would answer with the
        # thank-you page and store nothing: the trap is off in this pass.
        env = self.env | {
            "MEMBERSHIP_TRUSTED_PROXIES": "2",
            "FORWARDED_ALLOW_IPS": LOOPBACK,
            "MEMBERSHIP_MIN_FORM_SECONDS": "0",
        }
        cold_env = {k: v for k, v in env.items() if k != "REDIS_URL"} | {"CACHE_BACKEND": "dummy"}
        result = {"page": page["key"], "form": form_page["path"], "servers": {}}
        for count in (1, 2):
            figures = {}
            with self._cluster(env, count, "cached") as port:
                self.port = port
                status = fetch(port, page["host"], page["path"]).status
                figures["cached"] = self.load(page["host"], page["path"])
                figures["cached"]["x_cache"] = fetch(port, page["host"], page["path"]).header(
                    "x-cache"
                )
                figures["cached"]["status"] = status
                figures["signups"] = self._scale_signups(port, form_page, f"s{count}")
            with self._cluster(cold_env, count, "cold") as port:
                self.port = port
                figures["cold"] = self.load(page["host"], page["path"])
                figures["cold"]["x_cache"] = fetch(port, page["host"], page["path"]).header(
                    "x-cache"
                )
            result["servers"][count] = figures
            log(
                f"  {count} server{'s' if count > 1 else ' '}: cached "
                f"{figures['cached']['requests_per_second']:>8.1f} req/s, cold "
                f"{figures['cold']['requests_per_second']:>7.1f} req/s, sign-ups "
                f"{figures['signups']['signups_per_second']:>6.1f}/s "
                f"({figures['signups']['accepted']} of {figures['signups']['posted']} posts)"
            )
        # Every accepted post stored once, nothing beyond what was sent.
        counted = self.count_rows(f"bench-{self.run_id}-scale-").get("people", {})
        rows = sum(c["rows"] for c in counted.values())
        distinct = sum(c["distinct"] for c in counted.values())
        signups = [result["servers"][n]["signups"] for n in (1, 2)]
        accepted = sum(f["accepted_with_warmup"] for f in signups)
        sent = sum(f["sent_with_warmup"] for f in signups)
        result["stored"] = {"rows": rows, "distinct": distinct, "accepted": accepted, "sent": sent}
        # (posts in flight when wrk stopped were sent, and may be stored, unanswered)
        result["stored_exactly_once"] = rows == distinct and accepted <= rows <= sent
        if not result["stored_exactly_once"]:
            self.notes.append(
                f"scale-out pass: sign-ups NOT stored exactly once: {rows} rows "
                f"({distinct} distinct) for {accepted} accepted of {sent} sent"
            )
        log(
            f"  sign-ups stored: {rows} rows ({distinct} distinct) for {accepted} accepted "
            f"of {sent} sent"
        )
        one, two = result["servers"][1], result["servers"][2]
        result["ratio"] = {
            "cached": _ratio(
                two["cached"]["requests_per_second"], one["cached"]["requests_per_second"]
            ),
            "cold": _ratio(two["cold"]["requests_per_second"], one["cold"]["requests_per_second"]),
            "signups": _ratio(
                two["signups"]["signups_per_second"], one["signups"]["signups_per_second"]
            ),
        }
        log(
            "  two servers / one: cached {cached}x, cold {cold}x, sign-ups {signups}x".format(
                **result["ratio"]
            )
        )
        nproc = self.report["machine"]["nproc"]
        result["note"] = (
            f"one machine of {nproc} CPUs runs both app servers, nginx, wrk and the database: "
            "the ratio is what a second server process gives on the same cores (near 1 "
            "when the CPUs are already busy), not what a second machine gives"
        )
        self.notes.append(f"scale-out pass: {result['note']}")
        return result

    @staticmethod
    def _scale_form_page(form_pages):
        """The join form if there is one, else the first sign-up form."""
        joins = [page for page in form_pages if "join" in page["key"]]
        return (joins or form_pages or [None])[0]

    @contextlib.contextmanager
    def _cluster(self, env, count, label):
        """``count`` gunicorn servers (BENCH_WORKERS workers each) behind nginx; yields
        nginx's port."""
        from tests.deploy import stack

        folder = self.tmp / f"scale-{label}-{count}"
        folder.mkdir(parents=True, exist_ok=True)
        servers = [
            stack.Gunicorn(env, folder, name=f"{label}{number}", workers=self.config.workers)
            for number in range(count)
        ]
        nginx = None
        try:
            for server in servers:
                server.start(timeout=90)
            nginx = stack.Nginx(
                folder,
                [server.port for server in servers],
                static_root=env["STATIC_ROOT"],
                media_root=env["MEDIA_ROOT"],
            ).start()
            fetch(nginx.port, LOOPBACK, "/__bench/trivial/")
            time.sleep(1.0)  # every worker booted
            yield nginx.port
        finally:
            self.port = None
            if nginx is not None:
                nginx.stop()
            for server in servers:
                server.stop(timeout=15)

    def _scale_signups(self, port, form_page, phase):
        """Sign-ups/s through nginx: each sign-up is the form's GET and its POST (its
        time token is good for one submission), counted as accepted when answered 302."""
        response = fetch(port, form_page["host"], form_page["path"])
        form = bl.signup_form(bl.parse_forms(response.text())) if response.status == 200 else None
        cookie = response.cookies().get("csrftoken")
        if form is None or not cookie:
            self.notes.append(
                f"scale-out pass: no sign-up form or CSRF cookie on {form_page['path']} "
                f"(answered {response.status})"
            )
            return {
                "signups_per_second": 0.0,
                "sent_with_warmup": 0,
                "posted_with_warmup": 0,
                "accepted_with_warmup": 0,
                "posted": 0,
                "accepted": 0,
            }
        action = urllib.parse.urljoin(form_page["path"], form["action"] or form_page["path"])
        body = bl.signup_cycle_template(form, f"{self.run_id}-scale")
        totals = {"sent": 0, "posted": 0, "accepted": 0}
        for run, seconds in (("w", self.config.warmup), ("m", self.config.duration)):
            if not seconds:
                continue
            # addresses unique to the run: wrk numbers its threads and requests anew
            script = bl.wrk_signup_cycle_script(
                form_page["path"], action, body, f"csrftoken={cookie}", f"{phase}{run}"
            )
            summary = self._signup_cycles(form_page, script, seconds)
            totals["sent"] += summary["sent"]
            totals["posted"] += summary["posted"]
            totals["accepted"] += summary["accepted"]
        duration = summary["duration_us"] / 1e6 or 1e-9
        return {
            "sent_with_warmup": totals["sent"],
            "posted_with_warmup": totals["posted"],
            "accepted_with_warmup": totals["accepted"],
            "posted": summary["posted"],
            "accepted": summary["accepted"],
            "signups_per_second": round(summary["accepted"] / duration, 1),
            "requests_per_second": round(summary["requests"] / duration, 1),
            "p50_ms": round(summary["latency_us"]["p50"] / 1000, 2),
            "p99_ms": round(summary["latency_us"]["p99"] / 1000, 2),
        }

    def _signup_cycles(self, form_page, script, seconds):
        connections = self.config.connections
        process, seconds = self.start_wrk(
            form_page["host"],
            form_page["path"],
            seconds,
            script,
            connections=connections,
            threads=connections,  # one connection per thread: GET, POST, GET...
        )
        output = self.wrk_output((process, seconds))
        summary = bl.parse_wrk_json(output)
        if summary is None:
            raise BenchError(f"wrk gave no figures:\n{output[-2000:]}")
        return summary

    # the People area at scale ------------------------------------------------------------

    def export_probe(self, command, extra_env=None):
        path = self.tmp / f"export-{command}.json"
        env = {**self.env, **(extra_env or {})}
        self.probe_script("export_probe.py", command, EXPORT_HOST, str(path), env=env)
        return json.loads(path.read_text())

    def probe_script(self, script, *args, env):
        result = subprocess.run(
            [sys.executable, str(REPO / "tests/load" / script), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
            raise BenchError(f"{script} {args[0]} failed:\n{tail}")

    def exports(self):
        """At each size: people generated up to it (``membership_seed_people``), then
        the People page and its search, the CSV read to its end as streamed (the limit
        above which a CSV is prepared in the background lifted, to measure the
        stream), and the XLSX task up to BENCH_EXPORT_XLSX_MAX people."""
        results, have = [], 0
        for size in self.config.export_sizes:
            started = time.monotonic()
            self.manage(
                "membership_seed_people",
                "--count",
                str(size - have),
                "--site",
                EXPORT_HOST,
                "--force",
                title=f"membership_seed_people: {size - have} more people",
            )
            row = {"people_asked": size, "seed_s": round(time.monotonic() - started, 1)}
            have = size
            row["list"] = self.export_probe("list")
            worst = max(row["list"]["cases"], key=lambda c: c["median_ms"])
            log(
                f"  People page at {row['list']['people']} people: worst "
                f"{worst['median_ms']:.0f} ms ({worst['case']})"
            )
            row["csv"] = self.export_probe("csv", {"MEMBERSHIP_EXPORT_STREAM_ROWS": str(10**9)})
            csv_ = row["csv"]
            log(
                f"  CSV of {csv_['rows']} sign-ups: {csv_['seconds']} s, "
                f"peak memory +{csv_['peak_rss_growth_mib']} MiB"
            )
            if size <= self.config.export_xlsx_max:
                row["xlsx"] = self.export_probe("xlsx")
                xlsx = row["xlsx"]
                log(
                    f"  XLSX of {xlsx['rows']} sign-ups: {xlsx['seconds']} s, "
                    f"peak memory +{xlsx['peak_rss_growth_mib']} MiB"
                )
            results.append(row)
        return results

    @staticmethod
    def export_verdicts(exports):
        if not exports:
            return []
        verdicts = []
        largest = exports[-1]
        cases = [(row["list"]["people"], c) for row in exports for c in row["list"]["cases"]]
        slow = [
            f"{c['case']} at {n}: {c['median_ms']:.0f} ms"
            for n, c in cases
            if c["median_ms"] > EXPORT_PAGE_BUDGET_MS
        ]
        verdicts.append(
            {
                "target": f"People page and its search <= {EXPORT_PAGE_BUDGET_MS} ms (median) "
                f"at {largest['list']['people']} people",
                "met": not slow,
                "detail": "; ".join(slow)
                or f"worst {max(c['median_ms'] for _n, c in cases):.0f} ms",
            }
        )
        for kind in ("csv", "xlsx"):
            measured = [row[kind] for row in exports if kind in row]
            if len(measured) < 2:
                continue
            small, large = measured[0], measured[-1]
            growth = large["peak_rss_growth_mib"] - small["peak_rss_growth_mib"]
            verdicts.append(
                {
                    "target": f"{kind.upper()} export memory flat (at most {EXPORT_FLAT_MIB} "
                    "MiB more for the largest list)",
                    "met": growth <= EXPORT_FLAT_MIB,
                    "detail": f"+{small['peak_rss_growth_mib']} MiB for {small['rows']} rows, "
                    f"+{large['peak_rss_growth_mib']} MiB for {large['rows']} rows",
                }
            )
        return verdicts

    def print_exports(self, exports):
        log("\nThe People area at scale (generated people; each figure a process of its own):")
        rows = []
        for row in exports:
            cases = {c["case"]: c for c in row["list"]["cases"]}
            searches = [c for c in row["list"]["cases"] if c["case"].startswith("search")]
            csv_, xlsx = row["csv"], row.get("xlsx") or {}
            rows.append(
                {
                    "people": row["list"]["people"],
                    "signups": row["list"]["signups"],
                    "seed": row["seed_s"],
                    "page1": cases["first page"]["median_ms"],
                    "search": max(c["median_ms"] for c in searches),
                    "filters": max(
                        c["median_ms"] for c in row["list"]["cases"] if c not in searches
                    ),
                    "csv_s": csv_["seconds"],
                    "csv_rate": round(csv_["rows"] / max(csv_["seconds"], 0.001)),
                    "csv_mib": f"{csv_['peak_rss_before_mib']}+{csv_['peak_rss_growth_mib']}",
                    "xlsx_s": xlsx.get("seconds"),
                    "xlsx_mib": f"{xlsx['peak_rss_before_mib']}+{xlsx['peak_rss_growth_mib']}"
                    if xlsx
                    else None,
                }
            )
        columns = [
            ("people", "people"),
            ("signups", "sign-ups"),
            ("seed", "seed s"),
            ("page1", "page 1 ms"),
            ("search", "search ms"),
            ("filters", "other ms"),
            ("csv_s", "CSV s"),
            ("csv_rate", "CSV rows/s"),
            ("csv_mib", "CSV MiB"),
            ("xlsx_s", "XLSX s"),
            ("xlsx_mib", "XLSX MiB"),
        ]
        log(bl.format_table(rows, columns))
        log(
            "page 1 / search / other: median ms of the People page (first page; the slowest "
            "search; the slowest of later pages and filters), through the whole request "
            "stack. CSV s: the CSV read to its end as streamed; MiB: the process's peak "
            "memory before the export + what the export added (flat means the same at "
            "every size). XLSX: the export task, as the worker runs it."
        )

    def cold_env(self):
        env = {key: value for key, value in self.env.items() if key != "REDIS_URL"}
        env["CACHE_BACKEND"] = "dummy"
        return env

    @staticmethod
    def rows(targets, cached, cold, sql, cold_sql):
        trivial = cached.get("trivial", {}).get("requests_per_second") or None
        trivial_cold = cold.get("trivial", {}).get("requests_per_second") or None
        rows = []
        for target in targets:
            key = target["key"]
            figures = cached.get(key, {})
            queries = sql.get(key, {})
            cold_queries = cold_sql.get(key, {})
            row = {
                "key": key,
                "kind": target["kind"],
                "label": target["label"],
                "host": target["host"],
                "path": target["path"],
                "page_type": target.get("page_type"),
                "status": figures.get("status"),
                "requests_per_second": figures.get("requests_per_second"),
                "p50_ms": figures.get("p50_ms"),
                "p99_ms": figures.get("p99_ms"),
                "bytes": figures.get("bytes"),
                "content_encoding": figures.get("content_encoding"),
                "x_cache": (figures.get("x_cache") or [None])[-1],
                "x_cache_seen": figures.get("x_cache"),
                "worker_restarts": figures.get("worker_restarts"),
                "non_2xx_3xx": figures.get("non_2xx_3xx"),
                "socket_errors": figures.get("socket_errors"),
                "sql_cold": cold_queries.get("queries_cold"),
                "sql_first": queries.get("queries_first"),
                "sql_hit": queries.get("queries_hit") if queries.get("cacheable") else None,
                "sql_repeated_cold": cold_queries.get("repeated_queries"),
                "sql_error": queries.get("error") or cold_queries.get("error"),
                "ratio_to_trivial": bl.ratio(figures.get("requests_per_second"), trivial),
            }
            if target["kind"] == "tracking":
                row["shares_bare_entry"] = bool(queries.get("cacheable"))
                row["x_cache_in_process"] = queries.get("x_cache")
            if key in cold:
                row["cold_requests_per_second"] = cold[key]["requests_per_second"]
                row["cold_p50_ms"] = cold[key]["p50_ms"]
                row["cold_p99_ms"] = cold[key]["p99_ms"]
                row["cold_x_cache"] = (cold[key].get("x_cache") or [None])[-1]
                row["cold_worker_restarts"] = cold[key].get("worker_restarts")
                row["cold_ratio_to_trivial"] = bl.ratio(
                    cold[key]["requests_per_second"], trivial_cold, 3
                )
            rows.append(row)
        return rows

    def print_report(self):
        m = self.report["machine"]
        c = self.config
        log("\n" + "=" * 100)
        log(
            f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB; "
            f"load at start {m['load_average_at_start']}"
        )
        log(
            f"Server: gunicorn {c.workers} workers (site/gunicorn.conf.py: "
            f"{json.dumps(self.report['gunicorn'])[1:-1]}), DEBUG off, "
            f"{self.report['database']}, cache {self.report['cache']}"
        )
        log(
            f"Load: wrk -t{c.threads} -c{c.connections}, {c.warmup:g} s warm-up + "
            f"{c.duration:g} s per target, loopback"
        )
        log("")
        columns = [
            ("key", "target"),
            ("status", "status"),
            ("requests_per_second", "req/s"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("bytes", "bytes"),
            ("x_cache", "X-Cache"),
            ("sql_hit", "SQL hit"),
            ("sql_first", "SQL 1st"),
            ("ratio_to_trivial", "x trivial"),
            ("worker_restarts", "restarts"),
            ("cold_requests_per_second", "req/s cold"),
            ("cold_p99_ms", "p99 cold"),
            ("sql_cold", "SQL cold"),
            ("cold_ratio_to_trivial", "x trivial cold"),
        ]
        log(bl.format_table(self.report["results"], columns))
        log(
            "Cached pass (page cache on): req/s, p50, p99, X-Cache of the last check request, "
            "SQL hit: queries of the second anonymous request (blank: not served from the "
            "cache), SQL 1st: the first render after emptying the cache, x trivial: to the "
            "trivial view of the cached pass. Truly cold pass (CACHE_BACKEND=dummy, nothing "
            "kept anywhere): req/s, p99, SQL cold: queries of every such request, x trivial "
            "cold: to the trivial view of the cold pass. restarts: gunicorn workers restarted "
            "during the target's run (max_requests)."
        )
        live = self.report.get("live_congress")
        if live:
            log(
                f"\nLive congress ({live['host']}, {live['seconds']} s each, an outcome "
                f"published every {live['every_s']:g} s, {live['connections_per_page']} "
                "connections per page):"
            )
            columns = [
                ("key", "page"),
                ("path", "path"),
                ("quiet_requests_per_second", "req/s quiet"),
                ("publishing_requests_per_second", "req/s publishing"),
                ("ratio", "ratio"),
                ("quiet_p99_ms", "p99 quiet"),
                ("publishing_p99_ms", "p99 publishing"),
            ]
            log(bl.format_table(live["pages"], columns))
            for phase, key in (("quiet", "polls_quiet"), ("publishing", "polls")):
                log(
                    f"  polls every {live['poll_every_s']:g} s while {phase}: "
                    + "; ".join(
                        f"{name} {summary['counts']}" for name, summary in live[key].items()
                    )
                )
        if self.report["signups"]:
            log("\nSign-ups (POST of a valid form, a unique e-mail each):")
            columns = [
                ("key", "form"),
                ("requests_per_second", "req/s"),
                ("accepted_per_second", "accepted/s"),
                ("p50_ms", "p50 ms"),
                ("p99_ms", "p99 ms"),
                ("non_2xx_3xx", "refused"),
                ("accepted_responses", "accepted"),
                ("stored_rows", "rows"),
                ("duplicates", "duplicates"),
                ("stored_exactly_once", "exactly once"),
            ]
            log(bl.format_table(self.report["signups"], columns))
        if self.report["page_weight"]:
            log(f"\nPage weight at {c.viewport} px (compressed bytes; budgets 50 KB and 300 KB):")
            rows = [
                {
                    "host": w["host"],
                    "text": f"{w['html_css_js_compressed'] / KB:.1f} KB",
                    "total": f"{w['total_compressed'] / KB:.1f} KB",
                    "requests": len(w["resources"]),
                    "html_enc": w["html_content_encoding"] or "none (gzip -6 counted)",
                    "third": len(w["third_party"]),
                    "ok": w["meets_text_budget"] and w["meets_total_budget"],
                }
                for w in self.report["page_weight"]
            ]
            columns = [
                ("host", "home page"),
                ("text", "HTML+CSS+JS"),
                ("total", "everything"),
                ("requests", "requests"),
                ("html_enc", "HTML encoding"),
                ("third", "3rd-party"),
                ("ok", "within budget"),
            ]
            log(bl.format_table(rows, columns))
        if self.report.get("exports"):
            self.print_exports(self.report["exports"])
        log("\nTargets:")
        for verdict in self.report["targets"]:
            mark = "MET   " if verdict["met"] else "MISSED"
            log(f"  [{mark}] {verdict['target']}: {verdict['detail']}")
        errors = {k: v for k, v in self.report.items() if k.startswith("server_")}
        log(f"\nServer log: {json.dumps(errors)}")
        if self.notes:
            log("\nNotes:")
            for note in self.notes:
                log(f"  - {note}")
        log(f"\nTotal time: {self.report['total_seconds']} s")

    def cleanup(self):
        for process in list(self.wrk):
            if process.poll() is None:
                process.kill()
        publisher, self.publisher = self.publisher, None
        if publisher is not None and publisher.poll() is None:
            publisher.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                publisher.wait(timeout=5)
        self.stop_server()
        self.drop_database()
        self.clear_redis()
        if self.config.keep:
            log(f"Kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _ratio(value, base):
    return round(value / base, 2) if base else None


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed. Install it with `apt-get install wrk` (Debian package "
            "`wrk`; `make bench` does so when run as root) and run the benchmark again.",
            file=sys.stderr,
        )
        return 2
    # Ctrl+C, kill and a closed terminal all end in cleanup() below (even when the
    # shell that started us had SIGINT ignored, as for background jobs)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        config = Config()
    except BenchError as error:
        print(error, file=sys.stderr)
        return 2
    bench = Bench(config)
    try:
        bench.run()
    except BenchError as error:
        print(f"\nBenchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the server and cleaning up.", file=sys.stderr)
        return 130
    finally:
        bench.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
