"""Demo sites of the three organisations (home pages, privacy notice, contact).

The texts are in home/demo_data/: one TOML file per organisation (volt.toml,
kww.toml, mvc.toml) and common.toml for the pages every organisation has. Every
text there is written for this project; the facts come from the organisations'
public descriptions. Other apps add their own pages through the ``demo_content``
Wagtail hook (see ``home/management/commands/load_demo.py``).
"""

from wagtail.models import Page

from home import demo_identity
from home.demo import (
    Bilingual,
    build_page,
    demo_data,
    demo_image,
    demo_port,
    ensure_demo_user,
    ensure_site,
    locale,
    remove_wagtail_welcome_page,
)
from home.models import OrganisationSettings, OrganisationText, SiteRole
from home.roles import collection_named, ensure_site_roles

#: The organisations, in the order their sites are made (the first is the default).
KEYS = ("volt", "kww", "mvc")


def named(spec, name):
    """``spec`` (a table of common.toml) with "{name}" replaced in each language."""
    if isinstance(spec, dict):
        if spec.keys() == {"sq", "en"}:
            return {code: spec[code].replace("{name}", name[code]) for code in ("sq", "en")}
        return {key: named(value, name) for key, value in spec.items()}
    if isinstance(spec, list):
        return [named(value, name) for value in spec]
    return spec


def build_site(spec, common, report):
    name = spec["name"]
    t = Bilingual()
    # Home pages are siblings under the root: the English one needs a slug of its own.
    home_spec = {
        "type": "home.HomePage",
        "title": name,
        "slug": {"sq": spec["slug"], "en": spec["slug"] + "-en"},
        **spec["home"],
    }
    # Media of each organisation live in its own collection (see home.roles).
    hero = demo_image(
        f"{name['en']} hero", tuple(spec["colour"]), collection=collection_named(name["en"])
    )
    root = Page.get_first_root_node()
    home = build_page(root, home_spec, t=t, hero_image=hero)
    port = demo_port()
    site = ensure_site(spec["hostname"], port, home, name["en"], is_default=spec["default"])

    pages = {"home": home}
    pages["privacy"] = build_page(home, named(common["privacy"], name))
    contact = {**common["contact"], "body": [{"type": "paragraph", "value": spec["contact"]}]}
    pages["contact"] = build_page(home, contact)

    org, _ = OrganisationSettings.objects.get_or_create(site=site)
    org.phone = spec["phone"]
    org.privacy_page = pages["privacy"]
    org.save()
    for index, code in enumerate(("sq", "en")):
        OrganisationText.objects.update_or_create(
            settings=org,
            locale=locale(code),
            defaults={
                "name": name[code],
                "short_name": spec["short"][code],
                "tagline": spec["tagline"][code],
                "postal_address": spec["address"][code],
                "sort_order": index,
            },
        )
    roles = ensure_site_roles(site)
    # Event staff and membership officers come with the congress and membership demos.
    for role in (SiteRole.EDITOR, SiteRole.TRANSLATOR):
        ensure_demo_user(spec["key"], roles[role], report)
    report.add(f"{name['en']}: http://{spec['hostname']}:{port}/sq/  and  /en/")
    return {"site": site, "pages": pages, "spec": spec, "roles": roles}


def load(report):
    remove_wagtail_welcome_page()
    common = demo_data("common")
    return {key: build_site(demo_data(key)["organisation"], common, report) for key in KEYS}


def finish(sites):
    """After every app has added its pages: contact last in each menu, in each language."""
    for entry in sites.values():
        contact = entry["pages"]["contact"]
        for page in contact.get_translations(inclusive=True):
            parent = page.get_parent()
            last = parent.get_children().last()
            if last is not None and last.pk != page.pk:
                page.move(parent, pos="last-child")
    demo_identity.apply(sites)  # colours, typeface, logo and artwork of each organisation
