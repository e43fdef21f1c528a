"""Kosovo We Want's demo staff whose admin language is Albanian see no English in it.

With the demo loaded, each of the organisation's staff accounts (editor, translator,
event staff, membership officer) is set to Albanian, signs in through the login form
and opens the screens of their role: the dashboard, the page explorer, a page's
editor (the translator: wagtail-localize's editor of an English translation), images
and documents, the congress snippets, the reports menu and its reports, the People
area, Messages, congress registrations and questions, their account and the search.

Each screen is photographed (full page) into SHOTS, and every visible text node, the
page title and the placeholder, title and aria-label attributes of visible elements
are compared, stripped and case-sensitively, with the interface's English texts: the
msgids of the Albanian catalogues (Wagtail's and wagtail-localize's in
translations/, the project's own) whose Albanian text differs, and every msgid of
Wagtail's and wagtail-localize's English catalogues; msgids with placeholders match
with anything in their place. A few frequent English words are failures too, as a
whole text. What the site's people wrote (page titles, image titles, names, block
contents, wagtail-localize's segments, form values, rich text) is content, not
interface, and is left out. Texts that merely look English (short English words in
a longer text) are printed, to be looked at, without failing.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.utils import translation
from wagtail.models import Collection, Page, Revision, Site
from wagtail.users.models import UserProfile

from tests.browser.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHOTS = Path(os.environ.get("ADMIN_SQ_SHOTS", "/tmp/shots/admin-sq"))
HOST = "kosovowewant.localhost"
ROLES = {
    "editor": "kww-editor",
    "translator": "kww-translator",
    "events": "kww-events",
    "membership": "kww-membership",
}
# Frequent English interface words: a failure whenever one is a whole text.
ENGLISH_WORDS = set(
    "Edit|Delete|Save|Search|Cancel|Pages|Images|Documents|Add|Actions|Status|Title|"
    "Filter|Filters|More|Next|Previous|Close|Back|Publish|Preview|Settings|Reports|Help|"
    "Live|Draft|Sort|Choose|Upload|Snippets|Dashboard|Account|Log out|Yes|No|Apply|"
    "Clear|Select|Name|Date|Type|Created|Updated|View|Copy|Move|Submit|Language|Locale|"
    "Translate|Sync|Comments|History|Menu|Home|Loading|Loading…".split("|")
)
_MONTHS_PATTERN = _MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
# A date written with an English month name ("6 December 2026", "Dec. 6, 2026").
ENGLISH_DATE = re.compile(
    rf"\b\d{{1,2}} (?:{_MONTHS})\b|\b(?:{_MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct"
    r"|Nov|Dec)\.? \d{1,2}, \d{4}\b"
)
# Words that mark a longer text as probably English (printed, not failed).
ENGLISH_HINTS = set(
    "the and of to you your this that with for are is not has have been will can from "
    "page pages edit delete save search add new all no items item select choose show "
    "view more less by at on in or".split()
)
# Elements whose text is what people wrote, not what the admin says.
CONTENT_SELECTORS = [
    "textarea",
    "[contenteditable]",
    ".Draftail-Editor",
    ".DraftEditor-root",
    ".public-DraftEditor-content",
    "pre",
    "code",
]
# Rows that Django and Wagtail make themselves: their texts are not content.
NOT_CONTENT = {
    "auth.permission",
    "contenttypes.contenttype",
    "sessions.session",
    "wagtailcore.task",
    "wagtailcore.workflow",
    "wagtailcore.locale",
}
SUFFIXES = {"", ".", ":", "…", "..."}
# English that Wagtail and wagtail-localize write without gettext, so that no catalogue
# can translate it (docs/architecture.md, "The admin in Albanian"): each is listed
# and printed, never a failure; any other English text fails.
KNOWN_UPSTREAM = [
    # (the text, the screens where it is known, where it comes from)
    (re.compile(r"^More actions$"), "translation-editor", "wagtail-localize's JavaScript"),
    (
        re.compile(rf"\b({_MONTHS})\b"),
        "translation-editor",
        "wagtail-localize: translation dates formatted with strftime (models.py)",
    ),
    (
        re.compile(r"\bNone$"),
        "search",
        "Wagtail: the page search's count names no model (_page_title_column_header.html)",
    ),
    (
        re.compile(r"^None$"),
        "report",
        "Wagtail: a page published by no user (the demo loader) shows None (user_avatar.html)",
    ),
]

COLLECT = """
(contentSelectors) => {
  const isContent = (el) => contentSelectors.some((s) => el.closest(s));
  const shown = (el) => {
    if (!el) return false;
    if (el.tagName === 'OPTION' || el.tagName === 'OPTGROUP') {
      return shown(el.closest('select, datalist'));
    }
    return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) part += '#' + e.id;
      else if (typeof e.className === 'string' && e.className.trim()) {
        part += '.' + e.className.trim().split(/\\s+/).slice(0, 2).join('.');
      }
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA']);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.replace(/\\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el || skip.has(el.tagName) || el.closest('template, svg')) continue;
    if (isContent(el)) continue;
    // Inside wagtail-localize's editor, each segment's source and translation.
    if (el.closest('[class*="segment"] p, [class*="segment"] textarea')) continue;
    found.push({text, kind: shown(el) ? 'text' : 'hidden text', where: path(el)});
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (el.closest('template') || isContent(el) || !shown(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label']) {
      const value = (el.getAttribute(name) || '').replace(/\\s+/g, ' ').trim();
      if (value) found.push({text: value, kind: name, where: path(el)});
    }
  }
  found.push({text: document.title.trim(), kind: 'document title', where: 'head > title'});
  return found;
}
"""


def normalise(text):
    return " ".join(text.split())


def catalogue_files():
    """(Albanian catalogues, English catalogues of Wagtail and wagtail-localize)."""
    base = Path(django_settings.BASE_DIR)
    albanian = sorted((base / "translations").glob("**/locale/sq/LC_MESSAGES/*.po"))
    albanian += [
        base / app / "locale/sq/LC_MESSAGES/django.po"
        for app in ("site", "home/security", "movement", "congress", "membership")
    ]
    packages = Path(polib.__file__).parent
    english = sorted((packages / "wagtail").glob("**/locale/en/LC_MESSAGES/*.po"))
    english += sorted((packages / "wagtail_localize").glob("**/locale/en/LC_MESSAGES/*.po"))
    return albanian, english


def english_texts():
    """(exact English interface texts, patterns of those with placeholders)."""
    albanian, english = catalogue_files()
    texts, same = set(), set()
    for path in albanian:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                pairs = [
                    (entry.msgid, entry.msgstr_plural.get(0, "")),
                    (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
                ]
            else:
                pairs = [(entry.msgid, entry.msgstr)]
            for msgid, msgstr in pairs:
                (same if msgid == msgstr else texts).add(normalise(msgid))
    for path in english:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                texts.update(normalise(t) for t in (entry.msgid, entry.msgid_plural) if t)
    # What the Albanian catalogues keep as it is (names, "URL", "Email") is Albanian too.
    texts -= same
    texts = {t for t in texts if re.search(r"[A-Za-z]{2}", t)}
    placeholder = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[^{}]*\}")
    # A count stands for digits only.
    number_like = re.compile(r"%\((?:count|counter|num|number|total|n)\w*\)[sd]|%\([^)]*\)d|%d")
    number = r"\d[\d.,\s]*"
    exact, patterns = set(), []
    for text in texts:
        if placeholder.search(text):
            literal = placeholder.sub(" ", text)
            words = re.findall(r"[A-Za-z]{3,}", literal)
            if not words or sum(map(len, words)) < 5:
                continue
            pieces = [re.escape(piece) for piece in placeholder.split(text)]
            holders = [
                number if number_like.fullmatch(h) else ".+?" for h in placeholder.findall(text)
            ]
            pairs = zip(holders, pieces[1:], strict=True)
            patterns.append(pieces[0] + "".join(h + p for h, p in pairs))
        else:
            exact.add(text)
    chunks = [
        re.compile("|".join(f"(?:{p})" for p in patterns[i : i + 300]))
        for i in range(0, len(patterns), 300)
    ]
    return exact, chunks


def strings_in(value, found):
    if isinstance(value, str):
        found.add(normalise(value))
        if "<" in value:
            found.update(normalise(t) for t in re.split(r"<[^>]*>", value))
    elif isinstance(value, dict):
        for each in value.values():
            strings_in(each, found)
    elif isinstance(value, (list, tuple)):
        for each in value:
            strings_in(each, found)


def content_texts():
    """Everything the demo's people wrote: text fields of every model (but those with
    choices), revisions' contents, wagtail-localize's strings and translations."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and not f.primary_key
        ]
        if not fields or model._meta.label_lower in NOT_CONTENT:
            continue
        try:
            for row in model._default_manager.values_list(*fields)[:5000]:
                for value in row:
                    strings_in(value, found)
        except Exception:  # noqa: BLE001, S112 - tables of optional apps may be missing
            continue
    for content in Revision.objects.values_list("content", flat=True):
        strings_in(content, found)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() in {"JSONField"} or type(field).__name__ == "StreamField":
                for value in model._default_manager.values_list(field.attname, flat=True)[:2000]:
                    strings_in(value, found)
    for page in Page.objects.all():
        found.update({normalise(page.title), normalise(page.draft_title)})
    found.discard("")
    return found


def say(text):
    with translation.override("sq"):
        said = translation.gettext(text)
    assert said != text, f"no Albanian for {text!r}"
    return said


def ensure_examples(site):
    """A document and a speaker of Kosovo We Want (the demo may have none), so that
    their listings have a row and an edit screen to open."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from congress.snippets import Speaker

    collection = Collection.objects.get(name=site.site_name)
    if not Document.objects.filter(collection=collection).exists():
        document = Document(title="Rregullorja e kongresit", collection=collection)
        document.file.save("rregullorja.txt", ContentFile(b"Rregullorja"), save=False)
        document.save()
    if not Speaker.objects.filter(site=site).exists():
        Speaker.objects.create(
            site=site,
            locale=site.root_page.locale,
            name="Arta Shembulli",
            role="Folëse",
            organisation="Shoqata e Mësuesve",
        )


def first_link(tab, pattern):
    """The first link in the main area whose path matches ``pattern``."""
    hrefs = tab.eval_on_selector_all(
        "main a[href], #main a[href], .content a[href]", "els => els.map(e => e.href)"
    )
    for href in hrefs:
        if re.fullmatch(pattern, urlsplit(href).path):
            return urlsplit(href).path
    return None


class Screens:
    """Opens, photographs and reads each screen of one role."""

    def __init__(self, tab, base, role, exact, patterns, content):
        self.tab, self.base, self.role = tab, base, role
        self.exact, self.patterns, self.content = exact, patterns, content
        self.problems, self.suspects, self.skipped, self.covered = [], [], [], []
        self.known = []  # English of KNOWN_UPSTREAM

    def english(self, text):
        if text in self.content:
            return None
        if text in ENGLISH_WORDS:
            return "frequent English word"
        for suffix in SUFFIXES:
            bare = text[: len(text) - len(suffix)] if suffix and text.endswith(suffix) else text
            if bare in self.exact and bare not in self.content:
                return "English msgid"
        if re.search(r"(?<![\w-])None(?![\w-])", text):
            return "Python's None shown"
        if ENGLISH_DATE.search(text):
            return "date with an English month name"
        if any(chunk.fullmatch(text) for chunk in self.patterns):
            return "English msgid (with placeholders)"
        return None

    def looks_english(self, text):
        words = re.findall(r"[A-Za-z']+", text.lower())
        hints = [w for w in words if w in ENGLISH_HINTS]
        return len(words) >= 2 and len(hints) >= max(1, len(words) // 3)

    def read(self, name):
        self.tab.wait_for_timeout(400)
        SHOTS.mkdir(parents=True, exist_ok=True)
        # The admin scrolls inside its own panes: make the window as tall as the
        # tallest of them, so that the full-page picture holds everything.
        height = self.tab.evaluate(
            "Math.max(...[...document.querySelectorAll('body, body *')].map(e => e.scrollHeight))"
        )
        self.tab.set_viewport_size({"width": 1280, "height": max(900, min(height + 40, 12000))})
        self.tab.wait_for_timeout(200)
        self.tab.screenshot(path=str(SHOTS / f"{self.role}-{name}.png"), full_page=True)
        self.tab.set_viewport_size({"width": 1280, "height": 900})
        self.covered.append(f"{self.role}-{name}")
        url = self.tab.url
        seen = set()
        for item in self.tab.evaluate(COLLECT, CONTENT_SELECTORS):
            text, kind = item["text"], item["kind"]
            if (text, kind) in seen:
                continue
            seen.add((text, kind))
            why = self.english(text)
            line = f"[{self.role}] {name} {url} ({kind} at {item['where']}): {text!r}"
            known = next(
                (
                    source
                    for pattern, screen, source in KNOWN_UPSTREAM
                    if screen in name and pattern.search(text)
                ),
                None,
            )
            if why and known:
                self.known.append(f"{line} - {known}")
            elif why and kind != "hidden text":
                self.problems.append(f"{line} - {why}")
            elif why:
                self.suspects.append(f"{line} - {why}, hidden")
            elif text not in self.content and self.looks_english(text):
                self.suspects.append(f"{line} - looks English")

    def open(self, name, path, expect=None):
        """Open ``path`` and read it; a screen the role may not open (an error, or
        sent elsewhere) is noted and skipped."""
        if not path:
            self.skipped.append(f"[{self.role}] {name}: nothing to open")
            return False
        response = self.tab.goto(self.base + path)
        self.tab.wait_for_load_state("networkidle")
        arrived = urlsplit(self.tab.url).path
        wanted = expect or urlsplit(path).path
        if response is None or response.status >= 400 or not arrived.startswith(wanted):
            status = response.status if response else "?"
            self.skipped.append(f"[{self.role}] {name}: {path} gave {status}, at {arrived}")
            return False
        self.read(name)
        return True

    def editor_panels(self, name):
        """An editor's hidden parts, each opened and read: the save button's menu of
        other actions, and the side panels (status, comments, checks, preview)."""
        toggle = self.tab.locator("footer [data-w-dropdown-target=toggle]")
        if toggle.count():
            toggle.first.click()
            self.tab.wait_for_timeout(300)
            self.read(f"{name}-actions")
            self.tab.keyboard.press("Escape")
        for panel in ("status", "comments", "checks"):
            button = self.tab.locator(f'[data-side-panel-toggle="{panel}"]')
            if button.count() and button.first.is_visible():
                button.first.click()
                self.tab.wait_for_timeout(800)
                self.read(f"{name}-{panel}")
                button.first.click()

    def reports(self):
        """The reports menu in the sidebar, then each report in it."""
        self.open("dashboard", "/admin/")
        sidebar = self.tab.locator("#wagtail-sidebar, .sidebar").first
        trigger = sidebar.get_by_role("button", name=say("Reports"))
        if not trigger.count():
            self.skipped.append(f"[{self.role}] reports-menu: no reports menu")
            return
        trigger.first.click()
        self.tab.wait_for_timeout(500)
        self.read("reports-menu")
        hrefs = self.tab.eval_on_selector_all(
            "#wagtail-sidebar a[href], .sidebar a[href]",
            "els => els.filter(e => e.checkVisibility() && e.closest('[class*=sub-menu]'))"
            ".map(e => e.getAttribute('href'))",
        )
        for href in dict.fromkeys(h for h in hrefs if h.startswith("/admin/")):
            slug = href.strip("/").split("/")[-1] or "index"
            self.open(f"report-{slug}", href)

    def common(self):
        self.open("account", "/admin/account/")
        self.open("search", "/admin/pages/search/?q=kongres", expect="/admin/pages/search/")
        self.reports()

    def media(self):
        if self.open("images", "/admin/images/"):
            self.open("image-edit", first_link(self.tab, r"/admin/images/\d+/"))
        if self.open("documents", "/admin/documents/"):
            self.open("document-edit", first_link(self.tab, r"/admin/documents/edit/\d+/"))

    def snippets(self, edit=True):
        for model in ("speaker", "outcome"):
            listing = f"/admin/snippets/congress/{model}/"
            if self.open(f"{model}s", listing) and edit:
                self.open(f"{model}-edit", first_link(self.tab, listing + r"edit/\d+/"))


def sign_in(browser, base, username, password):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sq-AL")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"{base}/admin/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    with tab.expect_navigation():
        tab.locator("form button[type=submit]").first.click()
    assert tab.locator("html").get_attribute("lang") == "sq", f"{username}: admin not in sq"
    return context, tab


def test_albanian_staff_see_no_english(browser, live_server, settings, tmp_path, monkeypatch):
    load_demo(settings, tmp_path, monkeypatch)
    from home.demo import staff_passwords

    site = Site.objects.get(hostname=HOST)
    ensure_examples(site)
    passwords = staff_passwords()
    exact, patterns = english_texts()
    content = content_texts()
    base = live_server.url
    roots = {p.locale.language_code: p for p in site.root_page.get_translations(inclusive=True)}
    sq_root = site.root_page

    def first_page(type_name, locale_root):
        for page in locale_root.get_descendants().specific().order_by("path"):
            if type(page).__name__ == type_name:
                return page
        raise AssertionError(f"no {type_name} under {locale_root}")

    problems, known, suspects, skipped, covered = [], [], [], [], []
    for role, username in ROLES.items():
        user = apps.get_model(django_settings.AUTH_USER_MODEL).objects.get(username=username)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "sq"
        profile.save()
        context, tab = sign_in(browser, base, username, passwords[username])
        screens = Screens(tab, base, role, exact, patterns, content)
        try:
            screens.read("dashboard-after-login")
            if role == "editor":
                screens.open("explorer", f"/admin/pages/{sq_root.pk}/")
                page = first_page("MovementPage", sq_root)
                if screens.open("page-edit", f"/admin/pages/{page.pk}/edit/"):
                    screens.editor_panels("page-edit")
                screens.media()
                screens.snippets()
            elif role == "translator":
                screens.open("explorer", f"/admin/pages/{roots['en'].pk}/")
                page = first_page("MovementPage", roots["en"])
                if screens.open("translation-editor", f"/admin/pages/{page.pk}/edit/"):
                    screens.editor_panels("translation-editor")
                screens.media()
                screens.snippets(edit=False)
            elif role == "events":
                index = first_page("CongressIndexPage", sq_root)
                screens.open("explorer", f"/admin/pages/{index.pk}/")
                congress = first_page("CongressPage", sq_root)
                if screens.open("page-edit", f"/admin/pages/{congress.pk}/edit/"):
                    screens.editor_panels("page-edit")
                screens.media()
                screens.snippets()
                if screens.open("registrations", "/admin/congress-registrations/"):
                    screens.open(
                        "registration-list",
                        first_link(tab, r"/admin/congress-registrations/\d+/"),
                    )
                if screens.open("questions", "/admin/congress-questions/"):
                    screens.open(
                        "questions-congress", first_link(tab, r"/admin/congress-questions/\d+/")
                    )
            elif role == "membership":
                if screens.open("people", "/admin/people/"):
                    screens.open("person", first_link(tab, r"/admin/people/\d+/"))
                screens.open("messages", "/admin/messages/")
                screens.open("message-new", "/admin/messages/new/")
            screens.common()
        finally:
            context.close()
        problems += screens.problems
        known += screens.known
        suspects += screens.suspects
        skipped += screens.skipped
        covered += screens.covered

    print(f"\nScreens read ({len(covered)}): " + ", ".join(covered))
    print("\nNot opened:\n" + "\n".join(skipped))
    print("\nTo look at (not failures):\n" + "\n".join(suspects))
    print("\nEnglish written without gettext upstream (known):\n" + "\n".join(known))
    print("\nEnglish:\n" + "\n".join(problems))
    assert not problems, f"{len(problems)} English texts:\n" + "\n".join(problems)
