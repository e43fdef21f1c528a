"""Building blocks for demo content in the languages of each site.

Demo pages are written once in Albanian with their translations beside them
(English, and Serbian where the site offers it); the translated pages are then made
through wagtail-localize (a TranslationSource with string translations), exactly as
a translator would in the admin, so they are linked translations that stay in sync
with the Albanian source.
"""

import io
import json
import os
import secrets
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site
from wagtail.users.models import UserProfile

from home.models import SiteRole

#: The language every demo text is written in first.
SOURCE = "sq"
#: The languages of a demo site whose spec lists none (``languages = […]``).
DEFAULT_LANGUAGES = ["sq", "en"]


def language_codes():
    return [code for code, _name in settings.LANGUAGES]


def is_text(value):
    """Whether ``value`` (read from a demo TOML file) is one text in several
    languages: a table of language codes, Albanian among them."""
    return isinstance(value, dict) and SOURCE in value and value.keys() <= set(language_codes())


def text_in(texts, code):
    """The text of ``texts`` (a table of language codes) in ``code``. A missing one is
    an error, never a fallback: a page must not show another language's words."""
    if code not in texts:
        raise ValueError(f"Demo text {texts[SOURCE]!r} has no {code} version")
    return texts[code]


def demo_languages(spec):
    """The languages of the demo site described by ``spec`` (its ``languages``, else
    Albanian and English), Albanian first."""
    languages = list(spec.get("languages", DEFAULT_LANGUAGES))
    unknown = set(languages) - set(language_codes())
    if languages[:1] != [SOURCE] or unknown:
        raise ValueError(
            f"Demo site {spec.get('key')!r}: languages {languages!r} must start "
            f"with {SOURCE!r} and be in settings.LANGUAGES"
        )
    return languages


def languages_of(page):
    """The codes of the languages ``page`` is in, in the order of ``LANGUAGES``: what
    its children are translated into."""
    codes = set(
        page.get_translations(inclusive=True).values_list("locale__language_code", flat=True)
    )
    return [code for code in language_codes() if code in codes]


class Texts:
    """Collects the translations of each Albanian text while content is written.

    ``t = Texts(); title = t.take({"sq": "Ballina", "en": "Home"})`` returns the
    Albanian text and remembers its translations for :func:`translate`.
    """

    def __init__(self):
        self.translations = {}  # {Albanian text: {code: text}}

    def text(self, texts):
        """One text, ``{"sq": …, "en": …, …}``: its Albanian."""
        self.translations.setdefault(texts[SOURCE], {}).update(texts)
        return texts[SOURCE]

    def take(self, value):
        """Data read from a demo TOML file, in Albanian, with every translation
        remembered: a table of language codes (``{sq = "…", en = "…"}``) is one text,
        a table ``{paragraphs = [{sq, en}, …]}`` a rich text of one paragraph per
        text; other tables and lists are read the same way, item by item."""
        if is_text(value):
            return self.text(value)
        if isinstance(value, dict):
            if value.keys() == {"paragraphs"}:
                return "".join(f"<p>{self.text(p)}</p>" for p in value["paragraphs"])
            return {name: self.take(item) for name, item in value.items()}
        if isinstance(value, list):
            return [self.take(item) for item in value]
        return value

    def pairs(self, code):
        """{Albanian text: its ``code`` translation} of the texts taken so far."""
        return {sq: texts[code] for sq, texts in self.translations.items() if code in texts}


DATA_DIR = Path(__file__).resolve().parent / "demo_data"


def demo_data(name):
    """The demo texts of ``home/demo_data/<name>.toml`` (every language side by side)."""
    with open(DATA_DIR / f"{name}.toml", "rb") as file:
        return tomllib.load(file)


def _stream(blocks):
    """StreamField data with an id on every block and list item, so that the paths
    of wagtail-localize's segments stay the same from one reading to the next."""

    def value(data):
        if isinstance(data, dict):
            return {key: value(item) for key, item in data.items()}
        if isinstance(data, list):
            if all(isinstance(item, dict) and "type" in item for item in data):
                return _stream(data)  # a StreamBlock inside a block
            return [
                {"type": "item", "value": value(item), "id": str(uuid.uuid4())} for item in data
            ]
        return data

    return [
        {"type": block["type"], "value": value(block["value"]), "id": str(uuid.uuid4())}
        for block in blocks
    ]


def build_page(parent, spec, t=None, languages=None, **extra):
    """The Albanian page described by ``spec`` (a table of a demo TOML file: ``type``
    is the model as "app.Model", every other key a field; a list is a StreamField)
    under ``parent``, published, and its translations into ``languages`` (by default
    those ``parent`` is in: every language of its site). ``extra`` are fields set by
    the caller; texts taken with ``t`` before are translated too."""
    t = t or Texts()
    fields = {}
    for name, value in spec.items():
        if name != "type":
            value = t.take(value)
            fields[name] = json.dumps(_stream(value)) if isinstance(value, list) else value
    page = apps.get_model(spec["type"])(locale=locale(SOURCE), **fields, **extra)
    page, _ = add_child(parent, page)
    translate(page, t, languages or languages_of(parent))
    return page


def translate(instance, t, languages):
    """``instance`` (a page or a translatable snippet, in Albanian) translated into
    each of ``languages`` but its own, with the texts taken with ``t``."""
    for code in languages:
        if code != instance.locale.language_code:
            translate_page(instance, code, t.pairs(code))


def locale(code):
    return Locale.objects.get_or_create(language_code=code)[0]


def ensure_locales(**kwargs):
    """One Locale per configured content language (run after every migrate)."""
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


def translate_page(page, target_code, pairs, user=None):
    """Create the translation of ``page`` (or of a translatable snippet) into
    ``target_code`` through wagtail-localize, with the strings of ``pairs`` ({source
    text: translation}); an existing one is kept. A source text without its
    translation is an error, raised before anything is translated."""
    from wagtail_localize.models import (
        StringSegment,
        StringTranslation,
        Translation,
        TranslationSource,
    )

    target = locale(target_code)
    existing = page.get_translation_or_none(target)
    if existing is not None:
        # Already translated (an earlier run): leave it exactly as it is.
        return existing
    source, _ = TranslationSource.update_or_create_from_instance(page)
    segments = list(StringSegment.objects.filter(source=source).select_related("string", "context"))
    missing = [segment.string.data for segment in segments if segment.string.data not in pairs]
    if missing:
        raise ValueError(f"Demo content {page!r} has no {target_code} text for: {missing!r}")
    translation, _ = Translation.objects.get_or_create(
        source=source, target_locale=target, defaults={"enabled": True}
    )
    for segment in segments:
        StringTranslation.objects.update_or_create(
            translation_of=segment.string,
            locale=target,
            context=segment.context,
            defaults={
                "data": pairs[segment.string.data],
                "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
            },
        )
    translation.save_target(user=user, publish=True)
    translated = page.get_translation(target)
    if getattr(translated, "live", True) is False and hasattr(translated, "get_latest_revision"):
        # wagtail-localize publishes the new revision on commit; inside an outer
        # transaction (tests, or a caller's atomic block) that has not happened yet.
        translated.get_latest_revision().publish()
    return page.get_translation(target)


translate_object = translate_page


def add_child(parent, page):
    """Add and publish ``page`` under ``parent`` unless a page with its slug exists."""
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing is not None:
        return existing.specific, False
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page, True


def demo_image(title, colour, size=(1200, 675), label="", collection=None):
    """A small generated picture (no downloads): a gradient in the organisation's colour."""
    from PIL import Image, ImageDraw

    Image_ = get_image_model()
    existing = Image_.objects.filter(title=title).first()
    if existing:
        return existing
    width, height = size
    picture = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    r, g, b = colour
    for y in range(0, height, 6):
        shade = y / height
        draw.rectangle(
            [0, y, width, y + 6],
            fill=(
                int(r + (255 - r) * shade * 0.35),
                int(g + (255 - g) * shade * 0.35),
                int(b + (255 - b) * shade * 0.35),
            ),
        )
    for i in range(6):
        x = int(width * (0.15 + i * 0.14))
        draw.ellipse([x - 40, height * 0.55 - 40, x + 40, height * 0.55 + 40], fill=(255, 255, 255))
        draw.rectangle([x - 55, height * 0.55 + 50, x + 55, height], fill=(255, 255, 255))
    if label:
        draw.text((40, 40), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    image = Image_(
        title=title, file=ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.png")
    )
    if collection is not None:
        image.collection = collection
    image.save()
    return image


def demo_port():
    """The port the demo is served on: DEMO_PORT (``make run PORT=…`` sets it), else 8000.
    Every absolute link (canonical, hreflang, sitemap, feeds, emails, calendar files)
    comes from the Sites' port, so load_demo moves the Sites to this port."""
    value = os.environ.get("DEMO_PORT") or "8000"
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"DEMO_PORT must be a port number (1-65535), not {value!r}")
    return int(value)


def ensure_site(hostname, port, root_page, site_name, is_default=False):
    # Found by hostname alone, so loading the demo again on another port moves it there.
    site = Site.objects.filter(hostname=hostname).order_by("pk").first()
    if site is None:
        site = Site(hostname=hostname, port=port)
    site.port = port
    site.root_page = root_page
    site.site_name = site_name
    if is_default:
        Site.objects.exclude(pk=site.pk).filter(is_default_site=True).update(is_default_site=False)
        site.is_default_site = True
    site.save()
    return site


def remove_wagtail_welcome_page():
    """Wagtail's first migration adds a placeholder site and page; the demo replaces them."""
    for page in Page.objects.filter(depth=2, title="Welcome to your new Wagtail site!"):
        Site.objects.filter(root_page=page).delete()
        page.delete()


@dataclass
class DemoReport:
    """What load_demo prints at the end: its notes, then the demo staff accounts
    grouped by organisation."""

    notes: list = field(default_factory=list)
    staff: list = field(default_factory=list)

    def add(self, line):
        self.notes.append(line)

    def add_staff(self, line):
        self.staff.append(line)

    @property
    def lines(self):
        return self.notes + sorted(self.staff)


def ensure_admin(report):
    """A superuser for the demo. The password comes from DEMO_ADMIN_PASSWORD or is
    generated once and kept in var/demo-admin-password (never in the code), and is
    printed on every run."""
    User = get_user_model()
    username = os.environ.get("DEMO_ADMIN_USER", "admin")
    password = _stored_password("DEMO_ADMIN_PASSWORD", "demo-admin-password")
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_superuser(username, f"{username}@example.org", password)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
    report.add(
        f"Admin: http://127.0.0.1:{demo_port()}/admin/  user: {username}  password: {password}"
    )
    return user


def _stored_password(env_name, filename):
    """A demo password from the environment, or generated once and kept in var/."""
    password = os.environ.get(env_name, "")
    path = settings.VAR_DIR / filename
    if not password and path.exists():
        password = path.read_text().strip()
    if not password:
        password = secrets.token_urlsafe(12)
    _write_private(path, password + "\n")
    return password


def _write_private(path, text):
    """Write ``text`` to ``path``, readable by this account only (0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(text)
    path.chmod(0o600)  # a file made earlier with wider rights


# -- demo staff ----------------------------------------------------------------------

#: One line per demo staff user: "username password".
STAFF_PASSWORDS = "demo-staff-passwords.txt"

# role: (the end of the user name, what the printed line calls the role)
STAFF_ROLES = {
    SiteRole.EDITOR: ("editor", "editor"),
    SiteRole.TRANSLATOR: ("translator", "translator"),
    SiteRole.EVENT_STAFF: ("events", "event staff"),
    SiteRole.MEMBERSHIP_OFFICER: ("membership", "membership officer"),
}

# (organisation key, role): (given name, admin language). Made-up people: every
# family name is "Demo". Each organisation has someone working in Albanian.
DEMO_STAFF = {
    ("volt", SiteRole.EDITOR): ("Blerta", "sq"),
    ("volt", SiteRole.TRANSLATOR): ("Dardan", "en"),
    ("volt", SiteRole.MEMBERSHIP_OFFICER): ("Vjosa", "sq"),
    ("kww", SiteRole.EDITOR): ("Agon", "sq"),
    ("kww", SiteRole.TRANSLATOR): ("Lirie", "en"),
    ("kww", SiteRole.EVENT_STAFF): ("Genc", "sq"),
    ("kww", SiteRole.MEMBERSHIP_OFFICER): ("Teuta", "en"),
    ("mvc", SiteRole.EDITOR): ("Samir", "en"),
    ("mvc", SiteRole.TRANSLATOR): ("Mirlinda", "sq"),
    ("mvc", SiteRole.MEMBERSHIP_OFFICER): ("Burim", "sq"),
}


def staff_passwords():
    """{username: password} of var/demo-staff-passwords.txt ({} before the first run)."""
    path = settings.VAR_DIR / STAFF_PASSWORDS
    if not path.exists():
        return {}
    lines = (line.split() for line in path.read_text().splitlines())
    return {words[0]: words[1] for words in lines if len(words) == 2}


def _staff_password(username):
    """The password of ``username`` in var/, generated and added on first use."""
    passwords = staff_passwords()
    if username not in passwords:
        passwords[username] = secrets.token_urlsafe(12)
    text = "".join(f"{name} {password}\n" for name, password in passwords.items())
    _write_private(settings.VAR_DIR / STAFF_PASSWORDS, text)
    return passwords[username]


def ensure_demo_user(key, group, report):
    """The demo staff user of organisation ``key`` in ``group`` (a group of
    ``home.roles.ensure_site_roles``): "<key>-editor", "<key>-translator",
    "<key>-events" or "<key>-membership", a made-up person with an example.org
    address and an admin language (``DEMO_STAFF``). Each has a password of their own,
    generated once into var/demo-staff-passwords.txt; a later run keeps it (and
    restores it if it was changed)."""
    site_role = SiteRole.objects.select_related("site").get(group=group)
    suffix, role_label = STAFF_ROLES[site_role.role]
    given_name, language = DEMO_STAFF[(key, site_role.role)]
    username = f"{key}-{suffix}"
    password = _staff_password(username)
    details = {"first_name": given_name, "last_name": "Demo", "email": f"{username}@example.org"}
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, password=password, **details)
        else:
            changed = [name for name, value in details.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, details[name])
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
        user.groups.add(group)
        profile = UserProfile.get_for_user(user)
        if profile.preferred_language != language:
            profile.preferred_language = language
            profile.save(update_fields=["preferred_language"])
    organisation = site_role.site.site_name or site_role.site.hostname
    report.add_staff(
        f"Demo staff: {username} ({given_name} Demo), {role_label} of {organisation}, "
        f"admin in {language}; password in {settings.VAR_DIR / STAFF_PASSWORDS}"
    )
    return user
