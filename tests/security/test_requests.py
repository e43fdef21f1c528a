"""Host header poisoning, CSRF on every POST, and no view exempt from CSRF."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.images import get_image_model

from .conftest import HOST


@pytest.mark.parametrize("path", ["/sq/rreth-nesh/", "/admin/login/", "/sq/search/?q=a", "/"])
def test_unknown_host_gets_400(production, client, standard_page, path):
    assert client.get(path, HTTP_HOST=HOST, secure=True).status_code in {200, 302}
    response = client.get(path, HTTP_HOST="evil.example", secure=True)
    assert response.status_code == 400


def test_cached_page_is_not_served_to_a_poisoned_host(production, client, standard_page):
    for _ in range(2):
        assert client.get("/sq/rreth-nesh/", HTTP_HOST=HOST, secure=True).status_code == 200
    response = client.get("/sq/rreth-nesh/", HTTP_HOST="evil.example", secure=True)
    assert response.status_code == 400
    assert b"rreth-nesh" not in response.content


def test_forwarded_host_is_ignored(production, client, standard_page):
    response = client.get(
        "/sq/rreth-nesh/", HTTP_HOST=HOST, HTTP_X_FORWARDED_HOST="evil.example", secure=True
    )
    assert response.status_code == 200
    assert b"evil.example" not in response.content
    # Nor does it reach the cached copy that other visitors get.
    response = client.get("/sq/rreth-nesh/", HTTP_HOST=HOST, secure=True)
    assert b"evil.example" not in response.content


def test_password_reset_link_cannot_be_poisoned(production, client, superuser, mailoutbox):
    response = client.post(
        "/admin/password_reset/",
        {"email": superuser.email},
        HTTP_HOST="evil.example",
        secure=True,
    )
    assert response.status_code == 400
    assert mailoutbox == []


def test_login_post_without_csrf_token_is_refused(superuser, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "root", "password": password})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_admin_post_without_csrf_token_stores_nothing(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(
        "/admin/users/add/",
        {
            "username": "intruder",
            "email": "intruder@example.org",
            "first_name": "In",
            "last_name": "Truder",
            "password1": "a-long-password-123",
            "password2": "a-long-password-123",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="intruder").exists()
    response = client.post("/admin/images/multiple/add/", {})
    assert response.status_code == 403
    assert get_image_model().objects.count() == 0


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def is_csrf_exempt(callback):
    seen = set()
    while callback is not None and id(callback) not in seen:
        seen.add(id(callback))
        if getattr(callback, "csrf_exempt", False):
            return True
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and getattr(view_class, "csrf_exempt", False):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


def drf_view_class(callback):
    """The Django REST framework view behind ``callback``, if it is one."""
    from rest_framework.views import APIView

    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return view_class
    return None


#: Views that take a POST without a CSRF token on purpose, each with its reason.
CSRF_EXEMPT_ON_PURPOSE = {
    # RFC 8058: a mail program's one-click unsubscribe POSTs with no cookie and no
    # page before it; the signed token in the URL allows it, and all it can do is
    # stop email (tests/membership/test_unsubscribe.py).
    "membership.unsubscribe.unsubscribe_view",
}


def test_no_view_is_csrf_exempt():
    """Django REST framework marks its views csrf_exempt and checks CSRF itself,
    in SessionAuthentication, for every signed-in (cookie) request that changes
    something. Wagtail's admin API and wagtail-localize's editing API are such
    views; they are accepted only while every authentication they use is
    SessionAuthentication (which enforces CSRF) or needs no cookie at all."""
    from rest_framework.authentication import BasicAuthentication, SessionAuthentication

    views = list(walk(get_resolver().url_patterns))
    assert len(views) > 100  # Wagtail's admin and ours are really walked
    unexplained = []
    drf_routes = []
    for route, callback in views:
        if not is_csrf_exempt(callback):
            continue
        if f"{callback.__module__}.{callback.__name__}" in CSRF_EXEMPT_ON_PURPOSE:
            continue
        view_class = drf_view_class(callback)
        if view_class is None:
            unexplained.append(route)
            continue
        drf_routes.append(route)
        authenticators = view_class.authentication_classes
        for authenticator in authenticators:
            assert issubclass(authenticator, SessionAuthentication | BasicAuthentication), (
                route,
                authenticator,
            )
        assert any(issubclass(a, SessionAuthentication) for a in authenticators), route
    assert unexplained == []
    assert all(route.startswith("admin/") for route in drf_routes)


def test_drf_admin_api_still_enforces_csrf(superuser, standard_page):
    page, _ = standard_page
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(
        f"/admin/api/main/pages/{page.pk}/action/copy/",
        {"destination_page_id": page.get_parent().pk, "slug": "kopje"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not type(page).objects.filter(slug="kopje").exists()
    # The same request with the token goes through: the 403 was the CSRF check.
    client = Client()
    client.force_login(superuser)
    response = client.post(
        f"/admin/api/main/pages/{page.pk}/action/copy/",
        {"destination_page_id": page.get_parent().pk, "slug": "kopje"},
        content_type="application/json",
    )
    assert response.status_code in {200, 201}, response.content


def test_sign_up_posts_without_csrf_token_store_nothing(settings, org):
    membership = pytest.importorskip("membership.models")
    from tests.membership.conftest import join_data

    settings.MEMBERSHIP_RATE_LIMIT = (1000, 600)
    settings.MEMBERSHIP_ADDRESS_RATE_LIMIT = (1000, 600)
    page, _ = org.add_page(
        membership.JoinPage(
            title="Bëhu anëtar", slug="behu-anetar", consent_text="Po.", thank_you="Faleminderit!"
        )
    )
    client = Client(enforce_csrf_checks=True)
    response = client.post(page.url, join_data(), HTTP_HOST="org-a.example")
    assert response.status_code == 403
    assert not membership.Supporter.objects.exists()
    assert not membership.SignUp.objects.exists()
    # With the token from the form, the same post goes through.
    form = client.get(page.url, HTTP_HOST="org-a.example")
    token = form.cookies["csrftoken"].value
    response = client.post(
        page.url,
        join_data(),
        HTTP_HOST="org-a.example",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 302
    assert membership.Supporter.objects.count() == 1


# -- request bodies ---------------------------------------------------------------------


class UnreadableBody:
    """A request body that must not be read (a client still sending it)."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_larger_than_any_upload_gets_413_before_it_is_read(client, settings, superuser):
    client.force_login(superuser)
    too_large = settings.REQUEST_BODY_MAX_SIZE + 1
    for path, language, text in [
        ("/sq/rreth-nesh/", "sq", "Ajo që dërguat është shumë e madhe"),
        ("/en/about-us/", "en", "What you sent is too large"),
        ("/admin/documents/add/", "sq", "Ajo që dërguat është shumë e madhe"),
    ]:
        response = client.generic(
            "POST",
            path,
            b"",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(too_large),
            **{"wsgi.input": UnreadableBody()},
        )
        assert response.status_code == 413, path
        html = response.content.decode()
        assert text in html and f'lang="{language}"' in html
        assert "no-store" in response["Cache-Control"]


def test_an_upload_larger_than_every_limit_gets_413_and_stores_nothing(client, superuser):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model

    client.force_login(superuser)
    pdf = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (23 * 2**20), "application/pdf")
    response = client.post(
        "/admin/documents/add/", {"title": "Big", "file": pdf}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert "Images may be up to 10 MB and documents up to 20 MB." in response.content.decode()
    assert get_document_model().objects.count() == 0


def test_fields_larger_than_allowed_get_the_413_page_in_the_visitors_language(client, superuser):
    """Non-file fields over DATA_UPLOAD_MAX_MEMORY_SIZE (within the body limit)."""
    data = {"username": "root", "password": "x" * (3 * 2**20)}
    response = client.post("/admin/login/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post("/admin/login/", data, HTTP_ACCEPT_LANGUAGE="sq")
    assert response.status_code == 413
    assert "Ajo që dërguat është shumë e madhe" in response.content.decode()


def test_a_body_without_content_length_is_not_read(client, superuser, password):
    """A chunked body (no Content-Length): Django reads none of it, so it cannot be
    larger than the limit; the request is answered as one without a body."""
    response = client.generic(
        "POST",
        "/admin/login/",
        b"",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 200  # the login form again, nothing signed in
    assert "_auth_user_id" not in client.session


# -- after signing in on Wagtail's login page for restricted pages ----------------------


@pytest.mark.parametrize("language", ["sq", "en"])
def test_login_without_next_goes_home_in_the_pages_language(
    client, org, superuser, password, language
):
    response = client.post(
        f"/{language}/_util/login/",
        {"username": "root", "password": password},
        HTTP_HOST="org-a.example",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/"
    assert client.get(response["Location"], HTTP_HOST="org-a.example").status_code == 200
