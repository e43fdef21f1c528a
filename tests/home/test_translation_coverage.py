"""The interface's catalogues: complete, with their placeholders intact, and used.

- Every text of the installed Wagtail's and wagtail-localize's catalogues that staff
  see (and of the libraries whose words their screens show) has its Albanian
  translation in translations/: upgrading one of them adds texts, and this fails
  until they are translated (``manage.py translation_coverage --missing`` lists them).
- Each project catalogue in Serbian holds every text of its Albanian one.
- No translation loses or adds a placeholder (a missing ``%(name)s`` would raise when
  the text is shown).
- A staff member who prefers Albanian gets Wagtail's and wagtail-localize's screens
  in Albanian.
"""

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.users.models import UserProfile

from home.management.commands.translation_coverage import (
    PROJECT_APPS,
    TRANSLATIONS_DIR,
    project_coverage,
    upstream_coverage,
)

PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")
ALL_CATALOGUES = sorted(TRANSLATIONS_DIR.glob("**/LC_MESSAGES/*.po")) + sorted(
    path
    for app in PROJECT_APPS
    for path in Path(settings.BASE_DIR, app, "locale").glob("*/LC_MESSAGES/django.po")
)


def test_the_admin_catalogues_are_complete_in_albanian():
    results = upstream_coverage("sq")
    names = {result.name for result in results}
    assert {"wagtail.admin (django)", "wagtail.admin (djangojs)", "wagtail (django)"} <= names
    assert {"wagtail_localize (django)", "wagtail_localize (djangojs)"} <= names
    missing = {result.name: result.missing[:5] for result in results if result.missing}
    assert not missing, missing


@pytest.mark.parametrize("language", ["sq", "sr-latn"])
def test_the_projects_catalogues_are_complete(language):
    missing = {r.name: r.missing[:5] for r in project_coverage(language) if r.missing}
    assert not missing, missing


def test_the_serbian_catalogues_hold_every_albanian_text():
    for app in PROJECT_APPS:
        locale = Path(settings.BASE_DIR, app, "locale")
        keys = {}
        for language in ("sq", "sr_Latn"):
            po = polib.pofile(str(locale / language / "LC_MESSAGES" / "django.po"))
            keys[language] = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
        assert keys["sq"] == keys["sr_Latn"], (app, keys["sq"] ^ keys["sr_Latn"])


@pytest.mark.parametrize(
    "path", ALL_CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR))
)
def test_translations_keep_their_placeholders(path):
    broken = []
    for entry in polib.pofile(str(path)).translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            # A singular form may say "one" instead of the number.
            plural = set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                if not set(PLACEHOLDER.findall(form)) <= plural | set(expected):
                    broken.append(entry.msgid)
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != expected:
            broken.append(entry.msgid)
    assert not broken, broken[:10]


@pytest.fixture
def albanian_editor(django_user_model):
    user = django_user_model.objects.create_superuser("redaktore", "r@example.org", "x")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "sq"
    profile.save()
    return user


def test_the_admin_speaks_albanian_to_who_prefers_it(client, albanian_editor, org):
    client.force_login(albanian_editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '<html lang="sq"' in html
    # The menu's labels (JSON in the page: non-ASCII letters escaped).
    labels = {json.loads(f'"{label}"') for label in re.findall(r'"label": "([^"]+)"', html)}
    assert {"Faqet", "Imazhet", "Dokumentet", "Cilësimet", "Raportet", "Ndihmë"} <= labels
    assert not {"Pages", "Images", "Documents", "Settings", "Reports", "Help"} & labels
    # The admin's and wagtail-localize's JavaScript catalogues are in Albanian too.
    script = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    assert json.dumps("(E re)") in script
    localize = client.get(reverse("wagtail_localize:javascript_catalog")).content.decode()
    assert json.dumps("Përkthe") in localize


@pytest.mark.parametrize("language", ["sq", "sr_Latn"])
def test_the_projects_own_words_win_over_the_admins_catalogues(language):
    """Where the project and Wagtail (translations/) translate the same text, visitors
    and staff get the project's words."""
    from django.utils import translation

    ours = {}
    for app in PROJECT_APPS:
        po = polib.pofile(
            str(Path(settings.BASE_DIR, app, "locale", language, "LC_MESSAGES", "django.po"))
        )
        for entry in po.translated_entries():
            if not entry.msgid_plural:
                ours.setdefault((entry.msgctxt, entry.msgid), set()).add(entry.msgstr)
    code = "sr-latn" if language == "sr_Latn" else language
    lost = []
    with translation.override(code):
        for (context, msgid), translations in ours.items():
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if shown not in translations:
                lost.append((msgid, shown, translations))
    assert not lost, lost[:10]
