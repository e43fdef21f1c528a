"""Demo sites of the three organisations (home pages, privacy notice, contact).

Every text here is written for this project; the facts come from the organisations'
public descriptions. Other apps add their own pages through the ``demo_content``
Wagtail hook (see ``home/management/commands/load_demo.py``).
"""

import json

from wagtail.models import Page

from home.demo import (
    Bilingual,
    add_child,
    demo_image,
    ensure_demo_user,
    ensure_site,
    locale,
    remove_wagtail_welcome_page,
    translate_page,
)
from home.models import HomePage, OrganisationSettings, OrganisationText, SiteRole, StandardPage
from home.roles import collection_named, ensure_site_roles

DEMO_PORT = 8000

ORGANISATIONS = [
    {
        "key": "volt",
        "hostname": "voltkosova.localhost",
        "default": True,
        "slug": "volt-kosova",
        "colour": (80, 35, 121),
        "name": ("Volt Kosova", "Volt Kosova"),
        "short": ("Volt", "Volt"),
        "tagline": (
            "Lëvizje progresive, pjesë e Volt Europa",
            "A progressive movement, part of Volt Europa",
        ),
        "address": ("Prishtinë, Kosovë", "Prishtina, Kosovo"),
        "email": "info@voltkosova.example.org",
        "phone": "",
        "social": {
            "facebook_url": "https://www.facebook.com/",
            "instagram_url": "https://www.instagram.com/",
        },
        "hero_heading": (
            "Një Kosovë e barabartë, e lidhur me Evropën",
            "An equal Kosovo, connected with Europe",
        ),
        "hero_intro": (
            "Jemi qytetarë në Kosovë dhe në diasporë që duan politikë të ndershme, "
            "të drejta të njëjta për të gjithë dhe bashkëpunim përtej kufijve.",
            "We are citizens in Kosovo and in the diaspora who want honest politics, "
            "the same rights for everyone and co-operation across borders.",
        ),
        "body": [
            (
                "Pse Volt?",
                "Why Volt?",
                "Volt është një lëvizje që lindi në Evropë dhe tani ka degë në shumë vende. "
                "Në Kosovë, ne nisim si organizatë joqeveritare dhe synojmë të bëhemi parti politike.",
                "Volt is a movement born in Europe that now has chapters in many countries. "
                "In Kosovo we are starting as a non-governmental organisation and aim to become "
                "a political party.",
            ),
            (
                "Ku mund të na gjeni",
                "Where to find us",
                "Takohemi në komuna anembanë Kosovës dhe në qytete evropiane ku jetojnë shqiptarët e diasporës.",
                "We meet in municipalities across Kosovo and in European cities where Albanians "
                "of the diaspora live.",
            ),
        ],
        "quote": (
            "Politika e mirë nis kur njerëzit e zakonshëm marrin pjesë.",
            "Good politics begins when ordinary people take part.",
            "Anëtare e Volt Kosova",
            "A member of Volt Kosova",
        ),
    },
    {
        "key": "kww",
        "hostname": "kosovowewant.localhost",
        "default": False,
        "slug": "kosova-qe-e-duam",
        "colour": (11, 79, 108),
        "name": ("Kosova që e duam", "Kosovo We Want"),
        "short": ("KQD", "KWW"),
        "tagline": (
            "Platformë bashkëpunimi e shoqërisë civile për një jetë të denjë",
            "A civil-society platform working together for a decent life",
        ),
        "address": (
            "Rr. Pashko Vasa 23\n10000 Prishtinë\nRepublika e Kosovës",
            "Pashko Vasa Str. 23\n10000 Prishtina\nRepublic of Kosovo",
        ),
        "email": "info@kosovowewant.example.org",
        "phone": "+383 (0) 38 600 108",
        "social": {"facebook_url": "https://www.facebook.com/"},
        "hero_heading": (
            "Mirëqenie dhe jetë e denjë për çdo qytetar",
            "Welfare and a decent life for every citizen",
        ),
        "hero_intro": (
            "Organizata të shoqërisë civile, qytetarë dhe grupe të interesit publik "
            "punojnë së bashku për arsim cilësor, shëndetësi moderne dhe qeverisje të mirë.",
            "Civil-society organisations, citizens and public-interest groups work together "
            "for good schools, modern health care and good governance.",
        ),
        "body": [
            (
                "Çfarë kërkojmë",
                "What we ask for",
                "Arsim gjithëpërfshirës me cilësi, një sistem publik shëndetësor modern, "
                "zhvillim të qëndrueshëm dhe institucione që u japin llogari qytetarëve.",
                "Inclusive, high-quality education, a modern public health system, sustainable "
                "development and institutions that answer to citizens.",
            ),
            (
                "Kongreset kombëtare",
                "National congresses",
                "Çdo vit mblidhemi në një kongres kombëtar për të parë çfarë kemi arritur "
                "dhe për të dëgjuar qytetarët, organizatat dhe politikanët.",
                "Every year we meet at a national congress to review what we have achieved "
                "and to hear from citizens, organisations and politicians.",
            ),
        ],
        "quote": (
            "Kur organizatat punojnë bashkë, zëri i qytetarëve dëgjohet më fort.",
            "When organisations work together, citizens are heard more clearly.",
            "Pjesëmarrëse në kongres",
            "A congress participant",
        ),
    },
    {
        "key": "mvc",
        "hostname": "myvotecounts.localhost",
        "default": False,
        "slug": "vote-ime-ka-ware",
        "colour": (156, 60, 0),
        "name": ("#VoteImeKaWare", "#MyVoteCounts"),
        "short": ("#VoteImeKaWare", "#MyVoteCounts"),
        "tagline": (
            "Fushatë jopartiake e Rrjetit KOSINT 2020",
            "A non-partisan campaign of the KOSINT 2020 Network",
        ),
        "address": ("Prishtinë, Kosovë", "Prishtina, Kosovo"),
        "email": "info@myvotecounts.example.org",
        "phone": "",
        "social": {"facebook_url": "https://www.facebook.com/"},
        "hero_heading": (
            "Vota jote ka peshë",
            "Your vote carries weight",
        ),
        "hero_intro": (
            "Ne trokasim në derë për t'i ftuar votuesit rom, ashkali dhe egjiptianë të "
            "votojnë, dhe u kërkojmë kandidatëve të zotohen për kërkesat e komuniteteve.",
            "We knock on doors to invite Roma, Ashkali and Egyptian voters to vote, and we "
            "ask candidates to pledge to meet the communities' demands.",
        ),
        "body": [
            (
                "Si funksionon",
                "How it works",
                "Vullnetarët bisedojnë me familjet derë më derë. Kush pajtohet, nënshkruan "
                "deklaratën e përbashkët; sa më shumë nënshkrime, aq më shumë presion mbi fituesit.",
                "Volunteers talk with families door to door. Whoever agrees signs the common "
                "statement; the more signatures, the more pressure on whoever wins.",
            ),
            (
                "Pas zgjedhjeve",
                "After the election",
                "Fushata nuk mbaron me ditën e zgjedhjeve: ne ndjekim çfarë bëjnë të zgjedhurit "
                "për secilën kërkesë dhe e publikojmë.",
                "The campaign does not end on election day: we follow what the winners do on "
                "each demand and publish it.",
            ),
        ],
        "quote": (
            "Kur votojmë të gjithë, askush nuk mund të na anashkalojë.",
            "When we all vote, nobody can overlook us.",
            "Vullnetar në Fushë Kosovë",
            "A volunteer in Fushë Kosovë",
        ),
    },
]


def _privacy_body(t, org_name_sq, org_name_en):
    return json.dumps(
        [
            {
                "type": "heading",
                "value": {
                    "text": t("Kush i përpunon të dhënat", "Who processes the data"),
                    "level": "h2",
                },
            },
            {
                "type": "paragraph",
                "value": t.rich(
                    f"Të dhënat që na jepni i përpunon {org_name_sq}. Ato përdoren vetëm për "
                    "qëllimin për të cilin i keni dhënë.",
                    f"The data you give us is processed by {org_name_en}. It is used only for the "
                    "purpose you gave it for.",
                ),
            },
            {
                "type": "heading",
                "value": {"text": t("Të drejtat tuaja", "Your rights"), "level": "h2"},
            },
            {
                "type": "paragraph",
                "value": t.rich(
                    "Sipas Ligjit Nr. 06/L-082 për mbrojtjen e të dhënave personale, mund të kërkoni "
                    "një kopje të të dhënave tuaja, korrigjimin ose fshirjen e tyre në çdo kohë.",
                    "Under Law No. 06/L-082 on the Protection of Personal Data you may ask for a copy "
                    "of your data, its correction or its erasure at any time.",
                ),
            },
            {
                "type": "paragraph",
                "value": t.rich(
                    "Regjistrimet e pakonfirmuara fshihen automatikisht pas një kohe të shkurtër.",
                    "Sign-ups that are never confirmed are deleted automatically after a short time.",
                ),
            },
        ]
    )


def build_site(spec, report):
    root = Page.get_first_root_node()
    t = Bilingual()
    sq_name, en_name = spec["name"]
    body = []
    for h_sq, h_en, p_sq, p_en in spec["body"]:
        body.append({"type": "heading", "value": {"text": t(h_sq, h_en), "level": "h2"}})
        body.append({"type": "paragraph", "value": t.rich(p_sq, p_en)})
    q_sq, q_en, a_sq, a_en = spec["quote"]
    body.append({"type": "quote", "value": {"quote": t(q_sq, q_en), "attribution": t(a_sq, a_en)}})

    # Media of each organisation live in its own collection (see home.roles).
    hero_image = demo_image(f"{en_name} hero", spec["colour"], collection=collection_named(en_name))
    home = HomePage(
        title=t(sq_name, en_name),
        slug=spec["slug"],
        locale=locale("sq"),
        hero_heading=t(*spec["hero_heading"]),
        hero_intro=t(*spec["hero_intro"]),
        hero_image=hero_image,
        body=json.dumps(body),
    )
    home, created = add_child(root, home)
    site = ensure_site(spec["hostname"], DEMO_PORT, home, en_name, is_default=spec["default"])

    pages = {"home": home}
    privacy = StandardPage(
        title=t("Njoftimi për privatësinë", "Privacy notice"),
        slug="privatesia",
        intro=t(
            "Si i mbledhim, i ruajmë dhe i mbrojmë të dhënat tuaja personale.",
            "How we collect, keep and protect your personal data.",
        ),
        body=_privacy_body(t, sq_name, en_name),
        show_in_menus=False,
    )
    pages["privacy"], _ = add_child(home, privacy)
    contact_lines = [
        t.rich(
            f"Na shkruani në {spec['email']} ose na gjeni në rrjetet sociale.",
            f"Write to us at {spec['email']} or find us on social media.",
        )
    ]
    if spec["phone"]:
        contact_lines.append(t.rich(f"Telefoni: {spec['phone']}", f"Phone: {spec['phone']}"))
    contact = StandardPage(
        title=t("Kontakti", "Contact"),
        slug="kontakti",
        intro=t("Si të na kontaktoni.", "How to reach us."),
        body=json.dumps([{"type": "paragraph", "value": line} for line in contact_lines]),
        show_in_menus=True,
    )
    pages["contact"], _ = add_child(home, contact)
    t("privatesia", "privacy")
    t("kontakti", "contact")
    t(spec["slug"], spec["slug"] + "-en")  # home slugs are siblings under the root

    for page in (home, pages["privacy"], pages["contact"]):
        translate_page(page, "en", t.pairs)

    org, _ = OrganisationSettings.objects.get_or_create(site=site)
    org.email = spec["email"]
    org.phone = spec["phone"]
    org.privacy_page = pages["privacy"]
    for field_name, url in spec["social"].items():
        setattr(org, field_name, url)
    org.save()
    for code, index in (("sq", 0), ("en", 1)):
        OrganisationText.objects.update_or_create(
            settings=org,
            locale=locale(code),
            defaults={
                "name": spec["name"][index],
                "short_name": spec["short"][index],
                "tagline": spec["tagline"][index],
                "postal_address": spec["address"][index],
                "sort_order": index,
            },
        )
    roles = ensure_site_roles(site)
    # Event staff and membership officers come with the congress and membership demos.
    for role in (SiteRole.EDITOR, SiteRole.TRANSLATOR):
        ensure_demo_user(spec["key"], roles[role], report)
    report.add(f"{en_name}: http://{spec['hostname']}:{DEMO_PORT}/sq/  and  /en/")
    return {"site": site, "pages": pages, "spec": spec, "roles": roles}


def load(report):
    remove_wagtail_welcome_page()
    return {spec["key"]: build_site(spec, report) for spec in ORGANISATIONS}


def finish(sites):
    """After every app has added its pages: contact last in each menu, in each language."""
    for entry in sites.values():
        contact = entry["pages"]["contact"]
        for page in contact.get_translations(inclusive=True):
            parent = page.get_parent()
            last = parent.get_children().last()
            if last is not None and last.pk != page.pk:
                page.move(parent, pos="last-child")
