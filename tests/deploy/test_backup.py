"""deploy/backup.sh and deploy/restore.sh: a backup of the demo site, restored into an
empty database and an empty media folder, serves the same pages, images and documents.

The demo content is built in the test database (PostgreSQL when DATABASE_URL names
one, else SQLite); the pages are rendered before and after by a separate process with
the production settings (``config.settings.base``, DEBUG off) and Django's test
client: this file run as a script (``render``).
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.deploy.stack import postgres_database, production_env  # noqa: E402

DEMO_HOSTS = ("voltkosova.localhost", "kosovowewant.localhost", "myvotecounts.localhost")
# Per-request values in otherwise identical pages: CSRF tokens (masked anew for each
# request), CSP nonces and the sign-up forms' signed "shown at" token (the time and a
# random id).
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1…"),
    (re.compile(r'(name="form_time" value=")[^"]*'), r"\1…"),
    (re.compile(r'(name="csrf-token" content=")[^"]*'), r"\1…"),
    (re.compile(r'(nonce=")[^"]*'), r"\1…"),
]
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


# -- the rendering process ------------------------------------------------------------------


def discover():
    """[(label, host, path)]: each demo home page in both languages, a congress page
    and a campaign page in each language, a search, a 404 and the sitemap. Images and
    documents are added by ``render``."""
    from wagtail.models import Page, Site

    targets = []
    for host in DEMO_HOSTS:
        targets.append((f"{host} /", host, "/"))
        for language in ("sq", "en"):
            targets.append((f"{host} home ({language})", host, f"/{language}/"))
    pages = Page.objects.live().specific().order_by("path")
    for type_name in ("CongressPage", "CampaignPage", "JoinPage"):
        for language in ("sq", "en"):
            page = next(
                (
                    p
                    for p in pages
                    if type(p).__name__ == type_name and p.locale.language_code == language
                ),
                None,
            )
            assert page is not None, f"the demo has no live {type_name} in {language}"
            site_id, _root, path = page.get_url_parts()
            host = Site.objects.get(pk=site_id).hostname
            targets.append((f"{type_name} ({language})", host, path))
    targets += [
        ("search (sq)", DEMO_HOSTS[0], "/sq/search/?q=Kosova"),
        ("404 (en)", DEMO_HOSTS[1], "/en/no-such-page/"),
        ("sitemap", DEMO_HOSTS[2], "/sitemap.xml"),
    ]
    return targets


def fetch(client, label, host, path):
    response = client.get(path, HTTP_HOST=host)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    content_type = response.get("Content-Type", "")
    record = {
        "label": label,
        "host": host,
        "path": path,
        "status": response.status_code,
        "content_type": content_type,
        "location": response.get("Location"),
        "sha256": hashlib.sha256(body).hexdigest(),
        "length": len(body),
    }
    if content_type.startswith(TEXT_TYPES):
        text = body.decode(response.charset or "utf-8")
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        record["text"] = text
        record["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return record


def table_counts():
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def render(targets_path, output_path):
    """Fetch the targets of ``targets_path`` (or, if it does not exist, the discovered
    ones plus the images on those pages and every document) and write the responses
    and each table's row count to ``output_path``."""
    import django

    django.setup()
    from django.test import Client
    from wagtail.documents import get_document_model

    client = Client()
    if Path(targets_path).exists():
        targets = json.loads(Path(targets_path).read_text())
        records = [fetch(client, *target) for target in targets]
    else:
        records = [fetch(client, *target) for target in discover()]
        images = sorted(
            {
                match
                for record in records
                for match in re.findall(r"/media/images/[^\"'\s,?]+", record.get("text", ""))
            }
        )
        records += [fetch(client, f"image {path}", DEMO_HOSTS[0], path) for path in images]
        for document in get_document_model().objects.order_by("pk"):
            records.append(fetch(client, f"document {document.title}", DEMO_HOSTS[0], document.url))
        targets = [[r["label"], r["host"], r["path"]] for r in records]
        Path(targets_path).write_text(json.dumps(targets, indent=1))
    Path(output_path).write_text(json.dumps({"records": records, "tables": table_counts()}))


# -- the test ---------------------------------------------------------------------------------


def _database_url(settings_dict):
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    quote = urllib.parse.quote
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = (
        f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    )
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def _run(command, env, timeout=120):
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _rendered(env, targets, output):
    result = _run([sys.executable, __file__, "render", str(targets), str(output)], env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(output.read_text())


def _files(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_serves_the_same_site(settings, tmp_path, monkeypatch):
    engine = connection.vendor
    if engine == "postgresql":
        for tool in ("pg_dump", "pg_restore", "psql", "createdb"):
            if not shutil.which(tool):
                pytest.skip(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    media = tmp_path / "site" / "media"
    static = tmp_path / "static"
    settings.MEDIA_ROOT = media
    settings.VAR_DIR = tmp_path / "site"
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "backup-demo")
    source_url = _database_url(connection.settings_dict)
    secret = "backup-test-" + os.urandom(16).hex()

    def env_for(var_dir, database_url, media_root):
        return production_env(
            var_dir,
            database_url=database_url,
            MEDIA_ROOT=media_root,
            STATIC_ROOT=static,
            SECRET_KEY=secret,
        )

    # The static files of the production settings (whitenoise's manifest), built
    # while the demo content is loaded.
    collect = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env_for(tmp_path / "collect", source_url, media),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        call_command("load_demo", stdout=io.StringIO())
        # A document too (the demo publishes none): it must come back with the media.
        from django.core.files.base import ContentFile
        from wagtail.documents import get_document_model

        get_document_model().objects.create(
            title="Procesverbali", file=ContentFile(b"Procesverbali i takimit.\n", name="pv.txt")
        )
    finally:
        output, _ = collect.communicate(timeout=120)
    assert collect.returncode == 0, output

    targets = tmp_path / "targets.json"
    before = _rendered(env_for(tmp_path / "before", source_url, media), targets, tmp_path / "1")
    labels = [record["label"] for record in before["records"]]
    assert sum(label.startswith("image ") for label in labels) >= 1, labels
    assert sum(label.startswith("document ") for label in labels) >= 1, labels
    statuses = {record["label"]: record["status"] for record in before["records"]}
    for label, status in statuses.items():
        expected = 404 if label.startswith("404") else 302 if label.endswith(" /") else 200
        assert status == expected, f"{label}: {status}"
    assert sum("home (" in label for label in statuses) == 6

    # The backup, reading its settings from an environment file as on a server.
    backups = tmp_path / "backups"
    env_file = tmp_path / "civic.env"
    env_file.write_text(
        "# as /etc/civic/civic.env\n"
        f"DATABASE_URL={source_url}\n"
        f'MEDIA_ROOT="{media}"\n'
        f"VAR_DIR={tmp_path / 'site'}\n"
    )
    bare = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    # Retention: a backup older than --keep-days goes, other folders stay.
    expired, other = backups / "civic-20000101T000000Z", backups / "kept-by-hand"
    for folder in (expired, other):
        folder.mkdir(parents=True)
        month_ago = time.time() - 30 * 24 * 3600
        os.utime(folder, (month_ago, month_ago))
    command = ["bash", "deploy/backup.sh", "--env-file", str(env_file), "--dest", str(backups)]
    result = _run([*command, "--keep-days", "7"], bare)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not expired.exists() and other.exists()
    (backup,) = backups.glob("civic-*")
    database_file = "database.dump" if engine == "postgresql" else "database.sqlite3"
    assert sorted(p.name for p in backup.iterdir()) == sorted(
        ["SHA256SUMS", "backup.info", database_file, "media.tar.gz"]
    )
    assert f"database_engine={engine}" in (backup / "backup.info").read_text()

    restored = tmp_path / "restored"
    restored_media = restored / "media"
    with contextlib.ExitStack() as stack:
        if engine == "postgresql":
            target_url = stack.enter_context(postgres_database("civic_restore"))
        else:
            target_url = f"sqlite:///{restored / 'db.sqlite3'}"
        target_env = {**bare, "DATABASE_URL": target_url, "MEDIA_ROOT": str(restored_media)}
        # A damaged backup is refused before anything is written.
        damaged = shutil.copytree(backup, tmp_path / "damaged" / backup.name)
        with open(damaged / "media.tar.gz", "ab") as archive:
            archive.write(b"\0")
        refused = _run(["bash", "deploy/restore.sh", str(damaged)], target_env)
        assert refused.returncode != 0
        assert "checksums" in refused.stderr, refused.stderr
        assert not restored_media.exists()

        # Into the empty database (without --force: it is still empty).
        result = _run(["bash", "deploy/restore.sh", str(backup)], target_env)
        assert result.returncode == 0, result.stdout + result.stderr

        # A second restore over the now full database is refused and changes nothing.
        again = _run(["bash", "deploy/restore.sh", str(backup)], target_env)
        assert again.returncode != 0
        assert "is not empty" in again.stderr and "--force" in again.stderr

        after = _rendered(
            env_for(restored / "var", target_url, restored_media), targets, tmp_path / "2"
        )

    assert _files(restored_media) == _files(media)
    assert after["tables"] == before["tables"]
    assert sum(before["tables"].values()) > 1000
    assert len(after["records"]) == len(before["records"])
    for old, new in zip(before["records"], after["records"], strict=True):
        label = old["label"]
        for key in ("status", "content_type", "location", "length", "sha256"):
            if key == "length" and "text" in old:
                continue  # a CSRF token may differ in length once replaced
            assert new[key] == old[key], f"{label}: {key} {old[key]!r} -> {new[key]!r}"
        assert new.get("text") == old.get("text"), label


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "render":
        sys.exit("usage: test_backup.py render TARGETS.json OUTPUT.json")
    render(sys.argv[2], sys.argv[3])
