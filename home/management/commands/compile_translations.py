"""Compile every .po file of the project into .mo with polib (pure Python).

``compilemessages`` needs GNU gettext's msgfmt, which a fresh machine with only
Python lacks; polib is already installed with wagtail-localize.
"""

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "var", "node_modules", ".git"}


class Command(BaseCommand):
    help = "Compile the project's .po translation files to .mo files."

    def handle(self, *args, **options):
        count = 0
        for po_path in sorted(Path(settings.BASE_DIR).rglob("locale/*/LC_MESSAGES/*.po")):
            if SKIP.intersection(po_path.relative_to(settings.BASE_DIR).parts):
                continue
            po = polib.pofile(str(po_path))
            mo_path = po_path.with_suffix(".mo")
            # Written aside and moved into place: a process reading the catalogue
            # meanwhile (another run of the tests, a server) sees a whole file.
            partial = mo_path.with_suffix(f".mo.{os.getpid()}")
            po.save_as_mofile(str(partial))
            os.replace(partial, mo_path)
            count += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{po_path} -> {mo_path} ({po.percent_translated()}% translated)")
        if options["verbosity"]:
            self.stdout.write(f"Compiled {count} translation file(s).")
