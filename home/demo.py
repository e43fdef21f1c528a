"""Building blocks for demo content in two languages.

Demo pages are written once in Albanian with their English text beside them;
English pages are then made through wagtail-localize (a TranslationSource with
string translations), exactly as a translator would in the admin, so they are
linked translations that stay in sync with the Albanian source.
"""

import io
import os
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site


class Bilingual:
    """Collects Albanian → English pairs while content is written.

    ``t = Bilingual(); title = t("Ballina", "Home")`` returns the Albanian text and
    remembers its English translation for :func:`translate_page`.
    """

    def __init__(self):
        self.pairs = {}

    def __call__(self, sq, en):
        self.pairs[sq] = en
        return sq

    def rich(self, sq, en):
        """A rich-text paragraph: one segment per paragraph."""
        self.pairs[sq] = en
        return f"<p>{sq}</p>"


def locale(code):
    return Locale.objects.get_or_create(language_code=code)[0]


def ensure_locales(**kwargs):
    """One Locale per configured content language (run after every migrate)."""
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


def translate_page(page, target_code, pairs, user=None):
    """Create the translation of ``page`` (or of a translatable snippet) through
    wagtail-localize, with the strings of ``pairs``; an existing one is kept."""
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
    translation, _ = Translation.objects.get_or_create(
        source=source, target_locale=target, defaults={"enabled": True}
    )
    missing = []
    for segment in StringSegment.objects.filter(source=source).select_related("string", "context"):
        text = segment.string.data
        if text not in pairs:
            missing.append(text)
            continue
        StringTranslation.objects.update_or_create(
            translation_of=segment.string,
            locale=target,
            context=segment.context,
            defaults={
                "data": pairs[text],
                "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
            },
        )
    translation.save_target(user=user, publish=True)
    translated = page.get_translation(target)
    if getattr(translated, "live", True) is False and hasattr(translated, "get_latest_revision"):
        # wagtail-localize publishes the new revision on commit; inside an outer
        # transaction (tests, or a caller's atomic block) that has not happened yet.
        translated.get_latest_revision().publish()
    if missing:
        raise ValueError(f"Demo content {page!r} has no {target_code} text for: {missing!r}")
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


def ensure_site(hostname, port, root_page, site_name, is_default=False):
    site = Site.objects.filter(hostname=hostname, port=port).first()
    if site is None:
        site = Site(hostname=hostname, port=port)
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
    lines: list = field(default_factory=list)

    def add(self, line):
        self.lines.append(line)


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
    report.add(f"Admin: http://127.0.0.1:8000/admin/  user: {username}  password: {password}")
    return user


def _stored_password(env_name, filename):
    """A demo password from the environment, or generated once and kept in var/."""
    password = os.environ.get(env_name, "")
    path = settings.VAR_DIR / filename
    if not password and path.exists():
        password = path.read_text().strip()
    if not password:
        password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def ensure_demo_user(username, groups, report, email=None):
    """A demo staff user in ``groups``; all demo staff share one printed password
    (DEMO_STAFF_PASSWORD, or generated once into var/demo-staff-password)."""
    User = get_user_model()
    password = _stored_password("DEMO_STAFF_PASSWORD", "demo-staff-password")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, email or f"{username}@example.org", password)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(*groups)
    names = ", ".join(g.name for g in groups)
    report.add(f"Staff: {username} / {password}  ({names})")
    return user
