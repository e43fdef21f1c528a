"""``make bench`` (last part): sending a message to supporters, time and memory.

A fresh database (a SQLite file, or on PostgreSQL with DATABASE_URL a database made
for the run and dropped afterwards) with the production settings; generated people
(addresses at ``generated.invalid``) who agreed to email; a real SMTP server on
loopback (aiosmtpd) that counts what it receives. Each measurement is a process of
its own: it starts the message (``start_sending``, the officer's request: a count),
queues it for everyone (``queue_copies``, the sender's first step) and runs the
sender (``run_mailing``) to the end, over SMTP, at a pace faster than it can go (the
pace is the organisation's choice, 60 a minute by default; this measures the sender
itself).
Printed: seconds to queue and to send (and the sender's CPU seconds, which a busy
machine changes less), per 10,000 messages, and the process's peak
memory growth (``VmHWM`` after minus before), at a tenth of the size and at the size:
flat memory means the two growths are alike.

Environment:
  BENCH_MAILINGS=10000   people (and so messages) at the largest size; "0" leaves it out
  DATABASE_URL=postgres://...  on PostgreSQL (a database BENCH_PG_DATABASE_mailings_xxxx)
  BENCH_KEEP=1           keep the temporary folder
"""

import collections
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HOST = "mailings.localhost"
DOMAIN = "generated.invalid"
FLAT_MIB = 32  # "flat": ten times the people need at most this much more memory


def log(message=""):
    print(message, flush=True)


# --- inside Django (the child processes) ---------------------------------------------


def peak_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup():
    import django

    django.setup()


def seed(count):
    """``count`` more generated people of the bench's organisation, each confirmed
    and agreeing to email; the organisation and a message made on the first call."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage, OrganisationSettings, OrganisationText
    from membership.mailings import Mailing, MailingVersion
    from membership.records import MembershipSettings, SignUp, Supporter

    site = Site.objects.filter(hostname=HOST).first()
    if site is None:
        locale = Locale.objects.get_or_create(language_code="sq")[0]
        home = HomePage(title="Bench", slug="bench-mailings", hero_heading="Bench", locale=locale)
        Page.get_first_root_node().add_child(instance=home)
        home.save_revision().publish()
        site = Site.objects.create(hostname=HOST, port=80, root_page=home, site_name="Bench")
        org = OrganisationSettings.objects.create(site=site, email=f"info@{HOST}")
        OrganisationText.objects.create(
            settings=org, locale=locale, name="Organizata Bench", postal_address="Prishtinë"
        )
        rules = MembershipSettings.for_site(site)
        rules.messages_per_minute = 30000
        rules.save()
    have = Supporter.objects.filter(site=site).count()
    now = timezone.now()
    batch = 2000
    with transaction.atomic():
        for start in range(have, have + count, batch):
            numbers = range(start, min(start + batch, have + count))
            people = Supporter.objects.bulk_create(
                Supporter(
                    site=site,
                    email=f"person{n:07d}@{DOMAIN}",
                    given_name=f"Arta{n}",
                    language="sq",
                    contact_consent_at=now,
                )
                for n in numbers
            )
            SignUp.objects.bulk_create(
                SignUp(supporter=p, kind="membership", state="confirmed", confirmed_at=now)
                for p in people
            )
    if connection.vendor == "postgresql":
        # The planner's statistics, as the autovacuum brings them up to date a while
        # after such a load (membership_seed_people does the same).
        names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Supporter, SignUp))
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {names}")
    mailing = Mailing.objects.create(site=site, name=f"Bench {have + count}")
    MailingVersion.objects.create(
        mailing=mailing,
        language="sq",
        subject="Ftesë për ju, {name}",
        preview_text="Takimi i së shtunës",
        body='<p data-block-key="a">Përshëndetje {name},</p><p data-block-key="b">Ejani te '
        '<a href="/sq/takimi/">takimi</a> të shtunën.</p><ul><li data-block-key="c">ora 10'
        "</li><li>sheshi</li></ul>",
    )
    print(mailing.pk)


def send(mailing_id, out):
    """Queue the message for everyone and send it all; writes the figures."""
    _setup()
    from membership import mailing_send
    from membership.mailings import Mailing

    # The organisation's pace is set to 30,000 a minute (2 ms apart), less than one
    # copy takes: the sender goes as fast as it can.
    mailing = Mailing.objects.select_related("site").get(pk=mailing_id)
    mailing_send.progress(mailing)  # the models and a query warmed up
    before = peak_mib()
    started = time.monotonic()
    mailing_send.start_sending(mailing, None)  # in the officer's request: a count
    start_s = time.monotonic() - started
    started = time.monotonic()
    queued = mailing_send.queue_copies(mailing)  # the sender's first step
    queued_s = time.monotonic() - started
    started, cpu = time.monotonic(), time.process_time()
    sent, rest = mailing_send.run_mailing(mailing_id)
    sent_s, cpu_s = time.monotonic() - started, time.process_time() - cpu
    after = peak_mib()
    mailing.refresh_from_db()
    Path(out).write_text(
        json.dumps(
            {
                "queued": queued,
                "sent": sent,
                "status": mailing.status,
                "progress": mailing_send.progress(mailing),
                "start_s": round(start_s, 2),
                "queue_s": round(queued_s, 2),
                "send_s": round(sent_s, 2),
                "send_cpu_s": round(cpu_s, 2),
                "peak_before_mib": round(before, 1),
                "peak_growth_mib": round(after - before, 1),
            }
        )
    )


# --- the driver -----------------------------------------------------------------------


class Counter:
    """An SMTP server's DATA handler that counts the recipients it received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.counts.update(r.lower() for r in envelope.rcpt_tos)
        return "250 OK"


def run(command, env, *args, title):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *command, *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise SystemExit(f"{title} failed:\n{tail}")
    log(f"  {title}: {time.monotonic() - started:.1f} s")
    return result.stdout


def pg_database(url):
    """A fresh database on the server of ``url``: (its URL, a function dropping it)."""
    import psycopg
    from psycopg import sql

    parsed = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    base = os.environ.get("BENCH_PG_DATABASE", "civic_bench")
    name = f"{base}_mailings_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return urllib.parse.urlunsplit(parsed._replace(path=f"/{name}")), drop


def main():
    from aiosmtpd.controller import Controller

    from tests.deploy.stack import free_port, production_env

    size = int(os.environ.get("BENCH_MAILINGS", "10000") or 0)
    if size <= 0:
        return 0
    sizes = sorted({max(1, size // 10), size})
    tmp = Path(tempfile.mkdtemp(prefix="civic-bench-mailings-"))
    database_url = os.environ.get("DATABASE_URL", "").strip()
    drop = None
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        if database_url:
            database_url, drop = pg_database(database_url)
        env = production_env(
            tmp / "var",
            database_url=database_url or None,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=0,
            EMAIL_TIMEOUT=30,
            DEFAULT_FROM_EMAIL="no-reply@mailings.localhost",
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # the task waits; we send
        )
        engine = "PostgreSQL" if database_url else "SQLite"
        log(f"\nMessages to supporters: up to {size} people, {engine}, SMTP to aiosmtpd")
        run(["manage.py", "migrate", "--noinput", "-v0"], env, title="migrate")
        rows, have = [], 0
        me = str(Path(__file__).resolve())
        for people in sizes:
            mailing_id = run(
                [me, "seed", str(people - have)], env, title=f"{people - have} people"
            ).split()[-1]
            have = people
            out = tmp / f"send-{people}.json"
            counter.counts.clear()
            run([me, "send", mailing_id, str(out)], env, title=f"message to {people}")
            row = json.loads(out.read_text())
            received = counter.counts
            row["smtp_received"] = sum(received.values())
            row["smtp_twice"] = sum(1 for n in received.values() if n > 1)
            per_10k = row["send_s"] * 10_000 / max(1, row["sent"])
            row.update(people=people, send_s_per_10000=round(per_10k, 1))
            rows.append(row)
            log(
                f"  {people} people: the officer's Send {row['start_s']} s; queued by the "
                f"sender in {row['queue_s']} s, sent in {row['send_s']} s "
                f"({row['sent'] / max(row['send_s'], 0.001):.0f} a second; {per_10k:.0f} s per "
                f"10,000; {row['send_cpu_s']} s of CPU), peak memory "
                f"+{row['peak_growth_mib']} MiB"
            )
            log(
                f"    the SMTP server received {row['smtp_received']} messages, "
                f"{row['smtp_twice']} addresses twice"
            )
            if row["sent"] != people or row["status"] != "sent":
                raise SystemExit(f"not every copy went out: {row['progress']}")
        twice = sum(row["smtp_twice"] for row in rows)
        flat = rows[-1]["peak_growth_mib"] - rows[0]["peak_growth_mib"]
        verdict = "flat" if flat <= FLAT_MIB else "NOT flat"
        log(f"  memory: {verdict} (+{flat:.1f} MiB from {sizes[0]} to {sizes[-1]} people)")
        report = REPO / "var" / "bench" / "mailings.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps({"engine": engine, "results": rows}, indent=2))
        return 1 if twice or flat > FLAT_MIB else 0
    finally:
        controller.stop()
        if drop:
            drop()
        if os.environ.get("BENCH_KEEP", "").strip().lower() in {"1", "yes", "true"}:
            log(f"  kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "send":
        send(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
