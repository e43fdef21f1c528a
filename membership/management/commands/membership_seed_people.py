"""Generated test people for measuring the People area and its exports at scale.

``manage.py membership_seed_people --count 50000 --site voltkosova.localhost``
adds that many people to one organisation, each with one to three sign-ups
(membership, volunteering, statement signatures) and their consent records.

Everything is clearly made up: the addresses end in ``@generated.invalid`` (a
domain that cannot exist, so no email ever reaches anyone), the family names are
"Shembulli" ("the example") with a number, and the consent text says "Generated
test data". No confirmation email is queued: pending sign-ups count as already
emailed. Refused on a production setup (DEBUG off) unless ``--force`` says this
database is a test one.

Rows go in as batches (``executemany``, COPY on PostgreSQL) with ids after the
highest one, and the id sequences are then moved past them: run it while nothing
else adds people. Django's ``bulk_create`` prepares every value through its field,
ten times slower (a million people would take many minutes instead of a few).
"""

import random
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from wagtail.models import Site

from home.languages import site_language_codes
from membership.constants import (
    AVAILABILITY_CHOICES,
    COMMUNITY_CHOICES,
    MUNICIPALITIES,
    OUTSIDE_KOSOVO,
)
from membership.models import (
    ConsentRecord,
    JoinPage,
    MembershipSettings,
    SignUp,
    Supporter,
    VolunteerPage,
)

EMAIL_DOMAIN = "generated.invalid"
CONSENT_TEXT = "Generated test data (membership_seed_people)."
GIVEN_NAMES = (
    "Arta Besa Blerta Dafina Drita Elira Erza Fatjona Flaka Genta Hana Jeta Kaltrina "
    "Liridona Lule Mimoza Nora Rina Teuta Vjosa Agon Albin Arben Ardit Besnik Blerim "
    "Dardan Driton Egzon Fatos Gent Ilir Kushtrim Leutrim Liridon Petrit Shkumbin Valon "
    "Visar Zana Emina Selin Nikola Milica Ana Lejla Mehmet"
).split()
COUNTRIES = ["Gjermani", "Zvicër", "Austri", "Suedi", "Shqipëri", "Itali", "SHBA"]
MOTIVATIONS = [
    "Dua të ndihmoj komunitetin tim.",
    "Për një Kosovë më të drejtë.",
    "I want to help with the campaign.",
    "",
    "",
]
SKILLS = ["Fotografi", "Përkthime", "Rrjete sociale", "Organizim eventesh", "", ""]
LANGUAGES_SPOKEN = ["shqip", "shqip, English", "shqip, Deutsch", "shqip, srpski", ""]
#: The share of people who signed up in a language other than Albanian, where the site
#: offers it (Serbian on Kosovo We Want); the rest signed up in Albanian.
LANGUAGE_SHARES = {"en": 0.2, "sr-latn": 0.1}


class Command(BaseCommand):
    help = (
        "Add generated test people with sign-ups to one organisation (for measuring "
        "the People area and its exports). Refused when DEBUG is off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many people to add.")
        parser.add_argument(
            "--site", required=True, help="The organisation's hostname (or site id)."
        )
        parser.add_argument("--batch", type=int, default=5000, help="People per insert.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (repeatable).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (a test database with production settings).",
        )

    def handle(self, *args, count, site, batch, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production setup. Generated people do "
                "not belong in a real organisation's list; add --force if this database "
                "is a test one."
            )
        if count < 1 or batch < 1:
            raise CommandError("--count and --batch must be at least 1.")
        found = Site.objects.filter(hostname=site).first()
        if found is None and site.isdigit():
            found = Site.objects.filter(pk=int(site)).first()
        if found is None:
            names = ", ".join(Site.objects.values_list("hostname", flat=True)) or "none"
            raise CommandError(f"No site {site!r}. Sites: {names}.")
        started = time.monotonic()
        if connection.vendor == "sqlite":
            # The indexes of a large table stay in memory while the rows go in.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")  # KiB
        seeder = Seeder(found, random.Random(seed), count)  # noqa: S311 - test data
        made = 0
        while made < count:
            size = min(batch, count - made)
            made += seeder.add(size)
            if options["verbosity"] > 1:
                self.stdout.write(f"  {made} people")
        seeder.finish()
        self.stdout.write(
            f"{found.hostname}: {made} generated people with {seeder.signups} sign-ups added "
            f"in {time.monotonic() - started:.1f} s"
        )


def _live(model, site):
    pages = model.objects.live().filter(path__startswith=site.root_page.path)
    return pages.first()


class Rows:
    """Fast INSERTs of one model's rows (``executemany``; COPY on PostgreSQL), given
    as dicts of field name to Python value: ids are given here, every other field
    takes its default (prepared once), datetimes and JSON are adapted for the
    database as Django would."""

    def __init__(self, model, now):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.constant = {}
        for field in self.fields:
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                default = now
            else:
                default = field.get_default()
            self.constant[field.attname] = field.get_db_prep_save(default, connection)
        self.adapt = {}
        for field in self.fields:
            if isinstance(field, models.DateTimeField):
                self.adapt[field.attname] = connection.ops.adapt_datetimefield_value
            elif isinstance(field, models.JSONField):
                encoder = field.encoder
                self.adapt[field.attname] = lambda v, e=encoder: connection.ops.adapt_json_value(
                    v, e
                )
        columns = ", ".join(
            connection.ops.quote_name(f.column) for f in [model._meta.pk, *self.fields]
        )
        table = connection.ops.quote_name(model._meta.db_table)
        marks = ", ".join(["%s"] * (len(self.fields) + 1))
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names
        self.copy = f"COPY {table} ({columns}) FROM STDIN"

    def next_id(self):
        with connection.cursor() as cursor:
            meta = self.model._meta
            table, pk = (
                connection.ops.quote_name(meta.db_table),
                connection.ops.quote_name(meta.pk.column),
            )
            cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 - a model's table
            return (cursor.fetchone()[0] or 0) + 1

    def insert(self, rows):
        """``rows``: [(id, {attname: value})]."""
        adapt, constant = self.adapt, self.constant
        params = []
        for pk, values in rows:
            line = [pk]
            for field in self.fields:
                name = field.attname
                if name in values:
                    value = values[name]
                    line.append(
                        adapt[name](value) if name in adapt and value is not None else value
                    )
                else:
                    line.append(constant[name])
            params.append(line)
        if connection.vendor == "postgresql":
            # COPY: many times faster than one INSERT after another over the network
            connection.ensure_connection()
            with connection.connection.cursor() as cursor, cursor.copy(self.copy) as copy:
                for line in params:
                    copy.write_row(line)
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


class Seeder:
    """Builds batches of people, their sign-ups and consent records."""

    #: People joined over this many days, the first longest ago.
    SPAN_DAYS = 3 * 365

    def __init__(self, site, rng, count):
        self.site = site
        self.rng = rng
        self.count = count
        self.token = secrets.token_hex(4)
        self.number = 0
        self.signups = 0
        self.now = timezone.now()
        join, volunteer = _live(JoinPage, site), _live(VolunteerPage, site)
        self.join = join.pk if join else None
        self.volunteer = volunteer.pk if volunteer else None
        from membership.admin_views import statement_pages

        self.statements = [page.pk for page in statement_pages([site])]
        rules = MembershipSettings.for_site(site)
        self.areas = sorted(set(rules.areas.values_list("key", flat=True))) or ["events"]
        self.municipalities = [code for code, _name in MUNICIPALITIES]
        offered = site_language_codes(site)
        self.languages = [
            (code, share) for code, share in LANGUAGE_SHARES.items() if code in offered
        ]
        self.tables = {model: Rows(model, self.now) for model in (Supporter, SignUp, ConsentRecord)}

    def _when(self, days):
        return self.now - timedelta(seconds=self.rng.uniform(0, days * 86400))

    def _person(self):
        rng = self.rng
        self.number += 1
        municipality = OUTSIDE_KOSOVO if rng.random() < 0.06 else rng.choice(self.municipalities)
        has_email = rng.random() > 0.04  # paper signatures without an address
        return {
            "site_id": self.site.pk,
            "email": f"test-{self.token}-{self.number}@{EMAIL_DOMAIN}" if has_email else None,
            "given_name": rng.choice(GIVEN_NAMES),
            "family_name": f"Shembulli {self.number}",
            "phone": f"+383 4{rng.randint(3, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
            if rng.random() < 0.4
            else "",
            "municipality": municipality,
            "country": rng.choice(COUNTRIES) if municipality == OUTSIDE_KOSOVO else "",
            "year_of_birth": rng.randint(1945, 2008) if rng.random() < 0.5 else None,
            "language": self._language(rng.random()),
            # in the order of their ids, as people really come
            "created_at": self.now
            - timedelta(days=self.SPAN_DAYS * (1 - (self.number - rng.random()) / self.count)),
        }

    def _language(self, roll):
        """The language a person signed up in, from a roll in [0, 1)."""
        for code, share in self.languages:
            if roll < share:
                return code
            roll -= share
        return "sq"

    def _signup(self, person_id, person, kind, page_id):
        rng = self.rng
        roll = rng.random()
        # on the day the person came, or later
        later = min(self.now, person["created_at"] + timedelta(days=rng.expovariate(1 / 60)))
        if roll < 0.80:
            state, created = SignUp.State.CONFIRMED, later
        elif roll < 0.92:
            # recent, as the retention rules keep them (14 days by default)
            state, created = SignUp.State.PENDING, max(person["created_at"], self._when(10))
        else:
            state, created = SignUp.State.WITHDRAWN, later
        paper = person["email"] is None
        signup = {
            "supporter_id": person_id,
            "kind": kind,
            "state": SignUp.State.CONFIRMED if paper else state,
            "source": SignUp.Source.PAPER if paper else SignUp.Source.ONLINE,
            "page_id": page_id,
            "language": person["language"],
            "created_at": created,
        }
        if signup["state"] != SignUp.State.PENDING:
            signup["confirmed_at"] = created + timedelta(minutes=rng.randint(1, 600))
        if signup["state"] == SignUp.State.WITHDRAWN:
            signup["withdrawn_at"] = max(created, self._when(25))
        if not paper:
            # already emailed; a few the mail server refused for good
            gave_up = signup["state"] == SignUp.State.PENDING and rng.random() < 0.03
            signup["email_status"] = (
                SignUp.EmailStatus.GAVE_UP if gave_up else SignUp.EmailStatus.SENT
            )
            signup["email_attempts"] = 1
            signup["email_sent_at"] = None if gave_up else created
        if kind == SignUp.Kind.MEMBERSHIP:
            signup["motivation"] = rng.choice(MOTIVATIONS)
            signup["age_confirmed"] = True
        elif kind == SignUp.Kind.VOLUNTEER:
            signup["areas"] = rng.sample(self.areas, k=min(len(self.areas), rng.randint(1, 3)))
            signup["availability"] = [
                key for key, _label in AVAILABILITY_CHOICES if rng.random() < 0.5
            ]
            signup["skills"] = rng.choice(SKILLS)
            signup["languages_spoken"] = rng.choice(LANGUAGES_SPOKEN)
        elif rng.random() < 0.1:
            signup["community"] = rng.choice(COMMUNITY_CHOICES)[0]
        return signup

    def _signups_of(self, person_id, person):
        rng = self.rng
        made = []
        email = person["email"]
        if self.statements and (email is None or rng.random() < 0.6):
            for page in rng.sample(self.statements, k=rng.randint(1, len(self.statements))):
                made.append(self._signup(person_id, person, SignUp.Kind.SIGNATURE, page))
        if email is not None and (not made or rng.random() < 0.4):
            made.append(self._signup(person_id, person, SignUp.Kind.MEMBERSHIP, self.join))
        if email is not None and rng.random() < 0.2:
            made.append(self._signup(person_id, person, SignUp.Kind.VOLUNTEER, self.volunteer))
        return made

    def add(self, size):
        people_rows, signup_rows = self.tables[Supporter], self.tables[SignUp]
        with transaction.atomic():
            person_id = people_rows.next_id()
            signup_id = signup_rows.next_id()
            consent_id = self.tables[ConsentRecord].next_id()
            people, signups, consents = [], [], []
            for pk in range(person_id, person_id + size):
                person = self._person()
                people.append((pk, person))
                for signup in self._signups_of(pk, person):
                    signups.append((signup_id, signup))
                    consents.append(
                        (
                            consent_id,
                            {
                                "signup_id": signup_id,
                                "text": CONSENT_TEXT,
                                "language": signup["language"],
                                "page_id": signup["page_id"],
                                "method": signup["source"],
                                "given_at": signup["created_at"],
                            },
                        )
                    )
                    signup_id += 1
                    consent_id += 1
            people_rows.insert(people)
            signup_rows.insert(signups)
            self.tables[ConsentRecord].insert(consents)
        self.signups += len(signups)
        return size

    def finish(self):
        """Move the id sequences (PostgreSQL) past the rows given ids here, and, on
        PostgreSQL, bring the planner's statistics and the search indexes up to date
        at once, as the autovacuum would a while after such a load."""
        tables = [Supporter, SignUp, ConsentRecord]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
                # VACUUM (which also folds in the pending entries of the trigram
                # indexes) cannot run in a transaction: then statistics only
                vacuum = "VACUUM (ANALYZE)" if transaction.get_autocommit() else "ANALYZE"
                cursor.execute(f"{vacuum} {names}")
