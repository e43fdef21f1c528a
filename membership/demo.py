"""Demo content of the membership app (the ``demo_content`` hook).

Volt Kosova and Kosovo We Want get a join page and a volunteer page in both
languages (texts in home/demo_data/common.toml), volunteer areas and a few clearly
fictitious people seen only in the admin; every organisation
gets a demo membership officer. Idempotent: a second run finds everything in place.
"""

from home.demo import Bilingual, build_page, demo_data, ensure_demo_user, locale
from home.demo_content import named
from home.models import SiteRole

from .constants import OUTSIDE_KOSOVO
from .models import MembershipSettings, SignUp, Supporter, VolunteerArea
from .services import confirm, store_submission

FORM_SITES = ("volt", "kww")

# Made-up people, seen only by staff in the admin: every family name is "Shembulli"
# ("the example") and every address is at example.org.
PEOPLE = [
    ("Arta", "prishtine", "", ["membership"]),
    ("Blerim", "prizren", "", ["membership", "volunteer"]),
    ("Drita", OUTSIDE_KOSOVO, "Gjermani", ["volunteer"]),
    ("Ilir", "gjilan", "", ["membership"]),
]


def _pages(home, common, name):
    """The join and volunteer pages of common.toml, with the organisation's name."""
    join_spec = named(common["join"], name)
    join = build_page(home, join_spec)
    # The volunteer form also offers membership, with the join page's consent.
    t = Bilingual()
    membership_consent = t.take(join_spec["consent_text"])
    volunteer = build_page(
        home, named(common["volunteer"], name), t=t, membership_consent_text=membership_consent
    )
    return join, volunteer


def _settings(site, common):
    rules = MembershipSettings.for_site(site)
    sq, en = locale("sq"), locale("en")
    for order, area in enumerate(common["volunteer_areas"]):
        for loc in (sq, en):
            VolunteerArea.objects.get_or_create(
                settings=rules,
                key=area["key"],
                locale=loc,
                defaults={"name": area["name"][loc.language_code], "sort_order": order},
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
        name = site.site_name or site.hostname
        people = Supporter.objects.filter(site=site).count()
        report.add(f"{name}: join and volunteer pages in sq and en; {people} people")
