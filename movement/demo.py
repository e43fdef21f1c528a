"""Demo content of the movement app, in Albanian with English translations.

- #MyVoteCounts: a campaign index and the 2019 campaign with its three demands,
  the statement (with demo signatures), fictitious candidates' pledges and a
  progress history (its figures are marked as demo figures).
- Volt Kosova and Kosovo We Want: their "About us" MovementPage; Volt Kosova also a
  campaign index, with no campaign yet.
- Every site: a news index with a few news pages.

Idempotent: pages are found by slug, records by natural keys.
"""

import datetime
import json
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page

from home.demo import Bilingual, add_child, demo_image, locale, translate_page
from home.roles import ensure_site_roles
from membership import services
from membership.models import SignUp

from .blocks import JOIN, VOLUNTEER
from .choices import Status
from .models import (
    CampaignIndexPage,
    CampaignPage,
    Demand,
    MovementPage,
    NewsIndexPage,
    NewsPage,
    Pledge,
    ProgressUpdate,
)


def _points(t, items):
    return [{"title": t(a, b), "text": t(c, d)} for a, b, c, d in items]


def _closing(t, heading, text, join_text, volunteer_text, volunteer_description):
    return {
        "type": "closing_actions",
        "value": {
            "heading": t(*heading),
            "text": t(*text),
            "actions": [
                {"kind": JOIN, "text": t(*join_text), "description": "", "page": None},
                {
                    "kind": VOLUNTEER,
                    "text": t(*volunteer_text),
                    "description": t(*volunteer_description),
                    "page": None,
                },
            ],
        },
    }


def _areas(t, heading, intro, areas):
    return {
        "type": "work_areas",
        "value": {
            "heading": t(*heading),
            "intro": t(*intro) if intro else "",
            "areas": [
                {
                    "title": t(*title),
                    "text": t(*text),
                    "activities": [t(*activity) for activity in activities],
                }
                for title, text, activities in areas
            ],
        },
    }


# -- Volt Kosova ---------------------------------------------------------------------


def volt_about(home):
    t = Bilingual()
    body = [
        {
            "type": "mission",
            "value": {
                "heading": t("Misioni Ynë", "Our mission"),
                "statement": t(
                    "Duam që shqiptarët në Kosovë dhe në diasporën evropiane të kenë fjalë "
                    "të drejtpërdrejtë në politikat që u përcaktojnë jetën.",
                    "We want Albanians in Kosovo and in the European diaspora to have a direct "
                    "say in the policies that shape their lives.",
                ),
                "goals": _points(
                    t,
                    [
                        (
                            "Angazhim demokratik",
                            "Democratic engagement",
                            "Të themelojmë një organizatë joqeveritare që i përhap vlerat "
                            "demokratike dhe e nxit pjesëmarrjen qytetare.",
                            "Set up a non-governmental organisation that spreads democratic "
                            "values and encourages people to take part in public life.",
                        ),
                        (
                            "Bashkëpunim rajonal",
                            "Regional co-operation",
                            "Të ndërtojmë lidhje të qëndrueshme me komunitetet shqiptare "
                            "anembanë Bashkimit Evropian.",
                            "Build lasting ties with Albanian communities throughout the "
                            "European Union.",
                        ),
                        (
                            "Politika progresive",
                            "Progressive policy",
                            "Të mbrojmë drejtësinë sociale, barazinë dhe integrimin rajonal "
                            "në çdo propozim që bëjmë.",
                            "Stand up for social justice, equality and regional integration "
                            "in every proposal we make.",
                        ),
                    ],
                ),
            },
        },
        {
            "type": "vision",
            "value": {
                "heading": t("Vizioni Ynë", "Our vision"),
                "intro": t(
                    "Punojmë për një shoqëri të ndërtuar mbi katër shtylla.",
                    "We work for a society built on four pillars.",
                ),
                "points": _points(
                    t,
                    [
                        (
                            "Barazi për të gjithë",
                            "Equality for everyone",
                            "Çdo njeri ka të njëjtat mundësi, pavarësisht nga prejardhja.",
                            "Everyone has the same chances, whatever their background.",
                        ),
                        (
                            "Dinjitet dhe të drejta të njeriut",
                            "Dignity and human rights",
                            "Institucionet respektojnë dinjitetin dhe të drejtat e secilit.",
                            "Institutions respect the dignity and the rights of every person.",
                        ),
                        (
                            "Solidaritet dhe bashkëpunim",
                            "Solidarity and co-operation",
                            "Problemet e përbashkëta i zgjidhim së bashku, brenda dhe jashtë "
                            "vendit.",
                            "We solve shared problems together, at home and abroad.",
                        ),
                        (
                            "Liri besimi dhe shprehjeje",
                            "Freedom of belief and expression",
                            "Secili mund të besojë dhe të thotë lirshëm atë që mendon.",
                            "Everyone is free to believe what they wish and to say what they "
                            "think.",
                        ),
                    ],
                ),
            },
        },
        {
            "type": "values",
            "value": {
                "heading": t("Vlerat Tona", "Our values"),
                "values": _points(
                    t,
                    [
                        (
                            "Mosdiskriminim dhe gjithëpërfshirje",
                            "Non-discrimination and inclusion",
                            "Nuk pranojmë asnjë diskriminim për shkak të etnisë, gjinisë, "
                            "orientimit seksual, moshës apo aftësisë.",
                            "We accept no discrimination on grounds of ethnicity, gender, "
                            "sexual orientation, age or ability.",
                        ),
                        (
                            "Harmoni ndëretnike",
                            "Harmony between communities",
                            "Kosova është shtëpia e të gjitha komuniteteve të saj dhe duam që "
                            "ato të jetojnë në paqe e respekt.",
                            "Kosovo is home to all its communities, and we want them to live "
                            "together in peace and respect.",
                        ),
                        (
                            "Transparencë dhe llogaridhënie",
                            "Transparency and accountability",
                            "Vendimet dhe financat tona janë të hapura për anëtarët dhe për "
                            "publikun.",
                            "Our decisions and finances are open to our members and to the public.",
                        ),
                        (
                            "Solidaritet dhe mbështetje",
                            "Solidarity and support",
                            "Qëndrojmë pranë atyre që kanë nevojë dhe e ndihmojmë njëri-tjetrin.",
                            "We stand by those in need and help one another.",
                        ),
                    ],
                ),
            },
        },
        _areas(
            t,
            ("Çfarë Bëjmë", "What we do"),
            None,
            [
                (
                    ("Nga organizatë në parti", "From organisation to party"),
                    (
                        "Fillojmë si organizatë joqeveritare dhe synojmë të shndërrohemi më "
                        "vonë në parti politike.",
                        "We are starting as a non-governmental organisation and plan to "
                        "become a political party later.",
                    ),
                    [
                        ("Themelimi i organizatës", "Founding the organisation"),
                        ("Ndërtimi i grupeve lokale", "Building local teams"),
                    ],
                ),
                (
                    ("Angazhim në komunitet", "Community engagement"),
                    (
                        "Punojmë me komunitetet lokale, me shoqërinë civile dhe me zëra që "
                        "kanë ndikim.",
                        "We work with local communities, civil society and voices that "
                        "people listen to.",
                    ),
                    [
                        ("Fushata ndërgjegjësimi", "Awareness campaigns"),
                        ("Takime me qytetarët", "Meetings with citizens"),
                    ],
                ),
                (
                    ("Aleanca", "Alliances"),
                    (
                        "Lidhim aleanca me organizata joqeveritare, me akademinë dhe me "
                        "organizata kulturore.",
                        "We form alliances with non-governmental organisations, academia "
                        "and cultural organisations.",
                    ),
                    [
                        ("Projekte të përbashkëta", "Joint projects"),
                        ("Debate publike", "Public debates"),
                    ],
                ),
                (
                    ("Bashkëpunim ndërkufitar", "Cross-border co-operation"),
                    (
                        "Punojmë krah për krah me degët e tjera të Volt në Evropë.",
                        "We work side by side with the other Volt chapters in Europe.",
                    ),
                    [
                        ("Shkëmbim përvojash", "Sharing experience"),
                        ("Fushata të përbashkëta evropiane", "Joint European campaigns"),
                    ],
                ),
            ],
        ),
        _closing(
            t,
            ("Bashkohu me ne", "Join us"),
            (
                "Qofsh në Kosovë apo në diasporë, ka vend për ty në Volt.",
                "Whether you live in Kosovo or abroad, there is a place for you in Volt.",
            ),
            ("Bëhu Anëtar", "Become a member"),
            ("Vullnetarizo", "Volunteer"),
            ("Jep kohën dhe aftësitë e tua.", "Give your time and your skills."),
        ),
    ]
    page = MovementPage(
        title=t("Rreth nesh", "About us"),
        slug=t("rreth-nesh", "about-us"),
        intro=t(
            "Kush jemi, çfarë duam dhe si punojmë.",
            "Who we are, what we want and how we work.",
        ),
        body=json.dumps(body),
        show_in_menus=True,
    )
    page, _ = add_child(home, page)
    translate_page(page, "en", t.pairs)
    return page


# -- Kosovo We Want --------------------------------------------------------------------


def kww_about(home):
    t = Bilingual()
    body = [
        {
            "type": "mission",
            "value": {
                "heading": t("Misioni ynë", "Our mission"),
                "statement": t(
                    "Bashkojmë organizata të shoqërisë civile, qytetarë dhe grupe të interesit "
                    "publik që punojnë për mirëqenien dhe jetën e denjë të çdo qytetari.",
                    "We bring together civil-society organisations, citizens and "
                    "public-interest groups who work for the welfare and a decent life of "
                    "every citizen.",
                ),
                "goals": _points(
                    t,
                    [
                        (
                            "Bashkëpunim",
                            "Co-operation",
                            "Një zë i përbashkët për atë që kërkojnë qytetarët.",
                            "One shared voice for what citizens ask for.",
                        ),
                        (
                            "Llogaridhënie",
                            "Accountability",
                            "Ndjekim çfarë bëjnë institucionet me premtimet e tyre.",
                            "We follow what institutions do with their promises.",
                        ),
                        (
                            "Pjesëmarrje",
                            "Participation",
                            "Ftojmë gjithnjë e më shumë njerëz dhe organizata të bashkohen.",
                            "We keep inviting more people and organisations to join.",
                        ),
                    ],
                ),
            },
        },
        _areas(
            t,
            ("Pesë fushat e përpjekjes politike", "Five linked areas of political effort"),
            (
                "Kongresi i parë kombëtar përcaktoi pesë fusha, të lidhura me njëra-tjetrën, "
                "ku platforma e përqendron punën e saj.",
                "The first national congress set out five areas, each linked to the others, "
                "where the platform focuses its work.",
            ),
            [
                (
                    ("Arsim cilësor dhe gjithëpërfshirës", "Quality, inclusive education"),
                    (
                        "Shkolla ku çdo fëmijë mëson mirë, pavarësisht nga prejardhja apo "
                        "aftësitë.",
                        "Schools where every child learns well, whatever their background or "
                        "abilities.",
                    ),
                    [
                        ("Monitorimi i buxhetit për arsimin", "Monitoring the education budget"),
                        ("Propozime për kurrikulën", "Proposals for the curriculum"),
                    ],
                ),
                (
                    ("Shëndetësi publike moderne", "A modern public health system"),
                    (
                        "Shërbime shëndetësore të arritshme dhe cilësore për të gjithë.",
                        "Affordable, good-quality health care for everyone.",
                    ),
                    [
                        ("Debate për sigurimet shëndetësore", "Debates on health insurance"),
                        ("Anketa me pacientët", "Surveys of patients"),
                    ],
                ),
                (
                    ("Zhvillim i qëndrueshëm", "Sustainable development"),
                    (
                        "Rritje ekonomike që e ruan mjedisin dhe u shërben brezave që vijnë.",
                        "Economic growth that protects the environment and serves the "
                        "generations to come.",
                    ),
                    [("Analiza të politikave mjedisore", "Analyses of environmental policy")],
                ),
                (
                    ("Qeverisje e mirë", "Good governance"),
                    (
                        "Institucione të hapura e të ndershme, që u japin llogari qytetarëve.",
                        "Open and honest institutions that answer to citizens.",
                    ),
                    [
                        ("Ndjekja e premtimeve zgjedhore", "Tracking election promises"),
                        (
                            "Kërkesa për qasje në dokumente publike",
                            "Requests for access to public documents",
                        ),
                    ],
                ),
                (
                    (
                        "Siguri sociale dhe punë e denjë",
                        "Social security and decent work",
                    ),
                    (
                        "Paga të drejta, kushte të sigurta pune dhe mbrojtje sociale për ata që "
                        "kanë nevojë.",
                        "Fair pay, safe working conditions and social protection for those "
                        "who need it.",
                    ),
                    [
                        (
                            "Kongres kombëtar për sigurinë sociale",
                            "A national congress on social security",
                        ),
                        (
                            "Dialog me sindikatat dhe punëdhënësit",
                            "Dialogue with trade unions and employers",
                        ),
                    ],
                ),
            ],
        ),
        _closing(
            t,
            ("Bashkohuni me platformën", "Join the platform"),
            (
                "Organizatat dhe qytetarët që i ndajnë këto synime janë të mirëpritur.",
                "Organisations and citizens who share these aims are welcome.",
            ),
            ("Bëhu anëtar", "Become a member"),
            ("Vullnetarizo", "Volunteer"),
            (
                "Ndihmo në kongrese, në anketa ose në fushata.",
                "Help at congresses, with surveys or in campaigns.",
            ),
        ),
    ]
    page = MovementPage(
        title=t("Rreth platformës", "About the platform"),
        slug=t("rreth-platformes", "about-the-platform"),
        intro=t(
            "Kosova që e duam është platformë bashkëpunimi për një jetë të denjë.",
            "Kosovo We Want is a platform of co-operation for a decent life.",
        ),
        body=json.dumps(body),
        show_in_menus=True,
    )
    page, _ = add_child(home, page)
    translate_page(page, "en", t.pairs)
    return page


# -- #MyVoteCounts ---------------------------------------------------------------------

DEMANDS = [
    {
        "title": ("Më shumë punësim në sektorin publik", "More jobs in the public sector"),
        "explanation": (
            "Punësimi i pjesëtarëve të komuniteteve rom, ashkali dhe egjiptian në institucionet "
            "publike lokale dhe qendrore të rritet për së paku 10% dhe të arrijë pjesën që ata "
            "zënë në popullsi.",
            "Employment of members of the Roma, Ashkali and Egyptian communities in local and "
            "central public institutions should grow by at least 10% and reach their share of "
            "the population.",
        ),
        "indicator": (
            "Rritja e numrit të të punësuarve RAE në sektorin publik, krahasuar me vlerën bazë",
            "Growth in the number of RAE employees in the public sector, against the baseline",
        ),
        "unit": ("%", "%"),
        "baseline_value": Decimal(0),
        "baseline_date": datetime.date(2019, 10, 1),
        "target_value": Decimal(10),
        "deadline": datetime.date(2022, 12, 31),
    },
    {
        "title": ("Më shumë fëmijë në shkollë", "More children in school"),
        "explanation": (
            "Regjistrimi dhe përfundimi i shkollës fillore për fëmijët e komuniteteve rom, "
            "ashkali dhe egjiptian të arrijë 90%, kurse i shkollës së mesme 50%.",
            "Enrolment in and completion of primary school by children of the Roma, Ashkali "
            "and Egyptian communities should reach 90%, and of secondary school 50%.",
        ),
        "indicator": (
            "Përqindja e fëmijëve RAE që e përfundojnë shkollën fillore",
            "Share of RAE children who complete primary school",
        ),
        "unit": ("%", "%"),
        "baseline_value": None,
        "baseline_date": None,
        "target_value": Decimal(90),
        "deadline": datetime.date(2022, 12, 31),
    },
    {
        "title": (
            "Linja buxhetore për prioritetet e komuniteteve",
            "Budget lines for the communities' priorities",
        ),
        "explanation": (
            "Buxhetet e komunave dhe të qeverisë qendrore të kenë linja me kode të veçanta për "
            "prioritetet e komuniteteve rom, ashkali dhe egjiptian, që gjithkush të shohë sa "
            "ndahet dhe sa shpenzohet.",
            "Municipal and central government budgets should have lines with their own codes "
            "for the priorities of the Roma, Ashkali and Egyptian communities, so that anyone "
            "can see how much is set aside and spent.",
        ),
        "indicator": (
            "Numri i buxheteve (38 komunale dhe një qendror) me kod të veçantë për prioritetet RAE",
            "Number of budgets (38 municipal and one central) with a dedicated code for RAE "
            "priorities",
        ),
        "unit": ("buxhete", "budgets"),
        "baseline_value": Decimal(0),
        "baseline_date": datetime.date(2019, 10, 1),
        "target_value": Decimal(39),
        "deadline": datetime.date(2022, 12, 31),
    },
]

# (demand index, date, status, value, Albanian note, English note); the figures are
# invented for the demo and the notes say so.
PROGRESS = [
    (
        0,
        datetime.date(2020, 6, 15),
        Status.IN_THE_WORKS,
        Decimal(2),
        "Dy komuna shpallën konkurse që u drejtohen edhe kandidatëve nga komunitetet. "
        "(Shifër demonstruese.)",
        "Two municipalities advertised posts that also reach out to candidates from the "
        "communities. (Demo figure.)",
    ),
    (
        0,
        datetime.date(2021, 9, 1),
        Status.STALLED,
        Decimal(3),
        "Pas ndryshimit të qeverisë, punësimet e reja u ngadalësuan. (Shifër demonstruese.)",
        "After the change of government, new hiring slowed down. (Demo figure.)",
    ),
    (
        0,
        datetime.date(2023, 1, 20),
        Status.PARTLY_ACHIEVED,
        Decimal(6),
        "Afati kaloi: rritja është reale, por larg caqeve. (Shifër demonstruese.)",
        "The deadline has passed: the growth is real but well short of the target. (Demo figure.)",
    ),
    (
        1,
        datetime.date(2020, 9, 30),
        Status.IN_THE_WORKS,
        Decimal(78),
        "Komunat nisën programe për regjistrimin e fëmijëve në fillim të vitit shkollor. "
        "(Shifër demonstruese.)",
        "Municipalities started programmes to enrol children at the start of the school "
        "year. (Demo figure.)",
    ),
    (
        1,
        datetime.date(2023, 1, 20),
        Status.PARTLY_ACHIEVED,
        Decimal(84),
        "Më shumë fëmijë e përfundojnë shkollën fillore, por 90% nuk u arrit. "
        "(Shifër demonstruese.)",
        "More children finish primary school, but 90% was not reached. (Demo figure.)",
    ),
    (
        2,
        datetime.date(2020, 3, 1),
        Status.STALLED,
        Decimal(0),
        "Asnjë buxhet nuk ka ende kod të veçantë. (Shifër demonstruese.)",
        "No budget has a dedicated code yet. (Demo figure.)",
    ),
    (
        2,
        datetime.date(2021, 12, 20),
        Status.IN_THE_WORKS,
        Decimal(4),
        "Katër komuna shtuan kode të veçanta në buxhetet e vitit 2022. (Shifër demonstruese.)",
        "Four municipalities added dedicated codes to their 2022 budgets. (Demo figure.)",
    ),
    (
        2,
        datetime.date(2023, 1, 20),
        Status.NOT_ACHIEVED,
        Decimal(5),
        "Afati kaloi me vetëm pesë buxhete me kod të veçantë. (Shifër demonstruese.)",
        "The deadline passed with only five budgets carrying a dedicated code. (Demo figure.)",
    ),
]

# Clearly fictitious candidates and lists.
PLEDGES = [
    ("Arbër Demo", "Lista Shembull", "prizren", datetime.date(2019, 9, 12), True),
    ("Drita Shembulli", "Partia Imagjinare", "fushe-kosove", datetime.date(2019, 9, 14), True),
    ("Besim Provë", "Lista Shembull", "gjakove", datetime.date(2019, 9, 18), False),
    ("Mimoza Fiktive", "Nisma Demo", "peje", datetime.date(2019, 9, 21), True),
    ("Ilir Testi", "Partia Imagjinare", "ferizaj", datetime.date(2019, 9, 25), False),
    ("Luljeta Imagjinare", "Nisma Demo", "prizren", datetime.date(2019, 9, 28), False),
]

DEMO_SIGNATURES = 64
DEMO_NAMES = [
    ("Ardit", "Demo"),
    ("Besa", "Shembulli"),
    ("Elira", "Provë"),
    ("Fatos", "Fiktivi"),
    ("Gresa", "Imagjinare"),
    ("Hana", "Testi"),
    ("Jeton", "Demo"),
    ("Kaltrina", "Shembulli"),
]
DEMO_MUNICIPALITIES = ["prizren", "fushe-kosove", "gjakove", "peje", "ferizaj", "prishtine"]


def volt_campaigns(home):
    """Volt Kosova's campaign index: no campaign of its own is published yet, so the
    page says what will appear there (and the list says there is none yet)."""
    t = Bilingual()
    index = CampaignIndexPage(
        title=t("Fushatat", "Campaigns"),
        slug=t("fushatat", "campaigns"),
        intro=t(
            "Këtu do të publikojmë fushatat ndërgjegjësuese të Volt Kosova: çfarë kërkojmë, "
            "deri kur, dhe si mund të merrni pjesë, në Kosovë ose në diasporë.",
            "This is where Volt Kosova will publish its awareness campaigns: what we ask for, "
            "by when, and how you can take part, in Kosovo or in the diaspora.",
        ),
        show_in_menus=True,
    )
    index, _ = add_child(home, index)
    translate_page(index, "en", t.pairs)
    return index


def mvc_campaign(home, site, report):
    t = Bilingual()
    index = CampaignIndexPage(
        title=t("Fushatat", "Campaigns"),
        slug=t("fushatat", "campaigns"),
        intro=t(
            "Fushatat tona jopartiake për pjesëmarrje në zgjedhje dhe për llogaridhënie.",
            "Our non-partisan campaigns for turnout and accountability.",
        ),
        show_in_menus=True,
    )
    index, _ = add_child(home, index)
    translate_page(index, "en", t.pairs)

    t = Bilingual()
    aims = [
        {
            "type": "aim",
            "value": {
                "title": t("Pjesëmarrje në votime", "Turnout"),
                "text": t(
                    "Që votuesit rom, ashkali dhe egjiptianë të dalin të votojnë dhe të kenë zë "
                    "në vendimet që i prekin.",
                    "That Roma, Ashkali and Egyptian voters go to vote and have a say in the "
                    "decisions that affect them.",
                ),
            },
        },
        {
            "type": "aim",
            "value": {
                "title": t("Zotime nga kandidatët", "Pledges from candidates"),
                "text": t(
                    "Që kandidatët për deputetë të zotohen publikisht se do t'i plotësojnë "
                    "kërkesat e komuniteteve.",
                    "That candidates for parliament commit in public to meeting the "
                    "communities' demands.",
                ),
            },
        },
    ]
    body = [
        {
            "type": "heading",
            "value": {"text": t("Pas zgjedhjeve", "After the election"), "level": "h2"},
        },
        {
            "type": "paragraph",
            "value": t.rich(
                "Ne ndjekim nga afër çfarë bëjnë të zgjedhurit për secilën kërkesë dhe i "
                "publikojmë gjetjet këtu. Nuk premtojmë se kërkesat do të plotësohen, por do "
                "të tregojmë qartë sa është bërë.",
                "We keep a close watch on what those elected do about each demand and publish "
                "what we find here. We cannot promise that the demands will be met, but we "
                "will show clearly how much has been done.",
            ),
        },
    ]
    statement = t.rich(
        "Ne, banorë të komuniteteve rom, ashkali dhe egjiptian dhe qytetarë që qëndrojnë në "
        "krah tonë, u kërkojmë deputetëve që do të zgjidhen më 6 tetor t'i përmbushin deri në "
        "vitin 2022 tri kërkesat tona: më shumë punësim në sektorin publik, më shumë fëmijë "
        "që regjistrohen dhe e përfundojnë shkollën, dhe linja buxhetore me kode të veçanta "
        "për nevojat tona.",
        "We, residents of the Roma, Ashkali and Egyptian communities and the citizens who "
        "stand with us, ask the members of parliament elected on 6 October to meet our three "
        "demands by 2022: more jobs in the public sector, more children who enrol in and "
        "finish school, and budget lines with their own codes for our needs.",
    ) + t.rich(
        "Me nënshkrimin tonë tregojmë se vota jonë ka peshë dhe se do ta ndjekim nga afër "
        "çfarë ndodh pas zgjedhjeve.",
        "By signing we show that our vote carries weight and that we will follow closely "
        "what happens after the election.",
    )
    campaign = CampaignPage(
        title=t("#VoteImeKaWare: zgjedhjet 2019", "#MyVoteCounts: the 2019 election"),
        slug=t("zgjedhjet-2019", "election-2019"),
        intro=t(
            "Fushatë jopartiake që i fton votuesit rom, ashkali dhe egjiptianë të dalin në "
            "zgjedhje dhe u kërkon kandidatëve për deputetë të zotohen për tri kërkesa të "
            "komuniteteve.",
            "A non-partisan campaign that invites Roma, Ashkali and Egyptian voters to the "
            "polls and asks candidates for parliament to pledge to three of the communities' "
            "demands.",
        ),
        hashtags=t("#VoteImeKaWare #MyVoteCounts", "#MyVoteCounts #VoteImeKaWare"),
        non_partisan=True,
        image=demo_image("MyVoteCounts campaign", (156, 60, 0)),
        election_date=datetime.date(2019, 10, 6),
        aims=json.dumps(aims),
        body=json.dumps(body),
        statement_text=statement,
        statement_goal=1000,
        statement_public_threshold=20,
        statement_consent_text=t(
            "Pajtohem që emri dhe komuna ime të ruhen si nënshkrim i kësaj deklarate dhe që "
            "të më shkruani një email për ta konfirmuar.",
            "I agree that my name and municipality are kept as a signature of this statement "
            "and that you email me so that I can confirm it.",
        ),
        statement_thank_you=t(
            "Faleminderit! Ju kemi dërguar një email: hapni lidhjen në të për ta konfirmuar "
            "nënshkrimin.",
            "Thank you! We have sent you an email: open the link in it to confirm your signature.",
        ),
    )
    for spec in DEMANDS:
        campaign.demands.add(
            Demand(
                title=t(*spec["title"]),
                explanation=t(*spec["explanation"]),
                indicator=t(*spec["indicator"]),
                unit=t(*spec["unit"]),
                baseline_value=spec["baseline_value"],
                baseline_date=spec["baseline_date"],
                target_value=spec["target_value"],
                deadline=spec["deadline"],
            )
        )
    campaign, _ = add_child(index, campaign)
    translate_page(campaign, "en", t.pairs)

    demands = list(campaign.demands.all())
    en = locale("en")
    for position, date, status, value, note_sq, note_en in PROGRESS:
        update, _ = ProgressUpdate.objects.get_or_create(
            demand=demands[position],
            date=date,
            locale=campaign.locale,
            defaults={"status": status, "value": value, "note": note_sq},
        )
        if update.get_translation_or_none(en) is None:
            translated = update.copy_for_translation(en)
            translated.note = note_en
            translated.save()

    for name, party, municipality, signed_on, elected in PLEDGES:
        Pledge.objects.get_or_create(
            campaign=campaign,
            name=name,
            defaults={
                "party": party,
                "municipality": municipality,
                "signed_on": signed_on,
                "elected": elected,
            },
        )
    _demo_signatures(campaign, site, report)
    return index, campaign


def _demo_signatures(campaign, site, report):
    """Paper signatures entered by the organisation's demo editor, through the
    membership app's own service (confirmed at once, no email)."""
    user = get_user_model().objects.filter(username="mvc-editor").first()
    if user is None:
        return
    for number in range(DEMO_SIGNATURES):
        given, family = DEMO_NAMES[number % len(DEMO_NAMES)]
        services.store_submission(
            site=site,
            page=campaign,
            language="sq",
            email=f"demo-signature-{number + 1}@example.org",
            person={
                "given_name": given,
                "family_name": family,
                "municipality": DEMO_MUNICIPALITIES[number % len(DEMO_MUNICIPALITIES)],
            },
            signups=[
                {
                    "kind": SignUp.Kind.SIGNATURE,
                    "consents": [("signup", campaign.statement_consent_text)],
                }
            ],
            entered_by=user,
        )
    report.add(f"#MyVoteCounts: {campaign.signature_count()} signatures on the statement")


# -- News ------------------------------------------------------------------------------

NEWS = {
    "volt": [
        (
            datetime.date(2024, 3, 9),
            (
                "Volt Kosova nis takimet nëpër komuna",
                "Volt Kosova starts meetings around the country",
            ),
            (
                "Gjatë pranverës do të takohemi me qytetarët në disa komuna për të dëgjuar "
                "çfarë u shqetëson më shumë.",
                "This spring we will meet citizens in several municipalities to hear what "
                "worries them most.",
            ),
            (
                "Takimet janë të hapura për këdo. Ftojmë veçanërisht të rinjtë dhe ata që nuk "
                "kanë marrë pjesë kurrë më parë në një takim politik.",
                "The meetings are open to anyone. We especially invite young people and those "
                "who have never been to a political meeting before.",
            ),
            None,
        ),
        (
            datetime.date(2024, 5, 18),
            ("Takim online me diasporën", "An online meeting with the diaspora"),
            (
                "Anëtarë nga Gjermania, Zvicra dhe Austria diskutuan si mund të ndihmojnë nga "
                "larg.",
                "Members from Germany, Switzerland and Austria discussed how they can help "
                "from afar.",
            ),
            (
                "Diaspora ka përvojë me politikën evropiane dhe mund ta sjellë atë në Kosovë. "
                "Takimi i radhës do të jetë në verë.",
                "The diaspora has experience of European politics and can bring it to Kosovo. "
                "The next meeting will be in the summer.",
            ),
            None,
        ),
    ],
    "kww": [
        (
            datetime.date(2019, 5, 23),
            ("U mbajt Kongresi i dytë kombëtar", "The second national congress took place"),
            (
                "Kongresi u përqendrua te siguria sociale, zhvillimi ekonomik dhe puna e denjë.",
                "The congress focused on social security, economic development and decent work.",
            ),
            (
                "Platforma paraqiti çfarë arriti në vitin e parë dhe dëgjoi komente e pyetje "
                "nga qytetarët, organizatat dhe politikanët.",
                "The platform presented what it achieved in its first year and heard comments "
                "and questions from citizens, organisations and politicians.",
            ),
            ("congress", "congresspage"),
        ),
        (
            datetime.date(2019, 6, 12),
            ("Ftesë për organizata të reja", "An invitation to new organisations"),
            (
                "Pas kongresit, platforma fton organizata dhe qytetarë të rinj t'i bashkohen "
                "punës.",
                "After the congress, the platform invites new organisations and citizens to "
                "join its work.",
            ),
            (
                "Mjafton të ndani synimet tona për arsim, shëndetësi, zhvillim dhe qeverisje "
                "të mirë.",
                "All it takes is to share our aims for education, health, development and good "
                "governance.",
            ),
            None,
        ),
    ],
    "mvc": [
        (
            datetime.date(2019, 9, 20),
            ("Vullnetarët trokasin derë më derë", "Volunteers knock on doors"),
            (
                "Në lagjet rom, ashkali dhe egjiptiane, vullnetarët bisedojnë me familjet për "
                "zgjedhjet e 6 tetorit.",
                "In Roma, Ashkali and Egyptian neighbourhoods, volunteers talk with families "
                "about the election on 6 October.",
            ),
            (
                "Kush pajtohet, e nënshkruan deklaratën e përbashkët. Çdo nënshkrim e rrit "
                "presionin mbi fituesit.",
                "Whoever agrees signs the common statement. Every signature adds to the "
                "pressure on whoever wins.",
            ),
            ("movement", "campaignpage"),
        ),
        (
            datetime.date(2020, 1, 15),
            ("Nis ndjekja e kërkesave", "We start tracking the demands"),
            (
                "Tani që deputetët janë zgjedhur, publikojmë rregullisht sa është bërë për "
                "secilën kërkesë.",
                "Now that the members of parliament are elected, we regularly publish how much "
                "has been done on each demand.",
            ),
            (
                "Të dhënat janë të hapura: kushdo mund t'i shkarkojë dhe t'i përdorë.",
                "The data is open: anyone can download and reuse it.",
            ),
            ("movement", "campaignpage"),
        ),
    ],
}


def _related(site, kind):
    if kind is None:
        return None
    app_label, model = kind
    content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
    if content_type is None:
        return None
    return (
        Page.objects.descendant_of(site.root_page)
        .filter(content_type=content_type, locale=site.root_page.locale)
        .live()
        .first()
    )


def news(key, site, home):
    t = Bilingual()
    index = NewsIndexPage(
        title=t("Lajme", "News"),
        slug=t("lajme", "news"),
        intro=t("Çfarë po ndodh te ne.", "What is happening with us."),
        show_in_menus=True,
    )
    index, _ = add_child(home, index)
    translate_page(index, "en", t.pairs)
    for date, title, intro, text, related in NEWS[key]:
        t = Bilingual()
        slug_sq = f"{date:%Y-%m-%d}-lajm"
        page = NewsPage(
            title=t(*title),
            slug=t(slug_sq, f"{date:%Y-%m-%d}-news"),
            date=date,
            intro=t(*intro),
            body=json.dumps([{"type": "paragraph", "value": t.rich(*text)}]),
            related_page=_related(site, related),
        )
        page, _ = add_child(index, page)
        translate_page(page, "en", t.pairs)
    return index


def load(sites, report):
    for key, entry in sites.items():
        site = entry["site"]
        home = entry["pages"]["home"]
        if key == "volt":
            entry["pages"]["about"] = volt_about(home)
            entry["pages"]["campaigns"] = volt_campaigns(home)
        elif key == "kww":
            entry["pages"]["about"] = kww_about(home)
        elif key == "mvc":
            index, campaign = mvc_campaign(home, site, report)
            entry["pages"]["campaigns"] = index
            entry["pages"]["campaign"] = campaign
        entry["pages"]["news"] = news(key, site, home)
        # Event staff get their rights on the news index now that it exists.
        ensure_site_roles(site)
    report.add(
        "Movement: about pages, campaign indexes (Volt Kosova's without campaigns yet), "
        "the #MyVoteCounts campaign and news in sq and en"
    )
