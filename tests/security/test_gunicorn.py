"""gunicorn stopped with SIGTERM while a request is in flight: the request finishes
within graceful_timeout; one that would take longer is cut off and its transaction
rolled back, so no sign-up is ever half-saved."""

import os
import runpy
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rows(db):
    with sqlite3.connect(db) as conn:
        return [step for (step,) in conn.execute("SELECT step FROM signups ORDER BY id")]


def start(tmp_path, graceful_timeout):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this environment")
    db = tmp_path / "signups.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE signups (id INTEGER PRIMARY KEY, step TEXT)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "tests.security.gunicorn_settings",
        "GUNICORN_TEST_DB": str(db),
        "GUNICORN_TEST_MARKER": str(tmp_path / "marker"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_GRACEFUL_TIMEOUT": str(graceful_timeout),
        "GUNICORN_ACCESSLOG": "-",
        "VAR_DIR": str(tmp_path / "var"),
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed by the caller
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "site/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base}/ping/", timeout=2) as response:
                if response.status == 200:
                    return process, base, db, log
        except OSError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    log.close()
    output = (tmp_path / "gunicorn.log").read_text(errors="replace")[-2000:]
    pytest.skip(f"gunicorn could not start here: {output}")


def request_in_background(url):
    result = {}

    def run():
        try:
            with urllib.request.urlopen(url, timeout=20) as response:
                result["status"] = response.status
                result["body"] = response.read().decode()
        except Exception as exc:  # the connection cut off by the server
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def wait_for(path, seconds=10):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the request never started"
        time.sleep(0.05)


def stop(process, log):
    try:
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def sigterm_during_slow_request(tmp_path, graceful_timeout, seconds):
    """SIGTERM while a request that takes ``seconds`` is halfway; (result, process, db)."""
    process, base, db, log = start(tmp_path, graceful_timeout=graceful_timeout)
    try:
        thread, result = request_in_background(f"{base}/slow/?seconds={seconds}")
        wait_for(tmp_path / "marker")
        process.send_signal(signal.SIGTERM)
        thread.join(timeout=15)
    finally:
        stop(process, log)
    return result, process, db


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    started = time.monotonic()
    result, process, db = sigterm_during_slow_request(tmp_path, graceful_timeout=10, seconds=2)
    assert result.get("status") == 200, result
    assert result["body"] == "saved"
    assert process.returncode == 0
    assert rows(db) == ["first half", "second half"]
    assert time.monotonic() - started < 30


def test_request_longer_than_the_grace_period_is_cut_off_and_saves_nothing(tmp_path):
    started = time.monotonic()
    result, _process, db = sigterm_during_slow_request(tmp_path, graceful_timeout=1, seconds=8)
    assert "error" in result, result
    assert rows(db) == []
    assert time.monotonic() - started < 30


def test_configured_grace_period_covers_a_sign_up():
    config = runpy.run_path(str(ROOT / "site" / "gunicorn.conf.py"))
    assert config["graceful_timeout"] >= 10
    assert config["timeout"] >= config["graceful_timeout"]


# -- what reaches a worker ----------------------------------------------------------------


def test_gunicorn_listens_on_loopback_unless_told_otherwise(monkeypatch):
    """Slow clients must meet a buffering proxy (nginx), not the few sync workers."""
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    config = runpy.run_path(str(ROOT / "site" / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"
    assert config["limit_request_line"] == 4094
    assert config["limit_request_fields"] == 50
    assert config["limit_request_field_size"] == 8190


def make_run(*args):
    """The commands `make run` would run (printed, not run)."""
    unset = {"HOST", "PORT", "WAGTAILADMIN_BASE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_run_serves_on_loopback_and_links_to_its_own_address():
    command = make_run()
    assert "GUNICORN_BIND=127.0.0.1:8000 " in command
    assert "WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:8000}" in command
    command = make_run("HOST=0.0.0.0", "PORT=8081")
    assert "GUNICORN_BIND=0.0.0.0:8081 " in command
    assert "WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:8081}" in command


def send(port, data):
    """Send raw bytes and read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_gunicorn_refuses_oversized_requests_at_once(tmp_path):
    """A body announced larger than any upload gets 413 before a byte of it is sent;
    a request line or headers beyond the limits get 414 or 431 from gunicorn. The
    single worker is free again at once."""
    process, base, _db, log = start(tmp_path, graceful_timeout=5)
    port = int(base.rsplit(":", 1)[1])
    try:
        started = time.monotonic()
        answer = send(
            port,
            b"POST /ping/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data;"
            b" boundary=x\r\nContent-Length: 100000000\r\n\r\n",
        )
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert "Ajo që dërguat është shumë e madhe".encode() in answer
        long_line = b"GET /ping/?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        assert send(port, long_line).startswith(b"HTTP/1.1 414 ")
        headers = b"".join(b"X-Header-%d: x\r\n" % n for n in range(60))
        many = b"GET /ping/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n"
        answer = send(port, many)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]
        with urllib.request.urlopen(f"{base}/ping/", timeout=5) as response:
            assert response.status == 200
        assert time.monotonic() - started < 10
    finally:
        process.send_signal(signal.SIGTERM)
        stop(process, log)
