"""Demo content of the membership app (the ``demo_content`` hook).

Volt Kosova and Kosovo We Want get a join page and a volunteer page in both
languages, volunteer areas and a few clearly fictitious people; every organisation
gets a demo membership officer. Idempotent: a second run finds everything in place.
"""

from home.demo import Bilingual, add_child, ensure_demo_user, locale, translate_page
from home.models import SiteRole

from .constants import OUTSIDE_KOSOVO
from .models import JoinPage, MembershipSettings, SignUp, Supporter, VolunteerArea, VolunteerPage
from .services import confirm, store_submission

FORM_SITES = ("volt", "kww")

AREAS = [
    ("campaigns", "Fushata", "Campaigns"),
    ("events", "Evente dhe takime", "Events and meetings"),
    ("social-media", "Rrjetet sociale", "Social media"),
    ("translation", "Përkthime", "Translation"),
    ("door-to-door", "Derë më derë", "Door to door"),
]

# Clearly made up: every family name is "Shembulli" ("the example").
PEOPLE = [
    ("Arta", "prishtine", "", ["membership"]),
    ("Blerim", "prizren", "", ["membership", "volunteer"]),
    ("Drita", OUTSIDE_KOSOVO, "Gjermani", ["volunteer"]),
    ("Ilir", "gjilan", "", ["membership"]),
]


def _consents(t, name_sq, name_en):
    membership = t(
        f"Pajtohem që të dhënat e mia të ruhen nga {name_sq} për të menaxhuar anëtarësimin "
        "tim dhe për të më njoftuar për aktivitetet. Mund ta tërheq këtë pëlqim në çdo kohë.",
        f"I agree that {name_en} keeps my data to manage my membership and to tell me about "
        "its activities. I can withdraw this consent at any time.",
    )
    volunteer = t(
        f"Pajtohem që të dhënat e mia të ruhen nga {name_sq} për të organizuar punën "
        "vullnetare dhe për të më kontaktuar për aktivitete. Mund ta tërheq këtë pëlqim në "
        "çdo kohë.",
        f"I agree that {name_en} keeps my data to organise volunteering and to contact me "
        "about activities. I can withdraw this consent at any time.",
    )
    return membership, volunteer


def _pages(home, spec):
    t = Bilingual()
    name_sq, name_en = spec["name"]
    membership_consent, volunteer_consent = _consents(t, name_sq, name_en)
    join = JoinPage(
        title=t("Bëhu anëtar", "Become a member"),
        slug="behu-anetar",
        intro=t.rich(
            "Anëtarët marrin pjesë në vendimet tona, sjellin ide dhe ndihmojnë që ato të bëhen "
            "realitet. Plotësoni formularin dhe do t'ju dërgojmë një email për të konfirmuar "
            "adresën tuaj.",
            "Members take part in our decisions, bring ideas and help make them happen. Fill "
            "in the form and we will send you an email to confirm your address.",
        ),
        consent_text=membership_consent,
        thank_you=t(
            "Faleminderit për interesimin! Pasi të konfirmoni adresën e emailit, do t'ju "
            "kontaktojmë për hapat e ardhshëm.",
            "Thank you for your interest! Once you confirm your email address, we will "
            "contact you about the next steps.",
        ),
        show_in_menus=False,
    )
    volunteer = VolunteerPage(
        title=t("Vullnetarizo", "Volunteer"),
        slug="vullnetarizo",
        intro=t.rich(
            "Jepni pak nga koha dhe aftësitë tuaja: në fushata, në takime, në rrjetet sociale "
            "ose derë më derë. Çdo orë ndihmon.",
            "Give some of your time and skills: in campaigns, at meetings, on social media or "
            "door to door. Every hour helps.",
        ),
        consent_text=volunteer_consent,
        membership_consent_text=membership_consent,
        thank_you=t(
            "Faleminderit që doni të ndihmoni! Konfirmoni adresën e emailit dhe do t'ju "
            "shkruajmë kur të ketë një aktivitet pranë jush.",
            "Thank you for wanting to help! Confirm your email address and we will write to "
            "you when there is an activity near you.",
        ),
        show_in_menus=False,
    )
    t("behu-anetar", "become-a-member")
    t("vullnetarizo", "volunteer")
    join, _ = add_child(home, join)
    volunteer, _ = add_child(home, volunteer)
    for page in (join, volunteer):
        translate_page(page, "en", t.pairs)
    return join, volunteer


def _settings(site):
    rules = MembershipSettings.for_site(site)
    sq, en = locale("sq"), locale("en")
    for order, (key, name_sq, name_en) in enumerate(AREAS):
        for loc, name in ((sq, name_sq), (en, name_en)):
            VolunteerArea.objects.get_or_create(
                settings=rules, key=key, locale=loc, defaults={"name": name, "sort_order": order}
            )
    return rules


def _people(site, key, join, volunteer):
    made = 0
    for number, (given, municipality, country, kinds) in enumerate(PEOPLE, start=1):
        email = f"demo-{key}-{number}@example.org"
        if Supporter.objects.filter(site=site, email=email).exists():
            continue
        signups = []
        if "volunteer" in kinds:
            signups.append(
                {
                    "kind": SignUp.Kind.VOLUNTEER,
                    "fields": {
                        "areas": ["events", "social-media"],
                        "availability": ["evenings", "weekends"],
                        "languages_spoken": "shqip, English",
                    },
                    "consents": [("signup", volunteer.consent_text)],
                }
            )
        if "membership" in kinds:
            page = join
            signups.append(
                {
                    "kind": SignUp.Kind.MEMBERSHIP,
                    "fields": {"age_confirmed": True},
                    "consents": [("signup", page.consent_text)],
                }
            )
        ids = store_submission(
            site=site,
            page=volunteer if "volunteer" in kinds else join,
            language="sq",
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
    for key, data in sites.items():
        site = data["site"]
        _settings(site)
        officer_group = (data.get("roles") or {}).get(SiteRole.MEMBERSHIP_OFFICER)
        if officer_group is not None:
            # Every organisation has people: members, volunteers or signatories.
            ensure_demo_user(key, officer_group, report)
        if key not in FORM_SITES:
            continue
        home = data["pages"].get("home") or site.root_page.specific
        join, volunteer = _pages(home, data["spec"])
        data["pages"]["join"] = join
        data["pages"]["volunteer"] = volunteer
        _people(site, key, join, volunteer)
        name = site.site_name or site.hostname
        people = Supporter.objects.filter(site=site).count()
        report.add(f"{name}: join and volunteer pages in sq and en; {people} people")
