"""Security headers with production settings: a content page (also when served from
the page cache), a page with a form, the admin login and uploaded media."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import HOST

ROOT = Path(__file__).resolve().parents[2]
ONE_YEAR = 60 * 60 * 24 * 365


def directives(response):
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_common_headers(response):
    assert response["Strict-Transport-Security"] == (
        f"max-age={ONE_YEAR}; includeSubDomains; preload"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    assert response["X-Frame-Options"] in {"DENY", "SAMEORIGIN"}


def assert_public_policy(response):
    assert_common_headers(response)
    assert response["X-Frame-Options"] == "DENY"
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "https://www.youtube.com" in csp["frame-src"]
    assert "https://www.facebook.com" in csp["frame-src"]
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "nonce-" not in policy
    # No inline script that the policy would block (JSON-LD data is not run).
    html = response.content.decode()
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag
    assert " style=" not in html and "nonce=" not in html


def test_content_page_headers_also_from_the_cache(production, client, standard_page):
    first = client.get("/sq/rreth-nesh/", HTTP_HOST=HOST, secure=True)
    assert first.status_code == 200
    assert first["X-Cache"] == "MISS"
    assert_public_policy(first)
    second = client.get("/sq/rreth-nesh/", HTTP_HOST=HOST, secure=True)
    assert second["X-Cache"] == "HIT"
    assert_public_policy(second)
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_plain_http_is_redirected_to_https(production, client, standard_page):
    response = client.get("/sq/rreth-nesh/", HTTP_HOST=HOST)
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/sq/rreth-nesh/"


def test_form_page_headers(production, client, standard_page):
    response = client.get("/sq/search/?q=rreth", HTTP_HOST=HOST, secure=True)
    assert response.status_code == 200
    assert b"<form" in response.content
    assert_public_policy(response)


def test_admin_login_headers_and_cookies(production, client, superuser, password):
    response = client.get("/admin/login/", HTTP_HOST=HOST, secure=True)
    assert response.status_code == 200
    assert_common_headers(response)
    assert response["X-Frame-Options"] == "DENY"
    csp = directives(response)
    # What Wagtail's admin can live with: inline scripts and styles, own origin only.
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'self'"]  # the preview panel frames the admin
    assert csp["object-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )

    csrf_cookie = response.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]
    assert csrf_cookie["samesite"] == "Lax"

    response = client.post(
        "/admin/login/",
        {"username": "root", "password": password},
        HTTP_HOST=HOST,
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert_common_headers(response)


def test_media_files_run_nothing(production, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    response = client.get("/media/images/a.svg", HTTP_HOST=HOST, secure=True)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == ["'none'"]
    assert "sandbox" in csp
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_page_using_a_nonce_is_never_stored_in_the_page_cache(client, org, monkeypatch):
    """A nonce is per response: a page whose render asked for one is not kept."""
    import home.models

    real_serve = home.models.HomePage.serve
    used = []

    def serve(self, request, *args, **kwargs):
        response = real_serve(self, request, *args, **kwargs)
        if used:
            str(request.csp_nonce)  # as a template's {{ request.csp_nonce }} would
        return response

    monkeypatch.setattr(home.models.HomePage, "serve", serve)
    client.get("/sq/", HTTP_HOST=org.hostname)
    assert client.get("/sq/", HTTP_HOST=org.hostname)["X-Cache"] == "HIT"
    used.append(True)
    client.get("/en/", HTTP_HOST=org.hostname)
    assert client.get("/en/", HTTP_HOST=org.hostname).get("X-Cache") is None


def test_production_settings_upgrade_insecure_requests(tmp_path):
    code = (
        "from config.settings import base as s;"
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['upgrade-insecure-requests']);"
        "print(s.ADMIN_2FA_REQUIRED_FOR); print(s.AXES_ENABLED)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG"}
    }
    env.update(
        SECRET_KEY="x" * 50, WAGTAILADMIN_BASE_URL="https://a.example", VAR_DIR=str(tmp_path)
    )
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("ADMIN_2FA_REQUIRED_FOR", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "True",
        "['superuser', 'membership_officer']",
        "True",
    ]


@pytest.mark.parametrize("module", ["config.settings.dev", "config.settings.test"])
def test_local_settings_do_not_force_two_factor(module, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env["VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", f"import {module} as s; print(s.ADMIN_2FA_REQUIRED_FOR)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_join_form_page_headers(production, client, org):
    membership = pytest.importorskip("membership.models")
    page, _ = org.add_page(
        membership.JoinPage(
            title="Bëhu anëtar", slug="behu-anetar", consent_text="Po.", thank_you="Faleminderit!"
        )
    )
    response = client.get(page.url, HTTP_HOST=HOST, secure=True)
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert_public_policy(response)
    csrf_cookie = response.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"] and csrf_cookie["samesite"] == "Lax"
