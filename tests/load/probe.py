"""The benchmark's look inside Django (run by ``bench.py`` with the bench settings).

``probe.py discover OUT.json`` finds the URL of each page type to load-test, the
hashed URL of the stylesheet and the pages with sign-up forms, and counts the SQL
queries of each target in-process with the test client: a cold render (page cache
off, as with PAGE_CACHE_SECONDS=0), the very first render after emptying the caches,
and a cache hit (the second anonymous request with the page cache on).

``probe.py count PREFIX`` counts, in every model of our apps with an e-mail field,
the rows whose e-mail starts with PREFIX, and how many distinct e-mails they hold.
"""

import json
import os
import sys
from collections import Counter
from pathlib import Path

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
    """Empty this run's cache (only our key prefix when the cache is shared)."""
    from django.conf import settings
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        pattern = cache.make_key("*")
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


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
    """SQL queries of a target: first render, cold render and cache hit."""
    from django.test.utils import override_settings

    from home.cache import invalidate_page_cache
    from tests.load.benchlib import normalise_sql

    result = {}
    with override_settings(PAGE_CACHE_SECONDS=0):
        _clear_caches()
        response, queries = _captured(host, path)
        result["status"] = response.status_code
        result["queries_first"] = len(queries)
        response, queries = _captured(host, path)
        result["queries_cold"] = len(queries)
        repeated = Counter(normalise_sql(sql) for sql in queries)
        result["repeated_queries"] = [
            {"count": n, "sql": sql[:300]} for sql, n in repeated.most_common(3) if n > 1
        ]
    invalidate_page_cache()
    first, _ = _captured(host, path)
    second, queries = _captured(host, path)
    result["queries_hit"] = len(queries)
    result["x_cache"] = [first.get("X-Cache"), second.get("X-Cache")]
    result["cacheable"] = second.get("X-Cache") == "HIT"
    return result


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
            if url:
                form_pages.append({"key": key, "page_type": label, "host": url[0], "path": url[1]})
        if not any(p["key"] == key for p in form_pages):
            notes.append(f"no live {label} after load_demo: sign-up target {key} skipped")

    for target in targets:
        try:
            target["sql"] = measure_queries(target["host"], target["path"])
        except Exception as error:  # noqa: BLE001 - reported, the run goes on
            target["sql"] = {"error": f"{type(error).__name__}: {error}"}
    _clear_caches()

    backend = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    result = {
        "targets": targets,
        "form_pages": form_pages,
        "notes": notes,
        "database": backend,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }
    Path(out_path).write_text(json.dumps(result, indent=2))


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
    elif len(argv) == 3 and argv[1] == "count":
        count(argv[2])
    else:
        print("usage: probe.py discover OUT.json | probe.py count PREFIX", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
