"""The service worker's URL, the offline page, site.js on every page, and the shared
error summary of forms (site/templates/includes/form_errors.html). The browser tests
(tests/browser/test_offline.py, test_accessibility.py) drive them for real."""

import re

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


def test_service_worker_is_served_at_the_root(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    # Never anything but GET; never pages with a form, nor private or no-store answers.
    assert 'request.method !== "GET"' in body
    assert "private|no-store" in body
    assert "POST_FORM.test(html)" in body


def test_offline_page_in_each_language(client, org):
    for language, heading in (("sq", "Jeni jashtë linje"), ("en", "You are offline")):
        response = client.get(f"/{language}/offline/", HTTP_HOST=org.hostname)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}"' in html
        assert f"<h1>{heading}</h1>" in html
        assert '<meta name="robots" content="noindex">' in html
        assert f'data-offline-url="/{language}/offline/"' in html


def test_pages_load_site_js_deferred_and_no_inline_script(client, standard_page, org):
    for url in ("/sq/", "/en/about-us/", "/sq/search/?q=x", "/en/no-such-page/"):
        html = client.get(url, HTTP_HOST=org.hostname).content.decode()
        assert re.search(r'<script src="/static/js/site\.js" defer></script>', html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html), url
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url
        assert 'rel="icon"' in html


class SampleForm(forms.Form):
    name = forms.CharField(label="Name")
    question = forms.CharField(label="Where can you help?")
    areas = forms.MultipleChoiceField(
        label="Areas", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )

    def clean(self):
        raise forms.ValidationError("The form is too old.")


def test_error_summary_links_to_every_field_in_error():
    with translation.override("en"):
        form = SampleForm(data={})
        assert not form.is_valid()
        html = render_to_string("includes/form_errors.html", {"form": form})
    assert 'role="alert"' in html and 'tabindex="-1"' in html and "data-error-summary" in html
    assert "The form is too old." in html
    assert '<a href="#id_name">Name: This field is required.</a>' in html
    # A group of boxes: the link goes to its first box.
    assert '<a href="#id_areas_0">Areas: This field is required.</a>' in html
    assert "There is a problem with the form" in html
    assert "Where can you help? This field is required." in html
    # And each field points at its message.
    assert 'aria-describedby="id_name_error"' in str(form["name"])
    assert 'id="id_name_error"' in str(form["name"].errors)


def test_no_error_summary_without_errors():
    assert render_to_string("includes/form_errors.html", {"form": SampleForm()}).strip() == ""
