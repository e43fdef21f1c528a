"""The benchmark's look inside Django (run by ``bench.py`` with the bench settings).

``probe.py discover OUT.json`` finds the URL of each page type to load-test, the
hashed URL of the stylesheet, the pages with sign-up forms and the congress of the
live scenario, and counts the SQL queries of each target in-process with the test
client and the cache of the run: the very first render after emptying the cache, and
a cache hit (the second anonymous request).

``probe.py cold IN.json OUT.json`` (run with ``CACHE_BACKEND=dummy``: Django's
DummyCache, nothing kept anywhere) counts the SQL queries of every page target of
IN.json as each request of the truly cold pass makes them.

``probe.py publish OUTCOME_ID SECONDS EVERY MARKER`` prints ``READY``, waits for
``GO`` on its standard input, then publishes a new revision of that congress outcome
every EVERY seconds for SECONDS seconds (its title carries MARKER and a number), and
prints what it did as JSON.

``probe.py count PREFIX`` counts, in every model of our apps with an e-mail field,
the rows whose e-mail starts with PREFIX, and how many distinct e-mails they hold.
"""

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEMO_HOSTS = ["voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost"]
PAGE_TYPES = [
    ("movement", "movement.MovementPage"),
    ("campaign", "movement.CampaignPage"),
    ("congress", "congress.CongressPage"),
    ("news", "movement.NewsPage"),
]
FORM_PAGE_TYPES = [
    ("join", "membership.JoinPage"),
    ("statement", "movement.CampaignPage"),
]
OUR_APPS = ("membership", "movement", "congress", "home")


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.load.settings")
    import django

    django.setup()


def _model(label):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _page_url(page):
    """(hostname, path) of a live page, or None."""
    from wagtail.models import Site

    parts = page.get_url_parts()
    if not parts:
        return None
    site_id, _root_url, path = parts
    site = Site.objects.filter(pk=site_id).first() if site_id else None
    if site is None:
        return None
    return site.hostname, path


def _first_live(model):
    """A live page of ``model`` in the default language (the one with the most
    children first: a listing is the heavier render)."""
    from django.conf import settings

    pages = model.objects.live().public().filter(locale__language_code=settings.LANGUAGE_CODE)
    candidates = list(pages.order_by("path")[:20])
    return max(candidates, key=lambda p: (p.numchild, -p.depth)) if candidates else None


def _clear_caches():
    """Empty every cache of this run (only our key prefix when the cache is shared)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias, config in settings.CACHES.items():
        cache = caches[alias]
        if hasattr(cache, "delete_pattern"):  # django-redis: the run's prefix only
            cache.delete_pattern("*")
        elif config["BACKEND"].endswith("RedisCache"):
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
            if keys:
                client.delete(*keys)
        else:
            cache.clear()


def cache_backends():
    """The backend of each cache alias, by class name."""
    from django.conf import settings

    return {
        alias: config["BACKEND"].rsplit(".", 1)[-1] for alias, config in settings.CACHES.items()
    }


def _get(host, path):
    from django.test import Client

    client = Client(HTTP_ACCEPT_ENCODING="gzip, br", raise_request_exception=False)
    return client.get(path, HTTP_HOST=host)


def _captured(host, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = _get(host, path)
    return response, [q["sql"] for q in queries.captured_queries]


def measure_queries(host, path):
    """SQL queries of a target with the cache of the run: the first render after
    emptying the cache, and the second anonymous request (a page cache hit)."""
    _clear_caches()
    first, queries = _captured(host, path)
    result = {"status": first.status_code, "queries_first": len(queries)}
    second, queries = _captured(host, path)
    result["queries_hit"] = len(queries)
    result["x_cache"] = [first.get("X-Cache"), second.get("X-Cache")]
    result["cacheable"] = second.get("X-Cache") == "HIT"
    return result


def measure_tracking(host, bare_path, path):
    """A URL with tracking parameters must be answered by the cached bare page: after
    one request for the bare URL, the tracked URL (and one with other tracking
    values) are hits without SQL."""
    _clear_caches()
    bare, queries = _captured(host, bare_path)
    result = {"status": bare.status_code, "queries_first": len(queries)}
    tracked, queries = _captured(host, path)
    result["queries_hit"] = len(queries)
    separator = "&" if "?" in path else "?"
    other, _ = _captured(host, f"{path}{separator}fbclid=abc&utm_medium=email")
    result["x_cache"] = [bare.get("X-Cache"), tracked.get("X-Cache"), other.get("X-Cache")]
    result["status_tracked"] = tracked.status_code
    result["cacheable"] = tracked.get("X-Cache") == "HIT" and other.get("X-Cache") == "HIT"
    return result


def measure_cold(host, path):
    """SQL queries of a render with nothing kept in any cache (DummyCache): the
    first request of the process, and the next one (what every request of the truly
    cold pass costs once the process has loaded what Django keeps in memory)."""
    from tests.load.benchlib import normalise_sql

    first, queries = _captured(host, path)
    result = {"status": first.status_code, "queries_process_first": len(queries)}
    second, queries = _captured(host, path)
    result["queries_cold"] = len(queries)
    result["x_cache"] = [first.get("X-Cache"), second.get("X-Cache")]
    repeated = Counter(normalise_sql(sql) for sql in queries)
    result["repeated_queries"] = [
        {"count": n, "sql": sql if len(sql) <= 400 else f"{sql[:100]} ... {sql[-300:]}"}
        for sql, n in repeated.most_common(3)
        if n > 1
    ]
    return result


def _live_congress(notes):
    """The congress of the live scenario: a live congress page of kosovowewant.localhost
    with a live outcome in the default language, its home page, and a page of another
    organisation (voltkosova.localhost's home) that must stay cached meanwhile."""
    from django.conf import settings
    from wagtail.models import Site

    site = Site.objects.filter(hostname="kosovowewant.localhost").first()
    other = Site.objects.filter(hostname="voltkosova.localhost").first()
    congress_model = _model("congress.CongressPage")
    outcome_model = _model("congress.Outcome")
    if site is None or other is None or congress_model is None or outcome_model is None:
        notes.append("live congress: no kosovowewant/voltkosova site or no congress models")
        return None
    pages = (
        congress_model.objects.live()
        .public()
        .descendant_of(site.root_page)
        .filter(locale__language_code=settings.LANGUAGE_CODE)
        .order_by("path")
    )
    for page in pages:
        outcome = (
            outcome_model.objects.filter(congress=page, live=True, locale=page.locale)
            .order_by("pk")
            .first()
        )
        url = _page_url(page)
        home = _page_url(site.root_page.specific)
        other_home = _page_url(other.root_page.specific)
        if outcome and url and home and other_home:
            return {
                "host": url[0],
                "congress_path": url[1],
                "home_path": home[1],
                "outcome_id": outcome.pk,
                "outcome_title": outcome.title,
                "other_host": other_home[0],
                "other_path": other_home[1],
            }
    notes.append("live congress: no live congress page with a live outcome on kosovowewant")
    return None


def discover(out_path):
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from wagtail.models import Site

    notes, targets, form_pages = [], [], []
    default_host = DEMO_HOSTS[0]

    targets.append(
        {
            "key": "trivial",
            "label": "trivial view (2 KB)",
            "host": "127.0.0.1",
            "path": "/__bench/trivial/",
            "kind": "trivial",
            "expect": 200,
        }
    )
    for host in DEMO_HOSTS:
        site = Site.objects.filter(hostname=host).first()
        if site is None:
            notes.append(f"no demo site {host}: skipped")
            continue
        url = _page_url(site.root_page.specific)
        if url:
            targets.append(
                {
                    "key": f"home:{host.split('.')[0]}",
                    "label": f"home {host}",
                    "host": host,
                    "path": url[1],
                    "kind": "page",
                    "page_type": "home.HomePage",
                    "expect": 200,
                }
            )
            if host == default_host:
                targets.append(
                    {
                        "key": f"home:{host.split('.')[0]}+utm",
                        "label": f"home {host} ?utm_source=...",
                        "host": host,
                        "path": f"{url[1]}?utm_source=x",
                        "bare_path": url[1],
                        "kind": "tracking",
                        "page_type": "home.HomePage",
                        "expect": 200,
                    }
                )
    for key, label in PAGE_TYPES:
        model = _model(label)
        if model is None:
            notes.append(f"{label} does not exist (yet): {key} target skipped")
            continue
        page = _first_live(model)
        url = _page_url(page) if page else None
        if not url:
            notes.append(f"no live {label} in {settings.LANGUAGE_CODE} after load_demo: skipped")
            continue
        targets.append(
            {
                "key": key,
                "label": f"{label.split('.')[1]} {url[1]}",
                "host": url[0],
                "path": url[1],
                "kind": "page",
                "page_type": label,
                "expect": 200,
            }
        )
    query = os.environ.get("BENCH_SEARCH_QUERY", "Kosova")
    from urllib.parse import quote

    targets.append(
        {
            "key": "search",
            "label": f"search ?q={query}",
            "host": default_host,
            "path": f"/{settings.LANGUAGE_CODE}/search/?q={quote(query)}",
            "kind": "search",
            "expect": 200,
        }
    )
    try:
        css = staticfiles_storage.url("css/site.css")
        targets.append(
            {
                "key": "static",
                "label": "static css/site.css",
                "host": default_host,
                "path": css,
                "kind": "static",
                "expect": 200,
            }
        )
    except ValueError as error:
        notes.append(f"css/site.css is not in the static manifest ({error}): skipped")
    targets.append(
        {
            "key": "404",
            "label": "404 page",
            "host": default_host,
            "path": f"/{settings.LANGUAGE_CODE}/bench-no-such-page/",
            "kind": "404",
            "expect": 404,
        }
    )

    for key, label in FORM_PAGE_TYPES:
        model = _model(label)
        if model is None:
            notes.append(f"{label} does not exist (yet): sign-up target {key} skipped")
            continue
        pages = model.objects.live().public().filter(locale__language_code=settings.LANGUAGE_CODE)
        for page in pages.order_by("path")[:10]:
            url = _page_url(page)
            if url and key == "statement" and hasattr(page, "statement_sign_url"):
                # the statement is signed on a page of its own (a link from the campaign)
                if not getattr(page, "has_statement", True):
                    continue
                url = (url[0], urlsplit(page.statement_sign_url()).path)
            if url:
                form_pages.append({"key": key, "page_type": label, "host": url[0], "path": url[1]})
        if not any(p["key"] == key for p in form_pages):
            notes.append(f"no live {label} after load_demo: sign-up target {key} skipped")

    for target in targets:
        try:
            if target["kind"] == "tracking":
                target["sql"] = measure_tracking(
                    target["host"], target["bare_path"], target["path"]
                )
            else:
                target["sql"] = measure_queries(target["host"], target["path"])
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            target["sql"] = {"error": f"{type(error).__name__}: {error}"}
    _clear_caches()

    backend = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    result = {
        "targets": targets,
        "form_pages": form_pages,
        "live_congress": _live_congress(notes),
        "notes": notes,
        "database": backend,
        "cache": cache_backends(),
    }
    Path(out_path).write_text(json.dumps(result, indent=2))


def cold(in_path, out_path):
    """SQL of every page target with DummyCache (``CACHE_BACKEND=dummy``)."""
    backends = cache_backends()
    result = {"cache": backends, "sql": {}}
    if any(backend != "DummyCache" for backend in backends.values()):
        result["error"] = f"CACHE_BACKEND=dummy gave {backends}, not DummyCache everywhere"
    else:
        for target in json.loads(Path(in_path).read_text())["targets"]:
            if target["kind"] not in {"page", "trivial"}:
                continue
            try:
                result["sql"][target["key"]] = measure_cold(target["host"], target["path"])
            except Exception as error:  # noqa: BLE001 - reported, the run goes on
                result["sql"][target["key"]] = {"error": f"{type(error).__name__}: {error}"}
    Path(out_path).write_text(json.dumps(result, indent=2))


def publish(outcome_id, seconds, every, marker):
    """Publish a new revision of an outcome every ``every`` seconds for ``seconds``,
    starting when ``GO`` arrives on stdin (nothing happens if it never does)."""
    from django.apps import apps

    outcome_model = apps.get_model("congress.Outcome")
    base_title = outcome_model.objects.get(pk=outcome_id).title
    print("READY", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return
    started = time.monotonic()
    events, number, title = [], 0, None
    while number * every < seconds:
        time.sleep(max(0.0, started + number * every - time.monotonic()))
        number += 1
        title = f"{base_title} [{marker}-{number}]"[-250:]
        begun = time.monotonic()
        event = {"at_s": round(begun - started, 2), "title": title}
        try:
            outcome = outcome_model.objects.get(pk=outcome_id)
            outcome.title = title
            outcome.save_revision().publish()
        except Exception as error:  # noqa: BLE001 - reported by the bench
            event["error"] = f"{type(error).__name__}: {error}"
        event["took_ms"] = round((time.monotonic() - begun) * 1000, 1)
        events.append(event)
    print(json.dumps({"published": events, "last_title": title}), flush=True)


def _email_fields(model):
    from django.db import models

    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.EmailField)
        or (isinstance(field, models.CharField) and field.name.split("_")[-1] == "email")
    ]


def count(prefix):
    """Rows holding an e-mail that starts with ``prefix`` ("people": each must be
    there once), and rows of models pointing at them ("related": sign-ups, consents,
    audit entries; reported, not judged)."""
    from django.apps import apps

    people, related = {}, {}
    models_ = [
        model
        for app_label in OUR_APPS
        if app_label in {c.label for c in apps.get_app_configs()}
        for model in apps.get_app_config(app_label).get_models()
    ]
    email_models = {}
    for model in models_:
        for field in _email_fields(model):
            rows = model._default_manager.filter(**{f"{field.name}__startswith": prefix})
            total = rows.count()
            if total:
                email_models[model] = field.name
                distinct = rows.values(field.name).distinct().count()
                people[f"{model._meta.label}.{field.name}"] = {"rows": total, "distinct": distinct}
    for model in models_:
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            if not field.many_to_one or target not in email_models:
                continue
            lookup = f"{field.name}__{email_models[target]}__startswith"
            rows = model._default_manager.filter(**{lookup: prefix})
            total = rows.count()
            if total:
                distinct = rows.values(field.name).distinct().count()
                related[f"{model._meta.label}.{field.name}"] = {
                    "rows": total,
                    "distinct": distinct,
                }
    print(json.dumps({"people": people, "related": related}))


def main(argv):
    _setup()
    if len(argv) == 3 and argv[1] == "discover":
        discover(argv[2])
    elif len(argv) == 4 and argv[1] == "cold":
        cold(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "publish":
        publish(int(argv[2]), float(argv[3]), float(argv[4]), argv[5])
    elif len(argv) == 3 and argv[1] == "count":
        count(argv[2])
    else:
        print(
            "usage: probe.py discover OUT.json | cold IN.json OUT.json | "
            "publish OUTCOME_ID SECONDS EVERY MARKER | count PREFIX",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
