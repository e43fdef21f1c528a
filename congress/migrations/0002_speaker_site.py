"""Speakers belong to one organisation's site.

Each existing speaker (with all its translations) goes to the site whose congress
pages use it in their agenda or speaker list (the site with most uses, the lowest
id on a tie); a speaker no congress uses goes to the first site (the default site,
else the lowest id)."""

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models


def _speaker_ids(raw_blocks):
    """Speaker ids in the raw JSON of an agenda or speakers StreamField."""
    for block in raw_blocks or []:
        value = block.get("value")
        if block.get("type") == "speaker":
            yield value
        elif block.get("type") == "session" and isinstance(value, dict):
            for item in value.get("speakers") or []:
                # A ListBlock item is {"type": "item", "value": id, "id": uuid}, or
                # the bare id in content saved before that format.
                yield item.get("value") if isinstance(item, dict) else item


def assign_sites(apps, schema_editor):
    Speaker = apps.get_model("congress", "Speaker")
    CongressPage = apps.get_model("congress", "CongressPage")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    if not Speaker.objects.exists():
        return
    sites = list(Site.objects.order_by("-is_default_site", "pk"))
    if not sites:
        raise RuntimeError("Speakers exist but no site does: add a site before migrating.")
    roots = []  # (path of a root page in any language, site id)
    for site in sites:
        key = Page.objects.filter(pk=site.root_page_id).values_list("translation_key", flat=True)
        for path in Page.objects.filter(translation_key__in=key).values_list("path", flat=True):
            roots.append((path, site.pk))

    key_of = dict(Speaker.objects.values_list("pk", "translation_key"))
    uses = {}  # translation key -> Counter of site ids
    for page in CongressPage.objects.only("path", "agenda", "speakers"):
        site_id = next((s for path, s in roots if page.path.startswith(path)), None)
        if site_id is None:
            continue
        for field in (page.agenda, page.speakers):
            for speaker_id in _speaker_ids(field.raw_data):
                key = key_of.get(speaker_id)
                if key is not None:
                    uses.setdefault(key, Counter())[site_id] += 1

    first = sites[0].pk
    for key in set(key_of.values()):
        counted = uses.get(key)
        site_id = min(counted, key=lambda s: (-counted[s], s)) if counted else first
        Speaker.objects.filter(translation_key=key).update(site_id=site_id)


class Migration(migrations.Migration):
    dependencies = [
        ("congress", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="speaker",
            name="site",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="wagtailcore.site",
                verbose_name="organisation's site",
                help_text="The organisation whose congresses this speaker appears at.",
            ),
        ),
        migrations.RunPython(assign_sites, migrations.RunPython.noop),
    ]
