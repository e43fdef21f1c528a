"""``manage.py load_demo``: the three demo organisations, each in the languages its
site offers (Albanian and English; Kosovo We Want also in Serbian).

Idempotent: a second run finds everything in place and changes nothing. Apps add
their own demo content with the ``demo_content`` Wagtail hook: a function taking
``(sites, report)``, where ``sites`` maps "volt", "kww" and "mvc" to the site, its
pages so far and its spec, and ``report.add(line)`` prints a line at the end.

Besides the superuser ``admin``, each organisation gets a demo account per role
(``home.demo.ensure_demo_user``), each with its own password in
var/demo-staff-passwords.txt; the printed "Demo staff:" lines list them.
"""

from django.core.management.base import BaseCommand
from wagtail import hooks

from home import demo_content
from home.demo import DemoReport, ensure_admin, ensure_locales


class Command(BaseCommand):
    help = "Create (or complete) the demo sites of the three organisations in their languages."

    def handle(self, *args, **options):
        report = DemoReport()
        ensure_locales()
        # No transaction around the whole load: Wagtail and wagtail-localize defer
        # work to on_commit, and deferring every page to one commit at the end
        # leaves stale tree counts. Each step is idempotent instead.
        sites = demo_content.load(report)
        for hook in hooks.get_hooks("demo_content"):
            hook(sites, report)
        demo_content.finish(sites)
        ensure_admin(report)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        for line in report.lines:
            self.stdout.write(line)
