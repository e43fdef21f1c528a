"""How much of each interface is translated: strings translated / strings used.

For the catalogues of other projects in ``translations/`` (Wagtail's admin,
wagtail-localize, and the libraries whose words its screens show), the strings used
are those of the installed version's own catalogue (its English template, or any of
its languages where it ships no English one: every language lists the same texts);
for the project's catalogues, the strings of the catalogue itself (``makemessages``
puts in every text of the code). Upgrading Wagtail adds texts to its template, so the
figures (and tests/home/test_translation_coverage.py) show what is left to translate.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import to_locale

TRANSLATIONS_DIR = Path(settings.BASE_DIR) / "translations"
PROJECT_APPS = ("site", "home/security", "movement", "congress", "membership")


@dataclass
class Coverage:
    name: str
    translated: int
    used: int
    missing: list

    @property
    def percent(self):
        return 100.0 * self.translated / self.used if self.used else 100.0


def _keys(po):
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


def _translated(po):
    return {(entry.msgctxt, entry.msgid) for entry in po.translated_entries() if not entry.obsolete}


def upstream_catalogue(relative, domain):
    """The installed package's own catalogue for ``translations/<relative>`` (such
    as ``wagtail/admin/locale``), or None if the package ships none."""
    top, *inner = Path(relative).parts
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    locale_dir = Path(next(iter(spec.submodule_search_locations)), *inner)
    english = locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po"
    if english.exists():
        return english
    return next(iter(sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.po"))), None)


def upstream_coverage(language="sq"):
    """Coverage of each catalogue in translations/ for ``language``."""
    results = []
    for ours in sorted(TRANSLATIONS_DIR.glob(f"**/locale/{to_locale(language)}/LC_MESSAGES/*.po")):
        locale_dir = ours.parent.parent.parent
        relative = locale_dir.relative_to(TRANSLATIONS_DIR)
        template = upstream_catalogue(relative, ours.stem)
        if template is None:
            continue
        used = _keys(polib.pofile(str(template)))
        translated = _translated(polib.pofile(str(ours))) & used
        results.append(
            Coverage(
                f"{relative.parent.as_posix().replace('/', '.')} ({ours.stem})",
                len(translated),
                len(used),
                sorted(msgid for _context, msgid in used - translated),
            )
        )
    return results


def project_coverage(language):
    """Coverage of each of the project's own catalogues for ``language``."""
    results = []
    for app in PROJECT_APPS:
        path = Path(
            settings.BASE_DIR, app, "locale", to_locale(language), "LC_MESSAGES", "django.po"
        )
        if not path.exists():
            results.append(Coverage(f"{app} (django)", 0, 1, ["(no catalogue)"]))
            continue
        po = polib.pofile(str(path))
        used, translated = _keys(po), _translated(po)
        missing = sorted(msgid for _context, msgid in used - translated)
        results.append(Coverage(f"{app} (django)", len(translated), len(used), missing))
    return results


class Command(BaseCommand):
    help = "Print how many interface strings are translated, per catalogue and language."

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="List the untranslated texts.")

    def handle(self, *args, **options):
        sections = [
            ("Admin screens of Wagtail and wagtail-localize, Albanian", upstream_coverage("sq"))
        ]
        for code, name in settings.LANGUAGES:
            if code != "en":
                sections.append(
                    (f"The project's own strings, {name} ({code})", project_coverage(code))
                )
        for title, results in sections:
            self.stdout.write(title)
            for result in results:
                self.stdout.write(self.line(result.name, result.translated, result.used))
                if options["missing"]:
                    for msgid in result.missing:
                        self.stdout.write(f"      {msgid!r}")
            translated = sum(r.translated for r in results)
            used = sum(r.used for r in results)
            self.stdout.write(self.line("All", translated, used) + "\n")

    @staticmethod
    def line(name, translated, used):
        share = 100.0 * translated / used if used else 100.0
        return f"  {name:<38} {translated:>5} / {used:<5} {share:6.1f} %"
