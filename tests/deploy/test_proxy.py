"""nginx with the shipped site file (deploy/nginx/civic.conf) in front of gunicorn,
and the shipped systemd units and environment file (deploy/).

The site runs with its production settings (tests/deploy/proxy_settings.py adds one
URL that reports what the site makes of a request) behind nginx, both started the
way docs/deployment.md installs them; only paths, server names and ports differ."""

import gzip
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.deploy import stack

ECHO = "/__deploy/echo/"
HOST = "voltkosova.localhost"
SLOW_CLIENTS = 16
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
    b"N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Site:
    def __init__(self, tmp, env, gunicorn, nginx):
        self.tmp = tmp
        self.env = env
        self.gunicorn = gunicorn
        self.nginx = nginx
        self.var = Path(env["VAR_DIR"])

    def app_log(self):
        return self.gunicorn.log_path.read_text(errors="replace")

    def reached_app(self, marker):
        """Whether gunicorn logged a request whose line contains ``marker``."""
        time.sleep(0.2)  # the access log line follows the response
        return marker in self.app_log()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    stack.require_nginx()
    tmp = tmp_path_factory.mktemp("proxy")
    env = stack.production_env(tmp / "var", DJANGO_SETTINGS_MODULE="tests.deploy.proxy_settings")
    # No database work is needed here: static files and the uploads' folders.
    stack.manage(env, "collectstatic", "--noinput", "-v0")
    media = Path(env["MEDIA_ROOT"])
    for folder in ("images", "original_images", "documents"):
        (media / folder).mkdir(parents=True, exist_ok=True)
    (media / "images" / "dot.width-100.png").write_bytes(PNG)
    (media / "original_images" / "dot.png").write_bytes(PNG)
    (media / "documents" / "members.pdf").write_bytes(b"%PDF-1.4 private\n")
    gunicorn = stack.Gunicorn(env, tmp, name="app", workers=2).start()
    nginx = None
    try:
        nginx = stack.Nginx(
            tmp, [gunicorn.port], static_root=env["STATIC_ROOT"], media_root=media
        ).start()
        yield Site(tmp, env, gunicorn, nginx)
    finally:
        if nginx:
            nginx.stop()
        gunicorn.stop()


def echo(url, **kwargs):
    status, headers, body = stack.request(url, ECHO, host=kwargs.pop("host", HOST), **kwargs)
    assert status == 200, (status, body[:500])
    return json.loads(body)


# -- slow clients -----------------------------------------------------------------------


class SlowClients:
    """``count`` connections that never finish their request: half dribble their
    headers, half their body (all their body with ``bodies_only``), a few bytes every
    half second."""

    def __init__(self, port, count=SLOW_CLIENTS, source="127.0.0.1", bodies_only=False):
        self.port = port
        self.count = count
        self.source = source
        self.bodies_only = bodies_only
        self.sockets = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._dribble, daemon=True)

    def __enter__(self):
        for number in range(self.count):
            sock = socket.create_connection(
                (stack.LOOPBACK, self.port), timeout=5, source_address=(self.source, 0)
            )
            if number % 2 and not self.bodies_only:
                sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            else:
                sock.sendall(
                    f"POST {ECHO} HTTP/1.1\r\nHost: {HOST}\r\n"
                    "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                    "slow".encode()
                )
            self.sockets.append((number, sock))
        self.thread.start()
        time.sleep(0.5)  # the servers have taken them up
        return self

    def _dribble(self):
        while not self.stopped.wait(0.5):
            for number, sock in self.sockets:
                try:
                    header = number % 2 and not self.bodies_only
                    sock.sendall(b"X-Slow: 1\r\n" if header else b"more")
                except OSError:
                    pass

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)
        for _number, sock in self.sockets:
            sock.close()


def timed_get(url, timeout):
    started = time.monotonic()
    try:
        status, _headers, _body = stack.request(url, ECHO, host=HOST, timeout=timeout)
    except TimeoutError:
        status = None
    return status, time.monotonic() - started


def test_slow_clients_hold_gunicorn_directly_but_not_behind_nginx(site):
    # gunicorn alone: its two sync workers each wait on a slow client, and a normal
    # request waits behind them.
    with SlowClients(site.gunicorn.port):
        status, seconds = timed_get(site.gunicorn.url, timeout=3)
        assert status is None, f"answered in {seconds:.2f} s while the workers were held"
        assert seconds >= 2.9
    # gunicorn's workers are free again once the slow clients are gone
    assert stack.wait_http(f"{site.gunicorn.url}{ECHO}", host=HOST, timeout=40) == 200

    # Behind nginx: nginx takes the slow clients' requests; the app is free.
    with SlowClients(site.nginx.port):
        for _ in range(3):
            status, seconds = timed_get(site.nginx.url, timeout=5)
            assert status == 200
            # (gunicorn alone kept a request waiting over 3 s above)
            assert seconds < 2.5, f"{seconds:.2f} s behind nginx with slow clients hanging on"
        # a slow body that does finish reaches the app whole, in one piece
        with socket.create_connection((stack.LOOPBACK, site.nginx.port), timeout=10) as sock:
            sock.sendall(
                f"POST {ECHO} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
                "Content-Type: application/octet-stream\r\nContent-Length: 2000\r\n\r\n".encode()
            )
            for _ in range(10):
                sock.sendall(b"x" * 200)
                time.sleep(0.1)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["body_bytes"] == 2000


def test_one_address_gets_a_bounded_number_of_connections(site):
    """Slow uploads from one address fill at most 32 connections (limit_conn); the
    next request from that address gets 429, another address is served at once."""
    with SlowClients(site.nginx.port, count=32, source="127.0.0.5", bodies_only=True):
        status, _headers, _body = stack.request(site.nginx.url, ECHO, host=HOST, source="127.0.0.5")
        assert status == 429
        assert echo(site.nginx.url, source="127.0.0.6")["client_ip"] == "127.0.0.6"
    time.sleep(0.5)
    assert echo(site.nginx.url, source="127.0.0.5")["client_ip"] == "127.0.0.5"


# -- what the app is told ---------------------------------------------------------------


def test_https_only_through_the_proxy(site):
    spoof = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Ssl": "on",
        "X-Forwarded-Protocol": "ssl",
    }
    # TLS at nginx: the site knows the request is secure
    assert echo(site.nginx.tls_url)["secure"] is True
    # plain HTTP at nginx: what the client claims does not count
    seen = echo(site.nginx.url, headers=spoof)
    assert seen["secure"] is False
    assert seen["scheme"] == "http"
    # gunicorn reached directly believes X-Forwarded-Proto only from the proxy's
    # address (FORWARDED_ALLOW_IPS=127.0.0.1), never from anyone else
    assert echo(site.gunicorn.url, headers=spoof, source="127.0.0.2")["secure"] is False
    assert echo(site.gunicorn.url, headers={"X-Forwarded-Proto": "https"})["secure"] is True


def test_the_site_sees_the_real_client_address(site):
    for url in (site.nginx.url, site.nginx.tls_url):
        seen = echo(
            url,
            source="127.0.0.7",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"},
        )
        assert seen["client_ip"] == "127.0.0.7"
        assert seen["rate_limit_address"] == "127.0.0.7"
        assert seen["x_forwarded_for"] == "203.0.113.9, 127.0.0.7"
        assert seen["remote_addr"] == "127.0.0.1"  # nginx
    assert echo(site.nginx.url, source="127.0.0.8")["client_ip"] == "127.0.0.8"


def test_a_body_over_the_limit_is_refused_by_nginx(site):
    """Larger than any upload: 413 from nginx as soon as Content-Length is read, and
    nothing of it reaches gunicorn. A large upload within the limit passes whole."""
    with socket.create_connection((stack.LOOPBACK, site.nginx.port), timeout=10) as sock:
        sock.sendall(
            f"POST {ECHO}?too-big HTTP/1.1\r\nHost: {HOST}\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 30000000\r\n\r\n".encode()
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:300]
    assert not site.reached_app("too-big")
    body = b"x" * (5 * 1024 * 1024)
    seen = echo(
        site.nginx.url, method="POST", body=body, headers={"Content-Type": "application/pdf"}
    )
    assert seen["body_bytes"] == len(body)


# -- files ------------------------------------------------------------------------------


def hashed_static_file(site):
    manifest = json.loads((Path(site.env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    name = manifest["paths"]["css/site.css"]
    return name, Path(site.env["STATIC_ROOT"]) / name


def test_static_files_come_from_nginx_compressed_with_long_cache_headers(site):
    name, path = hashed_static_file(site)
    assert path.with_name(path.name + ".gz").exists()  # written by whitenoise
    status, headers, body = stack.request(
        site.nginx.url, f"/static/{name}?nginx", host=HOST, headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == path.read_bytes()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in headers["vary"]
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, body = stack.request(site.nginx.url, f"/static/{name}", host=HOST)
    assert status == 200 and "content-encoding" not in headers
    assert body == path.read_bytes()
    assert not site.reached_app("/static/")


def test_images_come_from_nginx_and_documents_never(site):
    for path in ("/media/images/dot.width-100.png", "/media/original_images/dot.png"):
        status, headers, body = stack.request(site.nginx.url, path, host=HOST)
        assert status == 200 and body == PNG
        assert headers["content-type"] == "image/png"
        assert "sandbox" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
    assert not site.reached_app("/media/")
    for path in (
        "/media/documents/members.pdf",
        "/media//documents/members.pdf",
        "/media/./documents/members.pdf",
        "/media/images/../documents/members.pdf",
        "/media/%64ocuments/members.pdf",
        "/media/documents%2Fmembers.pdf",
    ):
        for url in (site.nginx.url, site.nginx.tls_url):
            status, _headers, body = stack.request(url, path, host=HOST)
            assert status == 404, (path, status)
            assert b"private" not in body
    assert not site.reached_app("members.pdf")


def test_health_check_reaches_the_app_from_this_machine_only(site):
    for url in (site.nginx.url, site.nginx.http_url):
        status, _headers, _body = stack.request(url, "/health/?probe", host=HOST)
        assert status in {200, 500, 503}  # the app's verdict on this database-less setup
    assert site.reached_app("GET /health/?probe")
    status, _headers, _body = stack.request(
        site.nginx.url, "/health/?outsider", host=HOST, source="127.0.0.9"
    )
    assert status == 403
    assert not site.reached_app("outsider")


def test_the_access_log_keeps_no_tokens_from_links(site):
    """Confirmation and withdrawal links carry a one-time token in the query string,
    and a page's address reaches the next request as its referrer: nginx's log keeps
    neither."""
    status, _headers, _body = stack.request(
        site.nginx.url,
        "/sq/join/?confirm=secret-token-123",
        host=HOST,
        headers={"Referer": f"https://{HOST}/sq/join/?confirm=secret-token-456"},
    )
    assert status is not None
    # Port 80 too: a link typed or followed with http:// is logged before its redirect.
    status, _headers, _body = stack.request(
        site.nginx.http_url, "/sq/join/?confirm=secret-token-789", host=HOST
    )
    assert status == 301
    time.sleep(0.2)
    log = site.nginx.access_log.read_text()
    assert log.count("/sq/join/") >= 2
    assert "secret-token" not in log


def test_port_80_redirects_to_https_except_certificate_challenges(site):
    status, headers, _body = stack.request(site.nginx.http_url, "/sq/?a=1", host=HOST)
    assert status == 301
    assert headers["location"] == f"https://{HOST}/sq/?a=1"
    challenge = site.nginx.acme_root / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token123").write_text("token123.key")
    status, _headers, body = stack.request(
        site.nginx.http_url, "/.well-known/acme-challenge/token123", host=HOST
    )
    assert (status, body) == (200, b"token123.key")


# -- the shipped units and environment file ---------------------------------------------

DEPLOY = stack.ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
INSTALL = "/srv/civic"
ENV_FILE = "/etc/civic/civic.env"


def unit_entries(path):
    """[(section, key, value)] of a unit file (keys may repeat, as ExecStart does)."""
    entries, section = [], None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(path, key):
    return [value for _section, name, value in unit_entries(path) if name == key]


def env_example():
    """(variables set, variables named at all) in deploy/civic.env.example."""
    text = (DEPLOY / "civic.env.example").read_text()
    assigned = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            # read alike by systemd (EnvironmentFile=) and by sh (civic-manage)
            assert re.fullmatch(r'[A-Z][A-Z0-9_]*=("[^"$`\\]*"|[^\s"\'$`\\]*)', line), line
            key, _, value = line.partition("=")
            assigned[key] = value
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    return assigned, named


def variables_read(path):
    text = path.read_text()
    found = re.findall(r"os\.environ(?:\.get)?[(\[]\s*\"([A-Z0-9_]+)\"", text)
    found += re.findall(r"env_(?:bool|list)\(\s*\"([A-Z0-9_]+)\"", text)
    return set(found)


def test_the_environment_file_names_every_variable_production_reads():
    assigned, named = env_example()
    read = variables_read(stack.ROOT / "site/settings/base.py")
    read |= variables_read(stack.ROOT / "site/gunicorn.conf.py")
    assert len(read) > 40
    assert read - named == set(), "missing from deploy/civic.env.example"
    assert assigned["DJANGO_SETTINGS_MODULE"] == "config.settings.base"
    assert assigned["DJANGO_DEBUG"] == "0"
    assert assigned["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert assigned["MEMBERSHIP_TRUSTED_PROXIES"] == "1"
    assert assigned["FORWARDED_ALLOW_IPS"] == "127.0.0.1"
    assert assigned["GUNICORN_BIND"] == "127.0.0.1:8000"
    # the shell reads it as systemd does (civic-manage in docs/deployment.md)
    shell = subprocess.run(
        ["sh", "-c", 'set -a; . "$0"; set +a; env', str(DEPLOY / "civic.env.example")],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=10,
    )
    assert shell.returncode == 0 and not shell.stderr, shell.stderr
    seen = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert {key: seen.get(key) for key in assigned} == {
        key: value.strip('"') for key, value in assigned.items()
    }


def test_units_run_what_the_repository_has():
    """Each ExecStart runs a program of the virtual environment with files and
    management commands that exist; every service reads the environment file."""
    from django.core.management import get_commands

    commands = get_commands()
    services = [path for path in UNITS if path.suffix == ".service"]
    assert {path.name for path in services} >= {"civic-web.service", "civic-worker@.service"}
    for path in services:
        assert values(path, "EnvironmentFile") == [ENV_FILE], path.name
        assert values(path, "WorkingDirectory") == [INSTALL], path.name
        assert values(path, "User") == ["civic"], path.name
        assert values(path, "ProtectSystem") == ["strict"], path.name
        assert values(path, "ReadWritePaths") == [f"{INSTALL}/var"], path.name
        starts = values(path, "ExecStart")
        assert starts, path.name
        for start in starts:
            program, *args = start.split()
            if program.startswith(f"{INSTALL}/deploy/"):  # the backup script
                script = stack.ROOT / program.removeprefix(f"{INSTALL}/")
                assert script.exists() and os.access(script, os.X_OK), start
                continue
            assert program.startswith(f"{INSTALL}/.venv/bin/"), start
            assert (stack.ROOT / program.removeprefix(f"{INSTALL}/")).exists(), start
            if program.endswith("/gunicorn"):
                assert args[:2] == ["-c", "site/gunicorn.conf.py"]
                assert (stack.ROOT / args[1]).exists() and args[2] == "config.wsgi"
            else:
                assert args[0] == "manage.py" and (stack.ROOT / "manage.py").exists(), start
                assert args[1] in commands, f"no management command {args[1]}"
    worker = DEPLOY / "systemd" / "civic-worker@.service"
    assert values(worker, "ExecStart")[0].endswith("db_worker --queue-name %i")
    # the queues the settings define, as `make run` starts them
    from django.conf import settings

    assert set(settings.TASKS["default"]["QUEUES"]) == {"default", "exports", "mailings"}
    for path in UNITS:
        if path.suffix == ".timer":
            target = path.with_suffix(".service")
            assert target.exists() and values(target, "Type") == ["oneshot"], path.name


def test_web_unit_stops_gracefully_and_restarts_on_failure():
    web = DEPLOY / "systemd" / "civic-web.service"
    config = runpy.run_path(str(stack.ROOT / "site" / "gunicorn.conf.py"))
    assert int(values(web, "TimeoutStopSec")[0]) > config["graceful_timeout"]
    assert values(web, "KillSignal") == ["SIGTERM"]
    assert values(web, "Restart") == ["on-failure"]
    assert values(web, "Type") == ["notify"]  # gunicorn's sd_notify


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify, with the install path pointing at this repository."""
    for path in UNITS:
        text = path.read_text().replace(ENV_FILE, str(DEPLOY / "civic.env.example"))
        (tmp_path / path.name).write_text(text.replace(INSTALL, str(stack.ROOT)))
    names = [
        str(tmp_path / name.replace("@.service", "@default.service"))
        for name in sorted(p.name for p in UNITS)
    ] + [str(tmp_path / "civic-worker@exports.service")]
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    ours = [line for line in output.splitlines() if "civic" in line]
    assert result.returncode == 0 and not ours, output


def test_nginx_limits_match_the_site():
    from django.conf import settings

    conf = (DEPLOY / "nginx" / "civic.conf").read_text()
    size = re.search(r"^\s*client_max_body_size (\d+)m;", conf, flags=re.MULTILINE)
    limit = int(size.group(1)) * 1024 * 1024
    # nginx refuses only what the site would refuse too; the site's own 413 page
    # (translated) answers the bodies in between
    assert settings.REQUEST_BODY_MAX_SIZE <= limit < settings.REQUEST_BODY_MAX_SIZE + 1024 * 1024
    assert "non_idempotent" not in re.sub(r"#.*", "", conf)
    assert f"alias {INSTALL}/var/static/;" in conf
    assert f"alias {INSTALL}/var/media/documents" not in conf
