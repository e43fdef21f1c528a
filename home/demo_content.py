"""Demo sites of the three organisations (home pages, privacy notice, contact).

The texts are in home/demo_data/: one TOML file per organisation (volt.toml,
kww.toml, mvc.toml) and common.toml for the pages every organisation has. A site
is in the languages its file lists (``languages``; Albanian and English unless it
says otherwise), and every page, snippet and organisation text gets a translation
into each of them. Every text there is written for this project; the facts come
from the organisations' public descriptions. Other apps add their own pages through the ``demo_content``
Wagtail hook (see ``home/management/commands/load_demo.py``).
"""

from wagtail.models import Page

from home import demo_identity
from home.demo import (
    SOURCE,
    Texts,
    build_page,
    demo_data,
    demo_image,
    demo_languages,
    demo_port,
    ensure_demo_user,
    ensure_site,
    is_text,
    locale,
    remove_wagtail_welcome_page,
    text_in,
)
from home.models import OrganisationSettings, OrganisationText, SiteRole
from home.roles import collection_named, ensure_site_roles

#: The organisations, in the order their sites are made (the first is the default).
KEYS = ("volt", "kww", "mvc")


def named(spec, name):
    """``spec`` (a table of common.toml) with "{name}" replaced in each language the
    organisation's ``name`` is given in (its texts in other languages are left out)."""
    if is_text(spec):
        return {
            code: text.replace("{name}", name[code]) for code, text in spec.items() if code in name
        }
    if isinstance(spec, dict):
        return {key: named(value, name) for key, value in spec.items()}
    if isinstance(spec, list):
        return [named(value, name) for value in spec]
    return spec


def build_site(spec, common, report):
    name = spec["name"]
    languages = demo_languages(spec)
    t = Texts()
    # Home pages are siblings under the root: each translation needs a slug of its own.
    home_spec = {
        "type": "home.HomePage",
        "title": name,
        "slug": {code: spec["slug"] + ("" if code == SOURCE else f"-{code}") for code in languages},
        **spec["home"],
    }
    # Media of each organisation live in its own collection (see home.roles).
    hero = demo_image(
        f"{name['en']} hero", tuple(spec["colour"]), collection=collection_named(name["en"])
    )
    root = Page.get_first_root_node()
    home = build_page(root, home_spec, t=t, languages=languages, hero_image=hero)
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
    for index, code in enumerate(languages):
        OrganisationText.objects.update_or_create(
            settings=org,
            locale=locale(code),
            defaults={
                "name": text_in(name, code),
                "short_name": text_in(spec["short"], code),
                "tagline": text_in(spec["tagline"], code),
                "postal_address": text_in(spec["address"], code),
                "sort_order": index,
            },
        )
    roles = ensure_site_roles(site)
    # Event staff and membership officers come with the congress and membership demos.
    for role in (SiteRole.EDITOR, SiteRole.TRANSLATOR):
        ensure_demo_user(spec["key"], roles[role], report)
    paths = [f"/{code}/" for code in languages]
    report.add(
        f"{name['en']}: http://{spec['hostname']}:{port}{', '.join(paths[:-1])}  and  {paths[-1]}"
    )
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
