"""Two app servers behind nginx, sharing PostgreSQL, Redis and the S3 server, plus
one worker: what adding an app server must not break (docs/deployment.md, "Adding
app servers").

Both servers run the production settings with the same environment, except their
own VAR_DIR (so nothing is shared through a local disk), behind the shipped nginx
site file with both in its upstream. They use the suite's test database (already
migrated; each test makes its content and the flush after it removes it), the
suite's Redis (a key prefix of their own) and a SeaweedFS S3 server.

Runs when the suite runs on PostgreSQL with Redis (as CI does); skipped on SQLite,
which is one file on one machine and cannot be shared by two servers.
"""

import collections
import http.client
import io
import re
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiosmtpd import controller as aiosmtpd_controller
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django_tasks_db.models import DBTaskResult

from home.models import SiteRole
from home.roles import ensure_site_roles, site_collection
from membership.models import SignUp, Supporter
from tests.deploy import stack
from tests.deploy.s3 import s3_server  # noqa: F401 - a fixture
from tests.deploy.test_worker import Sink, database_url, wait_for
from tests.load import benchlib
from tests.membership import conftest as membership_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

join_page = membership_fixtures.join_page
HOST = "org-a.example"
PASSWORD = "scale-out-password-1"  # noqa: S105 - a test account's
RATE_LIMIT = 11  # sign-ups per client address and 10 minutes, on every server together
THREADS = 20


def _requirements():
    if connection.vendor != "postgresql":
        pytest.skip("two app servers need a shared database: run the suite on PostgreSQL")
    if not django_settings.REDIS_URL:
        pytest.skip("two app servers share their caches in Redis: set REDIS_URL")
    stack.require_nginx()


class Cluster:
    def __init__(self, env, servers, nginx, tmp):
        self.env = env
        self.a, self.b = servers
        self.nginx = nginx
        self.tmp = tmp

    def reset_caches(self):
        """The servers' keys in Redis: page cache, Wagtail's site lookups, rate-limit
        counts (each test makes new sites and pages in a freshly flushed database)."""
        stack.clear_redis(self.env)


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory, request):
    _requirements()
    s3 = request.getfixturevalue("s3_server")  # started only when it is needed
    tmp = tmp_path_factory.mktemp("scale")
    bucket = "scale-media"
    s3.create_bucket(bucket)
    env = stack.production_env(
        tmp / "var-a",
        database_url=database_url(),
        redis_url=django_settings.REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost,.localhost,.example",
        STATIC_ROOT=tmp / "static",
        MEMBERSHIP_MIN_FORM_SECONDS=0,  # the test posts at once: no "too fast" trap
        MEMBERSHIP_ADDRESS_RATE_LIMIT_COUNT=RATE_LIMIT,
        MEMBERSHIP_ADDRESS_RATE_LIMIT_SECONDS=600,
        ADMIN_2FA_REQUIRED_FOR="superuser,membership_officer",
        **s3.env(bucket),
    )
    stack.manage(env, "collectstatic", "--noinput", "-v0")
    env_b = env | {"VAR_DIR": str(tmp / "var-b"), "MEDIA_ROOT": str(tmp / "var-b" / "media")}
    servers = [
        stack.Gunicorn(env, tmp, name="a", workers=1),
        stack.Gunicorn(env_b, tmp, name="b", workers=1),
    ]
    nginx = None
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(timeout=90), servers))
        nginx = stack.Nginx(
            tmp,
            [server.port for server in servers],
            static_root=env["STATIC_ROOT"],
            media_root=env["MEDIA_ROOT"],
        ).start()
        yield Cluster(env, servers, nginx, tmp)
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop(timeout=10)
        stack.clear_redis(env)


def get(url, path, **kwargs):
    return stack.request(url, path, host=HOST, **kwargs)


def path_of(page):
    return urllib.parse.urlsplit(page.full_url).path


# -- the page cache ---------------------------------------------------------------------


def editor(org):
    # Hashed as the production settings hash (the suite's fast MD5 hasher is not
    # among theirs).
    hasher = PBKDF2PasswordHasher()
    user = get_user_model().objects.create(
        username="scale-editor",
        email="editor@example.org",
        password=hasher.encode(PASSWORD, hasher.salt()),
    )
    user.groups.add(ensure_site_roles(org.site)[SiteRole.EDITOR])
    return user


def admin_session(server):
    """A signed-in admin session on one server (the login form, as a person uses it)."""
    import requests

    session = requests.Session()
    session.headers["Host"] = HOST
    login = session.get(f"{server.url}/admin/login/", timeout=20)
    assert login.status_code == 200, login.text[:300]
    done = session.post(
        f"{server.url}/admin/login/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "username": "scale-editor",
            "password": PASSWORD,
            "next": "/admin/",
        },
        headers={"Referer": f"{server.url}/admin/login/"},
        allow_redirects=False,
        timeout=20,
    )
    assert done.status_code == 302, done.text[:500]
    return session


def csrf_of(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_page_published_through_server_a_is_served_fresh_by_server_b(cluster, org, standard_page):
    page, _ = standard_page
    editor(org)
    cluster.reset_caches()
    path = path_of(page)

    status, headers, body = get(cluster.b.url, path)
    assert (status, headers.get("x-cache")) == (200, "MISS"), (status, headers, path)
    assert b"Rreth nesh" in body
    # Server A has never rendered it: it serves B's copy from the shared cache.
    status, headers, body = get(cluster.a.url, path)
    assert status == 200 and headers["x-cache"] == "HIT"

    # A draft, then "Publish" in A's admin (the bulk action of the page listing).
    draft = page.specific
    draft.title = "Rreth nesh, e re"
    draft.save_revision()
    status, _, body = get(cluster.b.url, path)
    assert b"Rreth nesh, e re" not in body  # a draft changes nothing public
    session = admin_session(cluster.a)
    action = f"{cluster.a.url}/admin/bulk/wagtailcore/page/publish/?id={page.pk}"
    confirm = session.get(action, timeout=20)
    assert confirm.status_code == 200, confirm.text[:300]
    published = session.post(
        action,
        data={"csrfmiddlewaretoken": csrf_of(confirm.text)},
        headers={"Referer": action},
        allow_redirects=False,
        timeout=30,
    )
    assert published.status_code == 302, published.text[:500]
    page.refresh_from_db()
    assert page.title == "Rreth nesh, e re"

    # The very next request to B (and through the proxy) shows it.
    status, headers, body = get(cluster.b.url, path)
    assert status == 200 and headers["x-cache"] == "MISS"
    assert b"Rreth nesh, e re" in body
    status, headers, body = get(cluster.nginx.url, path)
    assert headers["x-cache"] == "HIT" and b"Rreth nesh, e re" in body


# -- media on S3 ------------------------------------------------------------------------


def png(width=240, height=160):
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_uploaded_through_server_a_renders_through_server_b(cluster, org):
    from wagtail.images import get_image_model

    editor(org)
    cluster.reset_caches()
    session = admin_session(cluster.a)
    form = session.get(f"{cluster.a.url}/admin/images/add/", timeout=20)
    assert form.status_code == 200, form.text[:300]
    uploaded = session.post(
        f"{cluster.a.url}/admin/images/add/",
        data={
            "csrfmiddlewaretoken": csrf_of(form.text),
            "title": "Tubim në shesh",
            "collection": site_collection(org.site).pk,
            "tags": "",
        },
        files={"file": ("tubim.png", png(), "image/png")},
        headers={"Referer": f"{cluster.a.url}/admin/images/add/"},
        allow_redirects=False,
        timeout=60,
    )
    assert uploaded.status_code == 302, uploaded.text[:800]
    image = get_image_model().objects.get(title="Tubim në shesh")
    # On the object store, not on A's disk.
    assert not any(Path(cluster.env["MEDIA_ROOT"]).rglob("tubim*"))

    home = org.home_sq
    home.hero_image = image
    home.save_revision().publish()
    cluster.reset_caches()
    status, _, body = get(cluster.b.url, path_of(home))
    assert status == 200
    html = body.decode()
    endpoint = cluster.env["AWS_S3_ENDPOINT_URL"]
    sources = re.findall(rf"{re.escape(endpoint)}/\S+?\.(?:avif|webp|jpe?g|png)", html)
    assert sources, html[:2000]
    for url in set(sources):
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - loopback
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/")
            assert len(response.read()) > 100


# -- sign-ups ---------------------------------------------------------------------------


class Visitor:
    """One person's browser at its own loopback address (127.0.0.x: nginx sees a
    different client for each). Each sign-up loads the form, then posts it, as a
    person does: the form's time token is good for one submission (and the same
    submission sent again)."""

    def __init__(self, cluster, address, path):
        self.cluster = cluster
        self.address = address
        self.path = path
        self.cookie = None
        self.sent = {}  # unique -> (email, body) of what was posted

    def request(self, method, path, body=None, headers=None):
        port = urllib.parse.urlsplit(self.cluster.nginx.url).port
        conn = http.client.HTTPConnection(
            stack.LOOPBACK, port, timeout=30, source_address=(self.address, 0)
        )
        try:
            conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()

    def load_form(self):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        status, headers, body = self.request("GET", self.path, headers=headers)
        assert status == 200, (status, body[:300])
        form = benchlib.signup_form(benchlib.parse_forms(body.decode()))
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
        if cookie:
            self.cookie = f"csrftoken={cookie.group(1)}"
        token = next(f["value"] for f in form["fields"] if f["name"] == "csrfmiddlewaretoken")
        action = urllib.parse.urljoin(self.path, form["action"] or self.path)
        return action, benchlib.encode_form(benchlib.fill_form(form, "scale"), token)

    def sign_up(self, unique, again=False):
        """Load the form and post it with an address made of ``unique`` (``again``:
        post exactly what was posted for it before): (email, status or the name of
        the error)."""
        try:
            if again:
                email, action, body = self.sent[unique]
            else:
                action, template = self.load_form()
                body = template.replace(benchlib.UNIQUE_PLACEHOLDER, unique)
                email = urllib.parse.parse_qs(body)["email"][0]
                self.sent[unique] = (email, action, body)
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
            status, _headers, _page = self.request("POST", action, body, headers)
        except (OSError, http.client.HTTPException) as error:
            return (email if "email" in locals() else unique), type(error).__name__
        return email, status


def accepted(status):
    return isinstance(status, int) and 200 <= status < 400


def stored_emails():
    return set(Supporter.objects.values_list("email", flat=True))


def upstream_counts(cluster, method="POST"):
    """Requests each app server answered, from their access logs."""
    counts = {}
    for server in (cluster.a, cluster.b):
        log = server.log_path.read_text(errors="replace")
        counts[server.name] = len(re.findall(rf'"{method} [^"]*" 30[23]', log))
    return counts


def test_concurrent_sign_ups_over_both_servers_are_stored_once_with_one_shared_limit(
    cluster, org, join_page
):
    page, _ = join_page
    cluster.reset_caches()
    path = path_of(page)
    visitors = [Visitor(cluster, f"127.0.0.{10 + number}", path) for number in range(THREADS)]

    def run(visitor):
        number = visitor.address.rsplit(".", 1)[1]
        results = [visitor.sign_up(f"v{number}n{count}") for count in range(10)]
        results.append(visitor.sign_up(f"v{number}n0", again=True))  # a double click
        results.append(visitor.sign_up(f"v{number}n99"))  # one over the limit
        return results

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(run, visitors))

    statuses = collections.Counter(status for results in outcomes for _, status in results)
    assert statuses == {302: THREADS * RATE_LIMIT, 429: THREADS}, statuses
    first_ten = {email for results in outcomes for email, _ in results[:10]}
    assert len(first_ten) == 200
    assert stored_emails() == first_ten  # each once; the one over the limit not at all
    assert SignUp.objects.count() == 200
    served = upstream_counts(cluster)
    assert served["a"] > 50 and served["b"] > 50, served  # both took their share


def test_an_app_server_killed_mid_load_loses_no_accepted_sign_up(cluster, org, join_page):
    page, _ = join_page
    cluster.reset_caches()
    path = path_of(page)
    visitors = [Visitor(cluster, f"127.0.1.{10 + number}", path) for number in range(THREADS)]
    done = collections.Counter()
    lock = threading.Lock()
    finished_at = {}

    def run(visitor):
        number = visitor.address.rsplit(".", 1)[1]
        results = []
        for count in range(8):
            email, status = visitor.sign_up(f"k{number}n{count}")
            with lock:
                done["n"] += 1
                finished_at[email] = (time.monotonic(), status)
            results.append((email, status))
        return results

    killed_at = []

    def killer():
        wait_for(lambda: done["n"] >= 40, 60, "40 answers")
        cluster.a.kill()  # SIGKILL: a crash, mid-request
        killed_at.append(time.monotonic())

    try:
        with ThreadPoolExecutor(THREADS + 1) as pool:
            kill = pool.submit(killer)
            outcomes = [r for results in pool.map(run, visitors) for r in results]
            kill.result()
        assert not cluster.a.running
        stored = stored_emails()
        ok = [email for email, status in outcomes if accepted(status)]
        failed = [(email, status) for email, status in outcomes if not accepted(status)]
        # Every sign-up the visitor was told went through is stored.
        assert set(ok) <= stored
        assert len(ok) >= len(outcomes) - THREADS, failed  # at most the ones A held
        assert all(status in (502, 504) or isinstance(status, str) for _, status in failed)
        # The proxy routes around the dead server: what was sent well after the kill
        # went through.
        later = [s for at, s in finished_at.values() if at > killed_at[0] + 2]
        assert all(accepted(status) for status in later), later
        status, _, _ = get(cluster.nginx.url, path)
        assert status == 200
    finally:
        if not cluster.a.running:
            cluster.a.start(timeout=90)


# -- the worker -------------------------------------------------------------------------


def test_the_worker_killed_mid_queue_sends_each_email_once_after_a_restart(cluster, org, join_page):
    """The sign-ups of the servers are queued in the database; the one worker is
    killed while the mail server has its 15th email and has not answered yet
    (tests/deploy/test_worker.py covers a kill at any moment)."""
    page, _ = join_page
    cluster.reset_caches()
    path = path_of(page)
    visitors = [Visitor(cluster, f"127.0.2.{10 + number}", path) for number in range(10)]
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(
            pool.map(lambda v: [v.sign_up(f"w{v.address[-2:]}n{c}") for c in range(4)], visitors)
        )
    emails = {email for results in outcomes for email, status in results if status == 302}
    assert len(emails) == 40
    assert DBTaskResult.objects.filter(status="READY").count() == 40

    sink = Sink(hold_at=15)
    controller = aiosmtpd_controller.Controller(sink, hostname="127.0.0.1", port=stack.free_port())
    controller.start()
    env = cluster.env | {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "60",
    }
    workers = []
    try:
        workers.append(stack.Worker(env, cluster.tmp, name="first", interval=0.1).start())
        assert sink.holding.wait(60), workers[0].log_tail()
        workers[0].kill()
        sink.release.set()
        stuck = sink.received[14][0]
        workers.append(stack.Worker(env, cluster.tmp, name="second", interval=0.1).start())
        wait_for(
            lambda: (
                sink.total() >= 40
                and not DBTaskResult.objects.filter(status="READY").exists()
                and DBTaskResult.objects.filter(status="RUNNING").count() == 1
            ),
            60,
            "the queue to drain",
        )
        sent = stack.manage(env, "membership_send_emails", "--older-than", "0").stdout
        assert sent.strip() == "0 confirmation emails sent"
    finally:
        for worker in workers:
            worker.kill()
        sink.release.set()
        controller.stop()
    counts = sink.counts()
    assert set(counts) == emails and set(counts.values()) == {1}, counts.most_common(3)
    left = dict(SignUp.objects.values_list("supporter__email", "email_status"))
    assert left.pop(stuck) == SignUp.EmailStatus.SENDING  # maybe sent: not repeated
    assert set(left.values()) == {SignUp.EmailStatus.SENT}
