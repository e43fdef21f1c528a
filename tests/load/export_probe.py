"""The export section's look inside Django (run by ``bench.py``, one process each).

``export_probe.py csv HOST OUT.json`` downloads the People CSV of the site HOST
through the whole request stack (Django's test client, signed in as a superuser)
and reads the streamed response to the end, without keeping it.

``export_probe.py xlsx HOST OUT.json`` asks for the XLSX of the site HOST as the
People page does (an export job) and runs its task here, as the worker would.

``export_probe.py list HOST OUT.json`` times the People page of the site HOST: the
first page, later pages, searches and filters (the median of a few requests each)
and counts their SQL queries (the time of the slowest, and of each COUNT).

Each prints nothing and writes JSON: the seconds taken, and the process's peak
resident memory before and after the work (``VmHWM``: Django, the models and one
warm-up request are loaded before the first figure, so the difference is what the
work itself needed).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RUNS = 5


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.load.settings")
    # The probe signs in with force_login; a second factor is not what is measured.
    os.environ["ADMIN_2FA_REQUIRED_FOR"] = ""
    import django

    django.setup()


def peak_mib():
    """The process's peak resident memory so far, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _client_and_site(host):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from wagtail.models import Site

    site = Site.objects.get(hostname=host)
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-exports", None, None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client, site, user


def _people(site):
    from membership.models import SignUp, Supporter

    return {
        "people": Supporter.objects.filter(site=site).count(),
        "signups": SignUp.objects.filter(supporter__site=site).count(),
    }


def csv_export(host, out_path):
    from django.urls import reverse

    client, site, _user = _client_and_site(host)
    url = reverse("membership_people_export", args=["csv"])
    warm = client.get(url, {"site": site.pk, "q": "no such person at all"})
    b"".join(warm.streaming_content)
    before = peak_mib()
    started = time.monotonic()
    response = client.get(url, {"site": site.pk})
    first_byte = None
    size = lines = 0
    for piece in response.streaming_content:
        if first_byte is None:
            first_byte = time.monotonic() - started
        size += len(piece)
        lines += piece.count(b"\r\n")
    seconds = time.monotonic() - started
    after = peak_mib()
    result = {
        "status": response.status_code,
        "streaming": response.streaming,
        "seconds": round(seconds, 2),
        "first_byte_s": round(first_byte or 0, 3),
        "bytes": size,
        "rows": lines - 1,
        "peak_rss_before_mib": before,
        "peak_rss_after_mib": after,
        "peak_rss_growth_mib": round(after - before, 1),
        **_people(site),
    }
    Path(out_path).write_text(json.dumps(result))


def xlsx_export(host, out_path):
    from openpyxl import load_workbook

    from membership import exports
    from membership.models import ExportJob

    _client, site, user = _client_and_site(host)
    # warm up: openpyxl loaded, one tiny file written
    warm = ExportJob.objects.create(
        user=user, username=user.get_username(), filters={"q": "no such person at all"}
    )
    warm.sites.set([site])
    exports.build_export.call(warm.pk)
    ExportJob.objects.get(pk=warm.pk).discard()
    before = peak_mib()
    job = ExportJob.objects.create(user=user, username=user.get_username(), filters={})
    job.sites.set([site])
    started = time.monotonic()
    exports.build_export.call(job.pk)
    seconds = time.monotonic() - started
    after = peak_mib()
    job.refresh_from_db()
    size = job.path.stat().st_size if job.state == ExportJob.State.DONE else 0
    checked = {}
    if job.state == ExportJob.State.DONE:
        workbook = load_workbook(job.path, read_only=True)
        sheet = workbook.worksheets[0]
        checked = {
            "sheets": len(workbook.worksheets),
            "header": [cell.value for cell in next(sheet.iter_rows(max_row=1))][:3],
        }
        workbook.close()
    result = {
        "state": job.state,
        "seconds": round(seconds, 2),
        "rows": job.rows,
        "bytes": size,
        **checked,
        "peak_rss_before_mib": before,
        "peak_rss_after_mib": after,
        "peak_rss_growth_mib": round(after - before, 1),
        **_people(site),
    }
    job.discard()
    Path(out_path).write_text(json.dumps(result))


def _listing_cases(site):
    from membership.models import Supporter

    someone = Supporter.objects.filter(site=site, email__isnull=False).order_by("pk").first()
    return [
        ("first page", {}),
        ("page 2", {"p": "2"}),
        ("page 100", {"p": "100"}),
        ("search: a common given name", {"q": someone.given_name if someone else "Arta"}),
        ("search: one family name", {"q": someone.family_name if someone else "x"}),
        ("search: an email address", {"q": someone.email if someone else "x"}),
        ("search: nobody", {"q": "zzzz-nobody"}),
        ("filter: volunteers", {"kind": "volunteer"}),
        ("filter: pending", {"state": "pending"}),
        ("filter: municipality", {"municipality": "prizren"}),
        ("filter: email not sent", {"email": "unsent"}),
    ]


def listing(host, out_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client, site, _user = _client_and_site(host)
    url = reverse("membership_people")
    client.get(url, {"site": site.pk})  # warm-up
    cases = []
    for label, params in _listing_cases(site):
        params = {"site": site.pk, **params}
        timings = []
        for _ in range(RUNS):
            started = time.monotonic()
            response = client.get(url, params)
            timings.append((time.monotonic() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        cases.append(
            {
                "case": label,
                "params": params,
                "status": response.status_code,
                "median_ms": round(statistics.median(timings), 1),
                "max_ms": round(max(timings), 1),
                "queries": len(queries),
                "count_queries_ms": [
                    round(float(q["time"]) * 1000, 1) for q in queries if "COUNT(" in q["sql"]
                ],
                "slowest_query_ms": round(
                    max((float(q["time"]) * 1000 for q in queries), default=0), 1
                ),
            }
        )
    Path(out_path).write_text(json.dumps({"cases": cases, **_people(site)}))


def main(argv):
    commands = {"csv": csv_export, "xlsx": xlsx_export, "list": listing}
    if len(argv) != 4 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    _setup()
    commands[argv[1]](argv[2], argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
