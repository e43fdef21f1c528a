"""``make lighthouse``: Lighthouse (mobile) scores of every page type of the demo.

Run it against a running ``make run`` (same ``PORT``, same database): it picks one live
page of each page type (Albanian, plus the English home page and a search results
page), runs Lighthouse on each with Debian's Chromium, one after the other, and prints
the four category scores. Audits that cost points are listed under a page that falls
below the minimum; the exit status is 1 when any score does.

Lighthouse comes from the npm registry through ``npx`` (Node.js and npm from Debian:
``apt-get install nodejs npm``); the first run downloads it.

Environment (all optional):
  LIGHTHOUSE_MIN=95            the lowest acceptable score of each category
  LIGHTHOUSE_ONLY=news,search  only the page types whose name contains one of these
  LIGHTHOUSE_JSON=var/lighthouse  where the full JSON report of each page is kept
  LIGHTHOUSE_VERSION=12.8.2    the Lighthouse release npx runs
  CHROME_PATH=/usr/bin/chromium
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
# Points lost on purpose: robots.txt keeps search results out of search engines.
EXPECTED = {"search": {"is-crawlable": "robots.txt keeps search results out of search engines"}}


def page_urls():
    """[(page type, absolute URL)]: the first live Albanian page of each page type of
    the default site, else of any site, then the English home page and a search."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from wagtail.models import Page, Site

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is None:
        sys.exit("No site: run `make run` first (it loads the demo).")
    found = {}
    pages = Page.objects.live().public().filter(depth__gt=1).order_by("path").specific()
    for page in pages:
        if page.locale.language_code != "sq":
            continue
        kind = page._meta.model_name
        on_default = page.get_site() == site
        if kind not in found or (on_default and not found[kind][0]):
            found[kind] = (on_default, page.get_full_url())
    urls = [(kind, url) for kind, (_default, url) in found.items()]
    home_en = site.root_page.get_translations().filter(locale__language_code="en").first()
    if home_en is not None:
        urls.append(("homepage (en)", home_en.get_full_url()))
    urls.append(("search", site.root_url + "/sq/search/?q=mision"))
    return urls


def run_lighthouse(url, npx, version, chrome):
    command = [
        npx,
        "--yes",
        f"lighthouse@{version}",
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": chrome}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)  # noqa: S603
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(done.stderr.strip()[-2000:] or f"lighthouse exited {done.returncode}")
    return json.loads(done.stdout)


def scores(report):
    return {key: round((report["categories"][key]["score"] or 0) * 100) for key in CATEGORIES}


def lost_points(report, category):
    """(id, title) of the audits of ``category`` that cost points."""
    audits = report["audits"]
    return [
        (ref["id"], audits[ref["id"]]["title"])
        for ref in report["categories"][category]["auditRefs"]
        if ref.get("weight")
        and audits[ref["id"]].get("score") is not None
        and audits[ref["id"]]["score"] < 1
    ]


def main():
    minimum = int(os.environ.get("LIGHTHOUSE_MIN", "95"))
    only = [w for w in os.environ.get("LIGHTHOUSE_ONLY", "").split(",") if w]
    version = os.environ.get("LIGHTHOUSE_VERSION", "12.8.2")
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    npx = shutil.which("npx")
    if npx is None:
        sys.exit("npx not found: apt-get install nodejs npm")
    if not Path(chrome).exists():
        sys.exit(f"Chromium not found at {chrome}: `make browser` installs it")
    out_dir = Path(os.environ.get("LIGHTHOUSE_JSON", BASE_DIR / "var" / "lighthouse"))
    out_dir.mkdir(parents=True, exist_ok=True)

    urls = [(k, u) for k, u in page_urls() if not only or any(w in k for w in only)]
    print(f"Lighthouse {version} (mobile), Chromium {chrome}, minimum {minimum}")
    header = f"{'page type':<22} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5}  url"
    print(header)
    failed = False
    for kind, url in urls:
        try:
            report = run_lighthouse(url, npx, version, chrome)
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
            print(f"{kind:<22} failed: {error}")
            failed = True
            continue
        slug = kind.replace(" ", "-").replace("(", "").replace(")", "")
        (out_dir / f"{slug}.json").write_text(json.dumps(report))
        figures = scores(report)
        row = " ".join(f"{figures[key]:>5}" for key in CATEGORIES)
        print(f"{kind:<22} {row}  {url}", flush=True)
        expected = EXPECTED.get(kind, {})
        for key in CATEGORIES:
            if figures[key] < minimum:
                lost = lost_points(report, key)
                failed = failed or any(audit not in expected for audit, _title in lost)
                for audit, title in lost:
                    why = f" (expected: {expected[audit]})" if audit in expected else ""
                    print(f"{'':<22}   {key}: {title}{why}")
    print(f"Reports: {out_dir}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
