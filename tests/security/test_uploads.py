"""Uploads: size and type limits with a clear error, documents never run in the
browser (no SVG or HTML, served as attachments), and a full disk gives a clear
error and leaves no record behind."""

import errno
import io
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

Image = get_image_model()
Document = get_document_model()

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)


def png_bytes(size=(8, 8)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def admin_client(client, superuser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(superuser)
    return client


def add_image(client, name, content, content_type="image/png"):
    return client.post(
        "/admin/images/add/",
        {
            "title": "Test",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def add_document(client, name, content, content_type="application/octet-stream"):
    return client.post(
        "/admin/documents/add/",
        {
            "title": "Test",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def form_errors(response):
    form = response.context["form"]
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def test_settings_allow_no_active_content():
    from django.conf import settings

    active = {"svg", "svgz", "html", "htm", "xhtml", "xml", "js", "mjs", "swf", "xsl", "php"}
    assert not active & set(settings.WAGTAILIMAGES_EXTENSIONS)
    assert not active & set(settings.WAGTAILDOCS_EXTENSIONS)
    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE <= 10 * 1024 * 1024
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE <= 20 * 1024 * 1024
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    assert settings.WAGTAILDOCS_INLINE_CONTENT_TYPES == ["application/pdf"]


def test_an_image_may_be_uploaded(admin_client):
    response = add_image(admin_client, "red.png", png_bytes())
    assert response.status_code == 302
    assert Image.objects.count() == 1


def test_image_over_the_size_limit_is_refused_clearly(admin_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    response = add_image(admin_client, "big.png", png_bytes((200, 200)))
    assert response.status_code == 200
    assert "100" in form_errors(response)  # "… Maximum filesize 100 bytes", translated
    assert Image.objects.count() == 0


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("logo.svg", SVG, "image/svg+xml"),
        ("logo.png", SVG, "image/png"),  # an SVG under another name
        ("page.html", b"<script>alert(1)</script>", "text/html"),
    ],
)
def test_svg_and_html_are_not_images(admin_client, name, content, content_type):
    response = add_image(admin_client, name, content, content_type)
    assert response.status_code == 200
    assert form_errors(response)
    assert Image.objects.count() == 0


@pytest.mark.parametrize("name", ["logo.svg", "page.html", "page.htm", "script.js", "a.xml"])
def test_active_content_is_not_a_document(admin_client, name):
    response = add_document(admin_client, name, SVG)
    assert response.status_code == 200
    assert form_errors(response)
    assert Document.objects.count() == 0


def test_document_over_the_size_limit_is_refused_clearly(admin_client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 100
    response = add_document(admin_client, "notes.txt", b"x" * 1000, "text/plain")
    assert response.status_code == 200
    assert "100" in form_errors(response)
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    "name,disposition",
    [("notes.txt", "attachment"), ("data.csv", "attachment"), ("report.pdf", "inline")],
)
def test_documents_are_served_as_attachments_that_run_nothing(
    admin_client, client, name, disposition
):
    assert add_document(admin_client, name, b"%PDF-1.4 <script>x</script>").status_code == 302
    document = Document.objects.get()
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(disposition)
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_documents_are_not_reachable_through_media(admin_client, client):
    assert add_document(admin_client, "secret.txt", b"private").status_code == 302
    document = Document.objects.get()
    assert client.get(f"/media/{document.file.name}").status_code == 404
    folder, filename = document.file.name.split("/", 1)
    for path in (
        f"/media/images/../{folder}/{filename}",
        f"/media/./{folder}/{filename}",
        f"/media//{folder}/{filename}",
    ):
        assert client.get(path).status_code == 404, path


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def inserts(queries, *tables):
    statements = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    return [sql for sql in statements if any(table in sql for table in tables)]


@contextmanager
def request_transaction():
    """The request's own transaction inside the test's: Django marks it for rollback
    when a save fails (in production, with autocommit, nothing is marked), so the
    rows are checked through the statements that reached the database."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        yield queries


TABLES = ("wagtailimages_image", "wagtaildocs_document", "wagtailcore_uploadedfile")


@pytest.mark.parametrize("kind", ["image", "document"])
def test_full_disk_gives_a_clear_error_and_no_record(admin_client, kind):
    with mock.patch.object(FileSystemStorage, "_save", full_disk), request_transaction() as q:
        if kind == "image":
            response = add_image(admin_client, "red.png", png_bytes())
        else:
            response = add_document(admin_client, "notes.txt", b"hello", "text/plain")
    assert response.status_code == 507
    content = response.content.decode()
    assert "Skedari nuk u ruajt dot" in content or "The file could not be saved" in content
    assert inserts(q.captured_queries, *TABLES) == []
    assert Image.objects.count() == 0
    assert Document.objects.count() == 0


@pytest.mark.parametrize("kind", ["images", "documents"])
def test_full_disk_during_multiple_upload(admin_client, kind):
    if kind == "images":
        upload = SimpleUploadedFile("red.png", png_bytes(), content_type="image/png")
    else:
        upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    with mock.patch.object(FileSystemStorage, "_save", full_disk), request_transaction() as q:
        response = admin_client.post(
            f"/admin/{kind}/multiple/add/",
            {"files[]": upload, "collection": Collection.get_first_root_node().pk},
        )
    assert response.status_code == 507
    assert inserts(q.captured_queries, *TABLES) == []
    assert Image.objects.count() == 0
    assert Document.objects.count() == 0
