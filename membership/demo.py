"""Demo content of the membership app (the ``demo_content`` hook).

Volt Kosova and Kosovo We Want get a join page and a volunteer page in each language
of their site (texts in home/demo_data/common.toml), volunteer areas and a few clearly
fictitious people seen only in the admin; every organisation
gets a demo membership officer. Kosovo We Want, a platform of organisations, also gets
its member organisations page (with the application form), whose list starts
honestly empty. Idempotent: a second run finds everything in place.
"""

from home.demo import Texts, build_page, demo_data, ensure_demo_user, languages_of, locale, text_in
from home.demo_content import named
from home.models import SiteRole

from .constants import OUTSIDE_KOSOVO
from .forms import contact_consent_text
from .models import MembershipSettings, SignUp, Supporter, VolunteerArea
from .services import confirm, store_submission

FORM_SITES = ("volt", "kww")
#: The site that takes organisations' applications (Kosovo We Want, a platform of
#: organisations). Its list starts empty: no organisation has applied in the demo.
MEMBERS_SITE = "kww"
MEMBERS_PAGE = {
    "type": "membership.MemberOrganisationsPage",
    "title": {
        "sq": "Organizatat anëtare",
        "sr-latn": "Organizacije članice",
        "en": "Member organisations",
    },
    "slug": {
        "sq": "organizatat-anetare",
        "sr-latn": "organizacije-clanice",
        "en": "member-organisations",
    },
    "intro": {
        "sq": "Organizatat joqeveritare, shoqatat dhe grupet e qytetarëve që punojnë "
        "për interesin publik mund t’i bashkohen platformës. Organizatat anëtare "
        "sjellin zërin e komuniteteve të tyre në takimet dhe në kongresin tonë.",
        "sr-latn": "Nevladine organizacije, udruženja i grupe građana koje rade u javnom "
        "interesu mogu da se pridruže platformi. Organizacije članice prenose glas svojih "
        "zajednica na naše sastanke i na naš kongres.",
        "en": "Non-governmental organisations, associations and citizens’ groups "
        "that work in the public interest can join the platform. Member "
        "organisations bring the voice of their communities to our meetings and "
        "to our congress.",
    },
    "principles": {
        "paragraphs": [
            {
                "sq": "Organizatat anëtare punojnë në mënyrë të pavarur nga partitë politike, "
                "mbrojnë të drejtat e njeriut dhe barazinë e të gjitha komuniteteve, dhe "
                "tregojnë hapur se kush i financon.",
                "sr-latn": "Organizacije članice rade nezavisno od političkih stranaka, "
                "zalažu se za ljudska prava i ravnopravnost svih zajednica i otvoreno "
                "govore ko ih finansira.",
                "en": "Member organisations work independently of political parties, stand "
                "up for human rights and the equality of all communities, and say openly "
                "who funds them.",
            }
        ]
    },
    "consent_text": {
        "sq": "Pajtohem që {name} t’i ruajë të dhënat e mia si person kontakti për të "
        "shqyrtuar aplikimin e organizatës dhe për të na kontaktuar për platformën. Emri, "
        "lloji, komuna dhe faqja e internetit e organizatës bëhen publike nëse aplikimi "
        "pranohet. Mund ta tërheq këtë pëlqim në çdo kohë.",
        "sr-latn": "Dajem saglasnost da {name} čuva moje podatke kao podatke kontakt osobe "
        "radi razmatranja prijave organizacije i kontaktiranja u vezi sa platformom. Naziv, "
        "vrsta, opština i veb-sajt organizacije postaju javni ako prijava bude prihvaćena. "
        "Ovu saglasnost mogu povući u svakom trenutku.",
        "en": "I agree that {name} keeps my data as the contact person to review the "
        "organisation’s application and to contact us about the platform. The "
        "organisation’s name, kind, municipality and website become public if the "
        "application is accepted. I can withdraw this consent at any time.",
    },
    "thank_you": {
        "sq": "Do ta shqyrtojmë aplikimin pasi personi i kontaktit ta konfirmojë adresën e "
        "emailit.",
        "sr-latn": "Prijavu ćemo razmotriti kada kontakt osoba potvrdi svoju imejl adresu.",
        "en": "We will review the application once the contact person confirms the email address.",
    },
    # In the menu: organisations find where to apply.
    "show_in_menus": True,
}

# Made-up people, seen only by staff in the admin: every family name is "Shembulli"
# ("the example") and every address is at example.org. Most ticked the box agreeing
# to the organisation's email, so that its Messages area has an audience; one did not.
# They signed up in Albanian.
PEOPLE = [
    ("Arta", "prishtine", "", ["membership"], True),
    ("Blerim", "prizren", "", ["membership", "volunteer"], True),
    ("Drita", OUTSIDE_KOSOVO, "Gjermani", ["volunteer"], True),
    ("Ilir", "gjilan", "", ["membership"], False),
]
#: People who signed up in another language, on the sites that offer it (Serbian:
#: Kosovo We Want).
PEOPLE_IN = {"sr-latn": [("Milica", "gracanice", "", ["membership", "volunteer"], True)]}
#: What each of them wrote under "languages spoken", in the language they wrote in.
LANGUAGES_SPOKEN = {"sq": "shqip, English", "sr-latn": "srpski, engleski"}


def _pages(home, common, name):
    """The join and volunteer pages of common.toml, with the organisation's name."""
    join_spec = named(common["join"], name)
    join = build_page(home, join_spec)
    # The volunteer form also offers membership, with the join page's consent.
    t = Texts()
    membership_consent = t.take(join_spec["consent_text"])
    volunteer = build_page(
        home, named(common["volunteer"], name), t=t, membership_consent_text=membership_consent
    )
    return join, volunteer


def _settings(site, common):
    """The volunteer areas, named in each language of the site."""
    rules = MembershipSettings.for_site(site)
    languages = languages_of(site.root_page)
    for order, area in enumerate(common["volunteer_areas"]):
        for code in languages:
            VolunteerArea.objects.get_or_create(
                settings=rules,
                key=area["key"],
                locale=locale(code),
                defaults={"name": text_in(area["name"], code), "sort_order": order},
            )
    return rules


def _people(site, key, join, volunteer):
    made = 0
    people = [(person, "sq") for person in PEOPLE] + [
        (person, code) for code in languages_of(join) for person in PEOPLE_IN.get(code, [])
    ]
    for number, (person, language) in enumerate(people, start=1):
        given, municipality, country, kinds, agrees = person
        email = f"demo-{key}-{number}@example.org"
        if Supporter.objects.filter(site=site, email=email).exists():
            continue
        # The pages and the box's words as the forms in their language show them.
        join_page, volunteer_page = (
            page.get_translation(locale(language)) for page in (join, volunteer)
        )
        extra = [("contact", contact_consent_text(site, language))] if agrees else []
        signups = []
        if "volunteer" in kinds:
            signups.append(
                {
                    "kind": SignUp.Kind.VOLUNTEER,
                    "fields": {
                        "areas": ["events", "social-media"],
                        "availability": ["evenings", "weekends"],
                        "languages_spoken": LANGUAGES_SPOKEN[language],
                    },
                    "consents": [("signup", volunteer_page.consent_text), *extra],
                }
            )
        if "membership" in kinds:
            signups.append(
                {
                    "kind": SignUp.Kind.MEMBERSHIP,
                    "fields": {"age_confirmed": True},
                    "consents": [("signup", join_page.consent_text), *extra],
                }
            )
        ids = store_submission(
            site=site,
            page=volunteer_page if "volunteer" in kinds else join_page,
            language=language,
            email=email,
            person={
                "given_name": given,
                "family_name": "Shembulli",
                "municipality": municipality,
                "country": country,
                "phone": f"+383 44 000 00{number}",
                "year_of_birth": 1990 + number,
            },
            signups=signups,
            notify=False,
        )
        confirm(ids)
        made += 1
    return made


def load(sites, report):
    common = demo_data("common")
    for key, data in sites.items():
        site = data["site"]
        _settings(site, common)
        officer_group = (data.get("roles") or {}).get(SiteRole.MEMBERSHIP_OFFICER)
        if officer_group is not None:
            # Every organisation has people: members, volunteers or signatories.
            ensure_demo_user(key, officer_group, report)
        if key not in FORM_SITES:
            continue
        home = data["pages"].get("home") or site.root_page.specific
        join, volunteer = _pages(home, common, data["spec"]["name"])
        data["pages"]["join"] = join
        data["pages"]["volunteer"] = volunteer
        _people(site, key, join, volunteer)
        if key == MEMBERS_SITE:
            data["pages"]["member_organisations"] = build_page(
                home, named(MEMBERS_PAGE, data["spec"]["name"])
            )
        name = site.site_name or site.hostname
        people = Supporter.objects.filter(site=site).count()
        languages = ", ".join(languages_of(home))
        report.add(f"{name}: join and volunteer pages in {languages}; {people} people")
