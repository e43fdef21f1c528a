"""The production stack as processes on loopback, for the deployment tests.

Every part runs as it does on a server (docs/deployment.md): gunicorn with
``site/gunicorn.conf.py`` and the production settings (``config.settings.base``,
DEBUG off), ``manage.py db_worker`` for tasks, and nginx with the shipped site file
``deploy/nginx/civic.conf``, in which only the install path, the server names and the
ports are replaced (``render_site``). Each process gets its own process group and is
ended by its own object (``stop`` or ``kill``); nothing here ends a process by name.
"""

import asyncio
import collections
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = ROOT / "deploy" / "nginx" / "civic.conf"
LOOPBACK = "127.0.0.1"
DEMO_HOSTS = ("voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost")
PG_ADMIN_URL = os.environ.get(
    "DEPLOY_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port():
    """A TCP port that was free on loopback a moment ago."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def nginx_binary():
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()),
        None,
    )


def require_nginx():
    """Skip the calling test when nginx is not installed (Debian: apt-get install nginx)."""
    if not nginx_binary():
        import pytest

        pytest.skip("nginx is not installed here (Debian: apt-get install nginx)")


# -- environment and manage.py --------------------------------------------------------------


def production_env(var_dir, *, database_url=None, redis_url=None, **extra):
    """The environment of a production process, as /etc/civic/civic.env gives it, for
    plain HTTP on loopback: DEBUG off, a fresh SECRET_KEY, tasks in the database,
    behind one proxy (MEMBERSHIP_TRUSTED_PROXIES=1). Without ``database_url`` the
    database is a SQLite file in ``var_dir``; without ``redis_url`` the caches are
    local. ``extra`` is added last (values are turned into strings)."""
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "BENCH_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{LOOPBACK},localhost,.localhost",
            "WAGTAILADMIN_BASE_URL": f"http://{LOOPBACK}",
            # plain HTTP on loopback: no redirect to HTTPS, cookies without Secure
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "VAR_DIR": str(var_dir),
            "STATIC_ROOT": str(var_dir / "static"),
            "MEDIA_ROOT": str(var_dir / "media"),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "MEMBERSHIP_TRUSTED_PROXIES": "1",
            "FORWARDED_ALLOW_IPS": LOOPBACK,
            "CACHE_KEY_PREFIX": f"civic-deploy-{secrets.token_hex(4)}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, timeout=300, check=True):
    """Run ``manage.py *args`` with ``env``; a failure raises with the output's end."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise AssertionError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{tail}")
    return result


def prepare_site(env, *, demo=True, timeout=600):
    """What a deployment runs before starting: migrate, collectstatic (whitenoise's
    hashed and compressed files in STATIC_ROOT) and, for tests, the demo content."""
    manage(env, "migrate", "--noinput", "-v0", timeout=timeout)
    manage(env, "collectstatic", "--noinput", "-v0", timeout=timeout)
    if demo:
        manage(env, "load_demo", timeout=timeout)


@contextlib.contextmanager
def postgres_database(prefix="civic_deploy", admin_url=PG_ADMIN_URL):
    """A fresh PostgreSQL database for one test, dropped afterwards; yields its URL.
    Skips when no PostgreSQL server answers at ``admin_url``."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        import pytest

        pytest.skip(f"no PostgreSQL server at {admin_url}: {error}")
    with connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parsed = urllib.parse.urlsplit(admin_url)
    try:
        yield urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def clear_redis(env):
    """Delete the keys of this environment's cache prefix (CACHE_KEY_PREFIX)."""
    if not env.get("REDIS_URL"):
        return
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


# -- HTTP -------------------------------------------------------------------------------


def request(
    url, path="/", *, host=None, method="GET", headers=None, body=None, timeout=10, source=None
):
    """One HTTP request; returns (status, headers as a lower-cased dict, body bytes).
    ``source``: the loopback address to send from (any of 127.0.0.0/8)."""
    parsed = urllib.parse.urlsplit(url)
    source_address = (source, 0) if source else None
    if parsed.scheme == "https":
        import ssl

        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            parsed.hostname,
            parsed.port,
            timeout=timeout,
            context=context,
            source_address=source_address,
        )
    else:
        connection = http.client.HTTPConnection(
            parsed.hostname, parsed.port, timeout=timeout, source_address=source_address
        )
    try:
        all_headers = {"Host": host or parsed.netloc}
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    finally:
        connection.close()


def wait_http(url, *, host=None, timeout=20, any_status=False):
    """Wait until ``url`` answers with a status below 500 (any status with
    ``any_status``); returns that status. Raises TimeoutError after ``timeout`` s."""
    parsed = urllib.parse.urlsplit(url)
    base = f"{parsed.scheme}://{parsed.netloc}"
    path = parsed.path or "/"
    if parsed.query:
        path += f"?{parsed.query}"
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status, _headers, _body = request(base, path, host=host, timeout=5)
            if any_status or status < 500:
                return status
            last = f"status {status}"
        except (OSError, http.client.HTTPException) as error:
            last = repr(error)
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s ({last})")


# -- processes --------------------------------------------------------------------------


class _Process:
    """A child process in its own process group, with its output in a log file."""

    process = None
    log_path = None

    def _spawn(self, command, env, log_path):
        self.log_path = Path(log_path)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_tail(self, lines=40):
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, signum):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def stop(self, timeout=30, signum=signal.SIGTERM):
        """End it gracefully (SIGTERM to the main process), then SIGKILL whatever of
        its group is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def kill(self):
        """SIGKILL the whole process group at once (a crash)."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(_Process):
    """``gunicorn -c site/gunicorn.conf.py config.wsgi`` on a free loopback port."""

    def __init__(self, env, tmp_path, name="a", workers=2, port=None):
        self.env = dict(env)
        self.tmp_path = Path(tmp_path)
        self.name = name
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout=60):
        env = self.env | {
            "GUNICORN_BIND": f"{LOOPBACK}:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "site/gunicorn.conf.py", "config.wsgi"]
        self._spawn(command, env, self.tmp_path / f"gunicorn-{self.name}.log")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                request(self.url, "/", host=LOOPBACK, timeout=5)
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(
            f"gunicorn {self.name} did not answer in {timeout} s:\n{self.log_tail()}"
        )


class Worker(_Process):
    """``manage.py db_worker --queue-name <queue>``: runs the tasks of one queue."""

    def __init__(self, env, tmp_path, queue="default", interval=0.2, name=None):
        self.env = dict(env)
        self.tmp_path = Path(tmp_path)
        self.queue = queue
        self.interval = interval
        self.name = name or queue

    def start(self):
        command = [sys.executable, "manage.py", "db_worker", "--queue-name", self.queue]
        command += ["--interval", str(self.interval), "--no-startup-delay", "-v", "2"]
        self._spawn(command, self.env, self.tmp_path / f"worker-{self.name}.log")
        time.sleep(0.3)
        if self.process.poll() is not None:
            raise RuntimeError(f"db_worker {self.name} exited at start:\n{self.log_tail()}")
        return self


# -- nginx ------------------------------------------------------------------------------


def _replace(text, old, new, *, regex=False):
    """Replace ``old`` (which must occur: the shipped file and this renderer agree)."""
    if regex:
        text, count = re.subn(old, new, text, flags=re.MULTILINE)
    else:
        count = text.count(old)
        text = text.replace(old, new)
    if not count:
        raise AssertionError(f"deploy/nginx/civic.conf no longer contains {old!r}")
    return text


def render_site(
    text,
    *,
    upstream_ports,
    port,
    tls_port,
    http_port,
    static_root,
    media_root,
    acme_root,
    tls_dir,
    log_dir,
):
    """The shipped site file with only the install paths, server names and ports
    replaced: the app servers on ``upstream_ports``; the HTTPS server on ``tls_port``
    (TLS) and also on ``port`` (plain HTTP, what tests talk to, $scheme "http"); the
    port-80 server (redirect to HTTPS, ACME challenges) on ``http_port``."""
    text = _replace(text, "/srv/civic/var/static/", f"{Path(static_root)}/")
    text = _replace(text, "/srv/civic/var/media/", f"{Path(media_root)}/")
    text = _replace(text, "/var/www/letsencrypt", str(acme_root))
    text = _replace(text, "/etc/letsencrypt/live/example.org/", f"{Path(tls_dir)}/")
    text = _replace(text, "/var/log/nginx/", f"{Path(log_dir)}/")
    text = _replace(
        text, r"^(\s*)server_name [^;]*;", r"\1server_name localhost .localhost;", regex=True
    )
    servers = "".join(f"\\1server {LOOPBACK}:{upstream} \\2;\n" for upstream in upstream_ports)
    text = _replace(text, r"^(\s*)server 127\.0\.0\.1:8000 ([^;]*);\n", servers, regex=True)
    text = _replace(text, r"^(\s*)listen \[::\]:(80|443)\b[^;]*;\n", "", regex=True)
    text = _replace(text, r"^(\s*)listen 80;", rf"\1listen {LOOPBACK}:{http_port};", regex=True)
    text = _replace(
        text,
        r"^(\s*)listen 443 ssl( http2)?;",
        rf"\1listen {LOOPBACK}:{tls_port} ssl\2;\n\1listen {LOOPBACK}:{port};",
        regex=True,
    )
    return text


MAIN_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {logs}/error.log info;

events {{
    worker_connections 1024;
}}

http {{
    # as in Debian's /etc/nginx/nginx.conf
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include {mime_types};
    default_type application/octet-stream;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log {logs}/access.log;
    gzip on;

    client_body_temp_path {tmp}/temp/body;
    proxy_temp_path {tmp}/temp/proxy;
    fastcgi_temp_path {tmp}/temp/fastcgi;
    uwsgi_temp_path {tmp}/temp/uwsgi;
    scgi_temp_path {tmp}/temp/scgi;

    include {tmp}/civic.conf;
}}
"""


def self_signed_certificate(folder):
    """fullchain.pem and privkey.pem for localhost, made with openssl."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    openssl = shutil.which("openssl")
    if not openssl:
        import pytest

        pytest.skip("openssl is not installed here (needed for the test certificate)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "2", "-subj", "/CN=localhost"]
        + ["-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return folder


class Nginx(_Process):
    """nginx with the shipped site file in front of ``upstream_ports``.

    ``.url`` is the HTTPS server's locations over plain HTTP (``$scheme`` is "http"),
    ``.tls_url`` the same server over TLS (self-signed certificate), ``.http_url`` the
    port-80 server (redirects to HTTPS)."""

    def __init__(self, tmp_path, upstream_ports, *, static_root, media_root, name="nginx"):
        self.tmp = Path(tmp_path) / name
        self.upstream_ports = list(upstream_ports)
        self.static_root = Path(static_root)
        self.media_root = Path(media_root)
        self.port = free_port()
        self.tls_port = free_port()
        self.http_port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.tls_url = f"https://{LOOPBACK}:{self.tls_port}"
        self.http_url = f"http://{LOOPBACK}:{self.http_port}"
        self.logs = self.tmp / "logs"
        self.acme_root = self.tmp / "acme"

    @property
    def access_log(self):
        return self.logs / "civic.access.log"

    @property
    def error_log(self):
        return self.logs / "civic.error.log"

    def write_config(self):
        for folder in (self.tmp / "temp", self.logs, self.acme_root):
            folder.mkdir(parents=True, exist_ok=True)
        tls_dir = self_signed_certificate(self.tmp / "tls")
        site = render_site(
            SITE_FILE.read_text(),
            upstream_ports=self.upstream_ports,
            port=self.port,
            tls_port=self.tls_port,
            http_port=self.http_port,
            static_root=self.static_root,
            media_root=self.media_root,
            acme_root=self.acme_root,
            tls_dir=tls_dir,
            log_dir=self.logs,
        )
        (self.tmp / "civic.conf").write_text(site)
        mime_types = Path("/etc/nginx/mime.types")
        main = MAIN_CONF.format(
            # pytest's temporary folders are 0700: workers must run as their owner
            user="user root;\n" if os.geteuid() == 0 else "",
            tmp=self.tmp,
            logs=self.logs,
            mime_types=mime_types if mime_types.exists() else "mime.types",
        )
        (self.tmp / "nginx.conf").write_text(main)
        return self.tmp / "nginx.conf"

    def command(self, *extra):
        binary = nginx_binary()
        conf = self.tmp / "nginx.conf"
        return [
            binary,
            "-p",
            f"{self.tmp}/",
            "-e",
            str(self.logs / "error.log"),
            "-c",
            str(conf),
        ] + list(extra)

    def test_config(self):
        """``nginx -t`` on the rendered configuration: (returncode, output)."""
        result = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        return result.returncode, result.stdout + result.stderr

    def start(self, timeout=15):
        require_nginx()
        self.write_config()
        code, output = self.test_config()
        if code != 0:
            raise RuntimeError(f"nginx -t failed:\n{output}")
        self._spawn(self.command("-g", "daemon off;"), os.environ.copy(), self.tmp / "nginx.out")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited at start:\n{self.log_tail()}\n{self.errors()}")
            with contextlib.suppress(OSError):
                socket.create_connection((LOOPBACK, self.port), timeout=1).close()
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"nginx did not listen in {timeout} s:\n{self.errors()}")

    def errors(self):
        text = ""
        for path in (self.logs / "error.log", self.error_log):
            with contextlib.suppress(OSError):
                text += path.read_text(errors="replace")
        return text

    def stop(self, timeout=15):
        # SIGTERM: nginx's fast shutdown (SIGQUIT would wait for slow clients)
        super().stop(timeout=timeout, signum=signal.SIGTERM)


class Sink:
    """An SMTP server's DATA handler that keeps what arrived. With ``hold_at`` it
    stops answering after the ``hold_at``-th message arrived (the message is kept,
    the "250 OK" waits) until ``release`` is set: the sender is then stuck between
    handing the email over and hearing it was taken."""

    def __init__(self, hold_at=None):
        self.lock = threading.Lock()
        self.received = []  # (recipient, subject)
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content)
        subject = str(make_header(decode_header(message["Subject"] or "")))
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient.lower(), subject))
            count = len(self.received)
        if count == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def counts(self):
        with self.lock:
            return collections.Counter(recipient for recipient, _ in self.received)

    def total(self):
        with self.lock:
            return len(self.received)
