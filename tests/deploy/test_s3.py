# ruff: noqa: F811  (the s3_server fixture is imported, then asked for by name)
"""Media on object storage, against a real S3-compatible server (SeaweedFS, s3.py).

The site's own settings code (site/settings/base.py) is run with the server's
environment and its S3 settings are applied in-process, so that the admin, Wagtail's
views and the export task run as in production:

- images uploaded through the admin are in the bucket, and so are their renditions;
  both are readable anonymously at MEDIA_URL (the bucket policy's public prefixes);
- documents are in the bucket, NOT readable anonymously there, and served through
  /documents/<id>/<name> (refused to anonymous users in a private collection);
- People exports lie under the bucket's private/ prefix and are downloaded through
  the admin only; paper-import files never touch the storage (the database keeps
  them), so they work across app servers and when the storage is down;
- with the storage unreachable (a closed port), pages whose renditions exist still
  render, and uploads get the translated 503 page within seconds and store nothing.
"""

import io
import json
import os
import runpy
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction
from wagtail.users.models import UserProfile

from tests.deploy.s3 import _free_port, s3_server  # noqa: F401

pytestmark = pytest.mark.django_db

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "site" / "settings" / "base.py"
Image = get_image_model()
Document = get_document_model()


def site_settings(environ):
    """The values site/settings/base.py computes with ``environ`` added."""
    with mock.patch.dict(
        os.environ,
        {"SECRET_KEY": "s3-test", "WAGTAILADMIN_BASE_URL": "http://localhost:8000", **environ},
    ):
        for name in [name for name in os.environ if name.startswith("AWS_")]:
            if name not in environ:
                del os.environ[name]
        return runpy.run_path(str(BASE_SETTINGS))


def use_storage(settings, environ):
    """Apply the media settings that base.py derives from ``environ``."""
    values = site_settings(environ)
    for name, value in values.items():
        if name.startswith("AWS_") or name in {
            "MEDIA_URL",
            "CONTENT_SECURITY_POLICY",
            "ADMIN_CONTENT_SECURITY_POLICY",
        }:
            setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": values["STORAGES"]["default"],
        "private": values["STORAGES"]["private"],
    }
    return values


@pytest.fixture(scope="module")
def bucket(s3_server):
    name = f"site-{uuid.uuid4().hex[:10]}"
    s3_server.create_bucket(name)
    return name


@pytest.fixture
def on_s3(settings, s3_server, bucket):
    return use_storage(settings, s3_server.env(bucket))


@pytest.fixture
def dead_s3(settings, s3_server, bucket):
    """The same bucket, its service unreachable (nothing listens on the port)."""
    dead = f"127.0.0.1:{_free_port()}"
    env = s3_server.env(bucket)
    env["AWS_S3_ENDPOINT_URL"] = f"http://{dead}"
    env["AWS_S3_CUSTOM_DOMAIN"] = f"{dead}/{bucket}"
    return use_storage(settings, env)


@pytest.fixture
def admin_user(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "sq"
    profile.save()
    client.force_login(user)
    return user


def png(width=240, height=160, colour=(200, 30, 30)):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def anonymous_get(url):
    """(status, body) of a GET without credentials, straight to the storage."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def object_exists(s3_server, bucket, key):
    try:
        s3_server.client().head_object(Bucket=bucket, Key=key)
        return True
    except Exception:
        return False


def add_image(client, title="Hero", filename="hero.png"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": title,
            "file": SimpleUploadedFile(filename, png(), content_type="image/png"),
            "collection": str(Collection.get_first_root_node().pk),
        },
    )


def add_document(client, title="Statute", content=b"Statuti\n", filename="statute.txt"):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title,
            "file": SimpleUploadedFile(filename, content, content_type="text/plain"),
            "collection": str(Collection.get_first_root_node().pk),
        },
    )


def text_of(response):
    return " ".join(response.content.decode().split())


# -- settings ----------------------------------------------------------------------------


def test_the_bucket_variable_switches_media_to_s3_and_csp_follows(s3_server, bucket):
    local = site_settings({})
    assert local["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert local["STORAGES"]["private"]["OPTIONS"]["location"] == local["MEMBERSHIP_EXPORT_ROOT"]
    assert local["MEDIA_URL"] == "/media/"

    values = site_settings(s3_server.env(bucket))
    origin = f"http://127.0.0.1:{s3_server.port}"
    assert values["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert values["STORAGES"]["private"]["OPTIONS"]["location"] == "private"
    assert values["MEDIA_URL"] == f"{origin}/{bucket}/"
    for policy in ("CONTENT_SECURITY_POLICY", "ADMIN_CONTENT_SECURITY_POLICY"):
        assert origin in values[policy]["DIRECTIVES"]["img-src"]
    config = values["AWS_S3_CLIENT_CONFIG"]
    assert config.connect_timeout <= 5 and config.s3["addressing_style"] == "path"

    # Plain AWS: no endpoint, virtual-hosted address of the bucket.
    aws = site_settings({"AWS_STORAGE_BUCKET_NAME": "civic", "AWS_S3_REGION_NAME": "eu-central-1"})
    assert aws["MEDIA_URL"] == "https://civic.s3.eu-central-1.amazonaws.com/"
    assert aws["AWS_S3_ADDRESSING_STYLE"] == "auto"


# -- images ------------------------------------------------------------------------------


def test_an_uploaded_image_and_its_renditions_are_public_on_s3(
    client,
    admin_user,
    on_s3,
    s3_server,
    bucket,
    org,
    nothing_cached,
):
    response = add_image(client)
    assert response.status_code == 302, text_of(response)[:2000]
    image = Image.objects.get(title="Hero")
    assert image.file.name.startswith("original_images/")
    assert object_exists(s3_server, bucket, image.file.name)
    status, body = anonymous_get(image.file.url)
    assert image.file.url.startswith(on_s3["MEDIA_URL"]) and status == 200
    assert body == image.file.open("rb").read()

    # The home page's <picture> makes its renditions, stored in the bucket too.
    home = org.home_sq
    home.hero_image = image
    home.save_revision().publish()
    page = client.get(home.get_url(), HTTP_HOST=org.hostname)
    assert page.status_code == 200
    renditions = list(image.renditions.all())
    assert len(renditions) >= 3
    html = page.content.decode()
    for rendition in renditions:
        assert rendition.file.name.startswith("images/")
        assert object_exists(s3_server, bucket, rendition.file.name)
        assert rendition.url in html
        status, body = anonymous_get(rendition.url)
        assert status == 200 and len(body) == rendition.file.size
    jpeg = next(r for r in renditions if r.file.name.endswith(".jpg"))
    assert PILImage.open(io.BytesIO(anonymous_get(jpeg.url)[1])).format == "JPEG"

    # Two images with the same file name never overwrite each other.
    assert add_image(client, title="Hero 2").status_code == 302
    second = Image.objects.get(title="Hero 2")
    assert second.file.name != image.file.name
    assert object_exists(s3_server, bucket, image.file.name)


# -- documents ---------------------------------------------------------------------------


def test_a_document_is_private_on_s3_and_served_through_wagtail(
    client,
    admin_user,
    on_s3,
    s3_server,
    bucket,
):
    content = b"Statuti i organizates: vetem per anetaret\n"
    response = add_document(client, content=content)
    assert response.status_code == 302, text_of(response)[:2000]
    document = Document.objects.get(title="Statute")
    assert document.file.name.startswith("documents/")
    assert object_exists(s3_server, bucket, document.file.name)
    # Never readable from the bucket without credentials, even knowing its name.
    direct = f"{s3_server.endpoint_url}/{bucket}/{document.file.name}"
    assert anonymous_get(direct)[0] == 403
    assert anonymous_get(f"{on_s3['MEDIA_URL']}{document.file.name}")[0] == 403
    assert document.url.startswith("/documents/")

    client.logout()
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Security-Policy"] == "default-src 'none'"

    # In a collection for signed-in users only: refused to anonymous visitors.
    members = Collection.get_first_root_node().add_child(name="Members")
    restriction = CollectionViewRestriction.objects.create(
        collection=members, restriction_type=CollectionViewRestriction.LOGIN
    )
    assert restriction.pk
    document.collection = members
    document.save()
    refused = client.get(document.url)
    assert refused.status_code in (302, 403)
    assert content not in b"".join(getattr(refused, "streaming_content", [refused.content]))
    client.force_login(admin_user)
    allowed = client.get(document.url)
    assert allowed.status_code == 200 and b"".join(allowed.streaming_content) == content


# -- exports and paper imports -----------------------------------------------------------


def test_people_exports_lie_in_the_private_prefix_and_are_downloaded_through_the_admin(
    client,
    admin_user,
    on_s3,
    s3_server,
    bucket,
    org,
):
    from membership import exports
    from membership.records import ExportJob

    client.post(reverse("membership_people_export", args=["xlsx"]), HTTP_HOST=org.hostname)
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.DONE and job.has_file()
    key = f"private/{job.file_name}"
    assert object_exists(s3_server, bucket, key)
    assert anonymous_get(f"{s3_server.endpoint_url}/{bucket}/{key}")[0] == 403
    with pytest.raises(NotImplementedError):
        job.path  # noqa: B018  (no local file on object storage)

    response = client.get(reverse("membership_export_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")  # an XLSX (zip)

    # A file no job knows (a worker stopped half-way) goes with the expired jobs.
    s3_server.client().put_object(Bucket=bucket, Key="private/people-0-stray.xlsx", Body=b"x")
    deleted = exports.delete_expired_exports(now=timezone.now() + timedelta(days=2))
    assert deleted == 1 and not ExportJob.objects.exists()
    assert not object_exists(s3_server, bucket, key)
    assert not object_exists(s3_server, bucket, "private/people-0-stray.xlsx")


def test_paper_import_files_are_kept_in_the_database_not_the_storage(
    client, admin_user, dead_s3, org
):
    from membership.models import SignUp
    from membership.records import PaperUpload
    from tests.membership.conftest import make_campaign

    statement = make_campaign(org, threshold=1)[0]
    text = "given_name,family_name,municipality,country,email,phone\nArta,Shembulli,Pejë,,,\n"
    checked = client.post(
        reverse("membership_paper_import"),
        {
            "page": str(statement.pk),
            "file": SimpleUploadedFile("paper.csv", text.encode()),
            "dry_run": "on",
        },
    )
    assert checked.status_code == 200 and PaperUpload.objects.count() == 1
    imported = client.post(
        reverse("membership_paper_import"),
        {"page": str(statement.pk), "file": SimpleUploadedFile("paper.csv", text.encode())},
    )
    assert imported.status_code == 302
    assert SignUp.objects.filter(page=statement, kind="signature").count() == 1


# -- faults ------------------------------------------------------------------------------


# Committed like production (autocommit): a failed save inside the test's transaction
# would leave it unusable for the checks that follow.
@pytest.mark.django_db(transaction=True)
def test_with_s3_unreachable_pages_render_and_uploads_get_a_clear_503(
    client,
    admin_user,
    settings,
    s3_server,
    bucket,
    org,
    nothing_cached,
):
    live = use_storage(settings, s3_server.env(bucket))
    assert add_image(client).status_code == 302
    assert add_image(client, title="New", filename="new.png").status_code == 302
    image = Image.objects.get(title="Hero")
    home = org.home_sq
    home.hero_image = image
    home.save_revision().publish()
    assert client.get(home.get_url(), HTTP_HOST=org.hostname).status_code == 200
    renditions = set(image.renditions.values_list("file", flat=True))
    assert renditions

    dead = f"127.0.0.1:{_free_port()}"
    env = s3_server.env(bucket)
    env["AWS_S3_ENDPOINT_URL"] = f"http://{dead}"
    env["AWS_S3_CUSTOM_DOMAIN"] = f"{dead}/{bucket}"
    use_storage(settings, env)
    assert settings.MEDIA_URL != live["MEDIA_URL"]

    # A page whose renditions exist needs nothing from the storage (a call to it would
    # be refused at once and answered 503).
    client.logout()
    page = client.get(home.get_url(), HTTP_HOST=org.hostname)
    assert page.status_code == 200
    for name in renditions:
        assert f"{env['AWS_S3_CUSTOM_DOMAIN']}/{name}" in page.content.decode()
    # A new image has no renditions yet, and its original cannot be read: 503, not 500.
    home.hero_image = Image.objects.get(title="New")
    home.save_revision().publish()
    without = client.get(home.get_url(), HTTP_HOST=org.hostname)
    assert without.status_code == 503 and without["Retry-After"]

    # Uploads: the translated 503 page, within seconds, and nothing stored.
    client.force_login(admin_user)
    for add, model, filename in (
        (add_image, Image, "down.png"),
        (add_document, Document, "down.txt"),
    ):
        before = model.objects.count()
        started = time.monotonic()
        response = add(client, title="While down", filename=filename)
        assert time.monotonic() - started < 20  # short timeouts, not botocore's minutes
        assert response.status_code == 503, text_of(response)[:500]
        assert response["Retry-After"] and response["Cache-Control"] == "no-store"
        assert "Skedarët nuk mund të arrihen tani" in text_of(response)
        assert model.objects.count() == before

    # Wagtail's multiple upload (the admin's usual way) gets the same answer.
    multiple = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile("down-too.png", png(), content_type="image/png")},
    )
    assert multiple.status_code == 503 and Image.objects.count() == 2

    # Nothing reached the bucket while it was down.
    keys = {
        entry["Key"]
        for entry in s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    }
    assert not any("down" in key for key in keys), json.dumps(sorted(keys))
