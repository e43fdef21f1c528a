"""Demo congresses of Kosovo We Want, in Albanian with English translations.

The 2nd National Congress (23 May 2019) is built from the public facts about it; its
times of day, agenda wording and outcomes are demo text written for this project.
A second, clearly marked demo congress is always about a month in the future, so that
the countdown, "add to calendar" and the home-page panel can be seen.
"""

import json
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from home.demo import (
    Bilingual,
    add_child,
    demo_image,
    ensure_demo_user,
    locale,
    translate_object,
    translate_page,
)
from home.models import SiteRole

from .constants import OutcomeKind
from .models import CongressIndexPage, CongressPage, Outcome, Speaker
from .permissions import site_role_permissions
from .timing import CONGRESS_TIME_ZONE

FACEBOOK_STREAM = "https://www.facebook.com/FESPrishtina/videos/376874046257226/"
PHONE = "+383 (0) 38 600 108"


def _at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=CONGRESS_TIME_ZONE)


def _speaker(t, site, name, role, organisation, bio, photo=None):
    sq = locale("sq")
    speaker = Speaker.objects.filter(site=site, name=name, locale=sq).first()
    if speaker is None:
        speaker = Speaker.objects.create(
            site=site,
            name=name,
            role=t(*role),
            organisation=t(*organisation),
            bio=t(*bio),
            photo=photo,
            locale=sq,
        )
    else:
        for pair in (role, organisation, bio):
            t(*pair)
    translate_object(speaker, "en", t.pairs)
    return speaker


def _document(title, text):
    Document = get_document_model()
    document = Document.objects.filter(title=title).first()
    if document is None:
        name = title.lower().replace(" ", "-")[:40] + ".txt"
        document = Document(title=title, file=ContentFile(text.encode(), name=name))
        document.save()
    return document


def _outcome(t, congress, en_pairs_only=False, **fields):
    """An outcome of ``congress`` in Albanian, published, and its English translation."""
    sq = locale("sq")
    texts = {name: fields.pop(name) for name in ("title", "text", "attribution") if name in fields}
    values = {name: t(*pair) for name, pair in texts.items()}
    outcome = Outcome.objects.filter(
        congress=congress, locale=sq, kind=fields["kind"], title=values.get("title", "")
    ).first()
    if outcome is None:
        outcome = Outcome(congress=congress, locale=sq, **values, **fields)
        outcome.save()
        outcome.save_revision().publish()
    translate_object(outcome, "en", t.pairs)
    return outcome


def _second_congress(t, index):
    sessions = [
        ("10:00", "10:30", ("Hapja dhe fjala e mirëseardhjes", "Opening and welcome"), ""),
        (
            "10:30",
            "11:30",
            (
                "Një vit platformë: çfarë kemi arritur",
                "One year of the platform: what we have achieved",
            ),
            "",
        ),
        (
            "11:30",
            "13:00",
            (
                "Komente dhe pyetje nga qytetarët, organizatat dhe politikanët",
                "Comments and questions from citizens, organisations and politicians",
            ),
            "",
        ),
        (
            "13:00",
            "13:30",
            (
                "Ftesë për t'iu bashkuar platformës",
                "An invitation to join the platform",
            ),
            "",
        ),
    ]
    agenda = [
        {
            "type": "session",
            "value": {
                "start_time": start,
                "end_time": end,
                "title": t(*title),
                "room": t("Salla kryesore", "Main hall"),
                "description": "",
                "speakers": [],
                "day": None,
            },
        }
        for start, end, title, _room in sessions
    ]
    aims = "".join(
        [
            t.rich(
                "Të paraqesim rezultatet e platformës një vit pas themelimit të saj.",
                "To present the platform's results one year after it was founded.",
            ),
            t.rich(
                "Të dëgjojmë komentet dhe pyetjet e qytetarëve, të organizatave joqeveritare "
                "dhe të politikanëve.",
                "To hear the comments and questions of citizens, non-governmental "
                "organisations and politicians.",
            ),
            t.rich(
                "Të ftojmë më shumë njerëz dhe organizata t'i bashkohen punës sonë.",
                "To invite more people and organisations to join our work.",
            ),
        ]
    )
    page = CongressPage(
        title=t("Kongresi i 2-të Kombëtar", "2nd National Congress"),
        slug="kongresi-i-dyte-kombetar",
        number=2,
        theme=t(
            "Siguri sociale – Zhvillim ekonomik – Punë dhe jetë e denjë",
            "Social Security – Economic Development – Decent Work and Life",
        ),
        intro=t(
            "Një vit pas themelimit, platforma u mblodh për të treguar çfarë ka arritur "
            "dhe për të dëgjuar qytetarët.",
            "One year after it was founded, the platform met to show what it has achieved "
            "and to listen to citizens.",
        ),
        aims=aims,
        start_at=_at(2019, 5, 23, 10),
        end_at=_at(2019, 5, 23, 13, 30),
        venue_name=t("Prishtinë", "Prishtina"),
        venue_street=t("Rr. Pashko Vasa 23", "Pashko Vasa Str. 23"),
        venue_postal_code="10000",
        venue_city=t("Prishtinë", "Prishtina"),
        venue_country=t("Republika e Kosovës", "Republic of Kosovo"),
        contact_phone=PHONE,
        organisers=json.dumps(
            [
                {
                    "type": "organiser",
                    "value": {
                        "name": t("Kosova që e duam", "Kosovo We Want"),
                        "role": "organiser",
                        "url": "",
                        "logo": None,
                    },
                },
                {
                    "type": "organiser",
                    "value": {
                        "name": "Friedrich-Ebert-Stiftung Prishtina",
                        "role": "partner",
                        "url": "",
                        "logo": None,
                    },
                },
            ]
        ),
        livestreams=json.dumps(
            [
                {
                    "type": "livestream",
                    "value": {"url": FACEBOOK_STREAM, "provider_name": "", "label": ""},
                }
            ]
        ),
        agenda=json.dumps(agenda),
        locale=locale("sq"),
    )
    t("Friedrich-Ebert-Stiftung Prishtina", "Friedrich-Ebert-Stiftung Prishtina")
    t("kongresi-i-dyte-kombetar", "2nd-national-congress")
    page, _ = add_child(index, page)
    translate_page(page, "en", t.pairs)

    minutes = _document(
        "Kongresi i 2-të Kombëtar – procesverbal (demo)",
        "Procesverbal demonstrues i Kongresit të 2-të Kombëtar të platformës "
        "Kosova që e duam, 23 maj 2019.\nDemo minutes of the 2nd National Congress of "
        "Kosovo We Want, 23 May 2019.\n",
    )
    _outcome(
        t,
        page,
        kind=OutcomeKind.RESULT,
        number=1,
        happened_at=_at(2019, 5, 23, 11, 15),
        title=("Rezultatet e vitit të parë", "The results of the first year"),
        text=(
            "Platforma paraqiti çfarë ka bërë në vitin e parë për arsimin, shëndetësinë, "
            "zhvillimin e qëndrueshëm dhe qeverisjen e mirë.",
            "The platform presented what it did in its first year for education, health "
            "care, sustainable development and good governance.",
        ),
    )
    _outcome(
        t,
        page,
        kind=OutcomeKind.QUOTE,
        happened_at=_at(2019, 5, 23, 12, 10),
        title=("Zëri i qytetarëve", "The citizens' voice"),
        text=(
            "Siguria sociale dhe puna e denjë nuk janë luks: janë kushti që të rinjtë të "
            "mbesin këtu.",
            "Social security and decent work are not a luxury: they are what young people "
            "need in order to stay here.",
        ),
        attribution=(
            "Një pjesëmarrëse në kongres (citim demonstrues)",
            "A congress participant (demo quote)",
        ),
    )
    _outcome(
        t,
        page,
        kind=OutcomeKind.DECISION,
        number=1,
        status="adopted",
        happened_at=_at(2019, 5, 23, 13, 15),
        title=("Platforma mbetet e hapur", "The platform stays open"),
        text=(
            "Kongresi ftoi më shumë qytetarë dhe organizata t'i bashkohen platformës dhe "
            "punës së saj në vitin që vjen.",
            "The congress invited more citizens and organisations to join the platform and "
            "its work in the coming year.",
        ),
    )
    _outcome(
        t,
        page,
        kind=OutcomeKind.DOCUMENT,
        happened_at=_at(2019, 5, 24, 9, 0),
        document=minutes,
        title=("Procesverbali i kongresit", "Minutes of the congress"),
    )
    return page


def _demo_congress(t, index, site):
    colour = (11, 79, 108)
    photo_a = demo_image("Demo speaker A", colour, size=(320, 320))
    photo_b = demo_image("Demo speaker B", (156, 60, 0), size=(320, 320))
    speaker_a = _speaker(
        t,
        site,
        "Arta Shembulli",
        ("Koordinatore e platformës (demo)", "Platform co-ordinator (demo)"),
        ("Kosova që e duam", "Kosovo We Want"),
        (
            "Folëse e trilluar për demonstrim: koordinon punën e organizatave anëtare.",
            "A made-up speaker for the demo: she co-ordinates the member organisations.",
        ),
        photo=photo_a,
    )
    speaker_b = _speaker(
        t,
        site,
        "Driton Demo",
        ("Mësues (demo)", "Teacher (demo)"),
        ("Një shkollë në Gjilan", "A school in Gjilan"),
        (
            "Folës i trilluar për demonstrim: flet për arsimin gjithëpërfshirës.",
            "A made-up speaker for the demo: he speaks about inclusive education.",
        ),
        photo=photo_b,
    )
    existing = index.get_children().filter(slug="kongres-demonstrues").first()
    start = timezone.localtime(timezone.now(), CONGRESS_TIME_ZONE) + timedelta(days=30)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    day = start.date().isoformat()

    def session(begin, end, title, room, speakers):
        return {
            "type": "session",
            "value": {
                "day": day,
                "start_time": begin,
                "end_time": end,
                "title": t(*title),
                "room": t(*room),
                "description": "",
                "speakers": [s.pk for s in speakers],
            },
        }

    agenda = [
        session("10:00", "10:20", ("Hapja", "Opening"), ("Salla A", "Hall A"), [speaker_a]),
        session(
            "10:20",
            "11:30",
            ("Arsim cilësor për çdo fëmijë", "Good schooling for every child"),
            ("Salla A", "Hall A"),
            [speaker_b, speaker_a],
        ),
        session(
            "11:45",
            "13:00",
            ("Shëndetësi publike moderne", "Modern public health care"),
            ("Salla B", "Hall B"),
            [speaker_a],
        ),
    ]
    page = CongressPage(
        title=t("Kongres demonstrues", "Demo congress"),
        slug="kongres-demonstrues",
        theme=t(
            "Arsim cilësor dhe shëndetësi publike për të gjithë",
            "Quality education and public health care for all",
        ),
        intro=t(
            "Ky kongres është përmbajtje demonstruese: data e tij është gjithmonë rreth një "
            "muaj larg.",
            "This congress is demo content: its date is always about a month away.",
        ),
        aims=t.rich(
            "Të tregojmë si duket faqja e një kongresi para, gjatë dhe pas tij.",
            "To show what a congress page looks like before, during and after the event.",
        ),
        start_at=start,
        end_at=start + timedelta(hours=3),
        venue_name=t("Salla demonstruese", "Demo hall"),
        venue_street=t("Rr. Pashko Vasa 23", "Pashko Vasa Str. 23"),
        venue_postal_code="10000",
        venue_city=t("Prishtinë", "Prishtina"),
        venue_country=t("Republika e Kosovës", "Republic of Kosovo"),
        contact_phone=PHONE,
        livestreams=json.dumps(
            [
                {
                    "type": "livestream",
                    "value": {
                        "url": "https://video.example.org/kongresi-demo",
                        "provider_name": "",
                        "label": t("Transmetim demonstrues", "Demo stream"),
                    },
                }
            ]
        ),
        agenda=json.dumps(agenda),
        speakers=json.dumps([{"type": "speaker", "value": s.pk} for s in (speaker_a, speaker_b)]),
        locale=locale("sq"),
    )
    t("kongres-demonstrues", "demo-congress")
    page, created = add_child(index, page)
    if existing is not None and existing.specific.end_at < timezone.now():
        # A demo database kept for months: move the demo congress forward again.
        for version in existing.get_translations(inclusive=True).specific():
            version.start_at, version.end_at = start, start + timedelta(hours=3)
            version.save_revision().publish()
    translate_page(page, "en", t.pairs)
    return page


def load_demo(sites, report):
    """The ``demo_content`` hook: congresses of Kosovo We Want and its event staff."""
    kww = sites.get("kww")
    if kww is None:
        return
    t = Bilingual()
    home = kww["pages"]["home"]
    index = CongressIndexPage(
        title=t("Kongreset", "Congresses"),
        slug="kongreset",
        intro=t(
            "Kongreset kombëtare të platformës: tema, programi, transmetimi dhe përfundimet.",
            "The platform's national congresses: theme, programme, livestream and outcomes.",
        ),
        show_in_menus=True,
        locale=locale("sq"),
    )
    t("kongreset", "congresses")
    index, _ = add_child(home, index)
    translate_page(index, "en", t.pairs)
    kww["pages"]["congresses"] = index
    kww["pages"]["congress_2019"] = _second_congress(t, index)
    kww["pages"]["congress_demo"] = _demo_congress(t, index, kww["site"])

    site_role = SiteRole.objects.get(site=kww["site"], role=SiteRole.EVENT_STAFF)
    site_role_permissions(site_role)  # the index pages exist now
    ensure_demo_user("kww", site_role.group, report)
