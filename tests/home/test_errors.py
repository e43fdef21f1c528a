from unittest import mock

from django.db.utils import OperationalError
from django.test import Client


def test_server_error_page_works_without_a_database(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch(
        "wagtail.models.Site.find_for_request", side_effect=OperationalError("database is down")
    ):
        response = client.get("/en/", HTTP_HOST="anything.example")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert '<html lang="en">' in html


def test_server_error_page_in_albanian(db):
    client = Client(raise_request_exception=False)
    with mock.patch(
        "wagtail.models.Site.find_for_request", side_effect=OperationalError("database is down")
    ):
        response = client.get("/sq/", HTTP_HOST="anything.example")
    assert response.status_code == 500
    assert "Diçka shkoi keq" in response.content.decode()
