"""gunicorn stopped with SIGTERM while a request is in flight: the request finishes
within graceful_timeout; one that would take longer is cut off and its transaction
rolled back, so no sign-up is ever half-saved."""

import os
import runpy
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
