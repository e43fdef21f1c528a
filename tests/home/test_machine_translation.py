"""Machine translation through a LibreTranslate server the organisation runs: with
the setting that LIBRETRANSLATE_URL builds (tests/home/test_settings.py), the
translation editor's "Translate with LibreTranslate" sends the page's texts to that
server only, and fills in drafts; without it, the action does not exist."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from home.models import StandardPage


class FakeLibreTranslate(BaseHTTPRequestHandler):
    """Answers /translate as LibreTranslate does, with each text in capitals."""

    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.path, body))
        answer = json.dumps({"translatedText": [text.upper() for text in body["q"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def libretranslate():
    server = HTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    FakeLibreTranslate.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", FakeLibreTranslate.received
    server.shutdown()


@pytest.fixture
def translation(org):
    page, _ = org.add_page(StandardPage(title="Kush jemi", slug="kush-jemi"))
    source, _ = TranslationSource.get_or_create_from_instance(page)
    translation = Translation.objects.create(
        source=source, target_locale=Locale.objects.get(language_code="en")
    )
    translation.save_target(publish=False)
    return translation


def test_translate_with_libretranslate_fills_drafts_from_that_server_only(
    client, admin_user, settings, libretranslate, translation
):
    url, received = libretranslate
    settings.WAGTAILLOCALIZE_MACHINE_TRANSLATOR = {
        "CLASS": "wagtail_localize.machine_translators.libretranslate.LibreTranslator",
        "OPTIONS": {"LIBRETRANSLATE_URL": url, "API_KEY": "key", "TIMEOUT": 5},
    }
    client.force_login(admin_user)
    response = client.post(
        reverse("wagtail_localize:machine_translate", args=[translation.pk]),
        {"next": "/admin/"},
    )
    assert response.status_code == 302
    assert len(received) == 1
    path, body = received[0]
    assert path == "/translate"
    assert (body["source"], body["target"], body["api_key"]) == ("sq", "en", "key")
    assert "Kush jemi" in body["q"]
    done = StringTranslation.objects.get(
        translation_of__data="Kush jemi", locale=translation.target_locale
    )
    assert done.data == "KUSH JEMI"
    assert done.translation_type == StringTranslation.TRANSLATION_TYPE_MACHINE
    # A draft for the translator: the English page is not published by it.
    assert not translation.get_target_instance().live


def test_without_a_server_there_is_no_machine_translation(client, admin_user, translation):
    client.force_login(admin_user)
    response = client.post(reverse("wagtail_localize:machine_translate", args=[translation.pk]))
    assert response.status_code == 404
