"""The data migration that merges people whose addresses reach one mailbox: per
organisation, the first seen is kept, every sign-up, consent record and audit entry
moves to them, sign-ups of the same kind become one in the state they reached
furthest, and nothing is lost. Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from membership.models import AuditEntry, ConsentRecord, SignUp, Supporter

from .conftest import make_campaign

MIGRATION = "membership.migrations.0004_merge_supporters_with_the_same_mailbox"
merge = importlib.import_module(MIGRATION).merge_supporters_with_the_same_mailbox

T0 = timezone.now() - timedelta(days=30)


def at(days):
    return T0 + timedelta(days=days)


def person(site, email, days, **fields):
    # Written as the old code stored addresses: stripped and lower-cased only.
    return Supporter.objects.create(site=site, email=email, created_at=at(days), **fields)


def signup(supporter, kind, page=None, state="pending", days=0, **fields):
    row = SignUp.objects.create(
        supporter=supporter,
        kind=kind,
        page=page,
        state=state,
        created_at=at(days),
        confirmed_at=at(days + 1) if state == "confirmed" else None,
        withdrawn_at=fields.pop("withdrawn_at", None),
        **fields,
    )
    ConsentRecord.objects.create(
        signup=row, text=f"consent {supporter.pk}-{kind}", language="sq", given_at=at(days)
    )
    return row


@pytest.mark.django_db
def test_people_of_one_mailbox_are_merged_without_losing_anything(org, org_b):
    sq, _ = make_campaign(org)
    first = person(org.site, "arta@example.org", 0, given_name="Arta")
    second = person(org.site, "arta@ｅｘａｍｐｌｅ.org", 1, phone="+383 44 1", year_of_birth=1990)
    third = person(org.site, "arta@example.org.", 2, given_name="Other")
    elsewhere = person(org_b.site, "arta@ｅｘａｍｐｌｅ.org", 3)  # another organisation
    unique = person(org.site, "besa@exa\u0308mple.org", 4)
    erased = Supporter.objects.create(site=org.site, email=None, erased_at=at(5))

    # Membership: pending with the kept person, confirmed with a duplicate.
    signup(first, "membership", days=5)
    kept_membership = signup(second, "membership", state="confirmed", days=2, motivation="Po")
    # The statement: confirmed by one, withdrawn later by another.
    signup(first, "signature", page=sq, state="confirmed", days=1)
    signup(third, "signature", page=sq, state="withdrawn", days=3, withdrawn_at=at(10))
    # A volunteer offer only a duplicate made: it just moves.
    volunteer = signup(third, "volunteer", days=4)
    signup(elsewhere, "signature", page=sq, state="confirmed", days=3)
    AuditEntry.objects.create(site=org.site, action="view", supporter_ref=second.pk)
    AuditEntry.objects.create(site=org.site, action="export_person", supporter_ref=third.pk)
    consents_before = ConsentRecord.objects.count()

    merge(django_apps, None)

    assert not Supporter.objects.filter(pk__in=[second.pk, third.pk]).exists()
    first.refresh_from_db()
    assert first.email == "arta@example.org"
    assert (first.given_name, first.phone, first.year_of_birth) == ("Arta", "+383 44 1", 1990)
    signups = {s.kind: s for s in first.signups.all()}
    assert sorted(signups) == ["membership", "signature", "volunteer"]
    assert signups["membership"].pk == kept_membership.pk
    assert signups["membership"].state == "confirmed"
    assert signups["signature"].state == "withdrawn"  # the last word was leaving
    assert signups["volunteer"].pk == volunteer.pk
    assert ConsentRecord.objects.count() == consents_before
    assert signups["membership"].consents.count() == 2
    assert signups["signature"].consents.count() == 2
    assert set(
        AuditEntry.objects.filter(action__in=["view", "export_person"]).values_list(
            "supporter_ref", flat=True
        )
    ) == {first.pk}
    entry = AuditEntry.objects.get(action="merge")
    assert entry.supporter_ref == first.pk and entry.site == org.site
    assert sorted(entry.detail["merged_people"]) == sorted([second.pk, third.pk])
    # Other organisations, single people and erased people: keyed, never merged.
    assert Supporter.objects.get(pk=elsewhere.pk).email == "arta@example.org"
    assert elsewhere.signups.get().state == "confirmed"
    assert Supporter.objects.get(pk=unique.pk).email == "besa@xn--exmple-cua.org"
    assert Supporter.objects.filter(pk=erased.pk, email=None).exists()
    merge(django_apps, None)  # a second run changes nothing
    assert Supporter.objects.count() == 4 and AuditEntry.objects.filter(action="merge").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "states, expected",
    [
        # (state, created day, withdrawn day) per duplicate, oldest person first.
        ([("pending", 0, None), ("confirmed", 1, None)], "confirmed"),
        ([("withdrawn", 0, 1), ("confirmed", 2, None)], "confirmed"),  # left, came back
        ([("confirmed", 0, None), ("withdrawn", 1, 9)], "withdrawn"),
        ([("withdrawn", 0, 2), ("pending", 5, None)], "pending"),
        ([("pending", 0, None), ("withdrawn", 1, 9), ("confirmed", 2, None)], "withdrawn"),
        ([("pending", 0, None), ("pending", 1, None)], "pending"),
    ],
)
def test_the_same_signature_becomes_one_in_the_state_reached_furthest(org, states, expected):
    sq, _ = make_campaign(org)
    people = []
    for number, (state, day, withdrawn) in enumerate(states):
        someone = person(
            org.site, ("x@example.org", "X@EXAMPLE.ORG", "x@ＥＸＡＭＰＬＥ.org")[number], day
        )
        signup(
            someone,
            "signature",
            page=sq,
            state=state,
            days=day,
            withdrawn_at=at(withdrawn) if withdrawn is not None else None,
        )
        people.append(someone)
    merge(django_apps, None)
    kept = Supporter.objects.get()
    assert kept.pk == people[0].pk
    signature = kept.signups.get()
    assert signature.state == expected
    assert signature.consents.count() == len(states)


@pytest.mark.django_db
def test_a_merged_sign_up_keeps_what_each_one_said(org):
    """The confirmed (empty) volunteer offer wins the state; the pending offer's
    answers are kept in it, not deleted with the other row."""
    kept = person(org.site, "vlera@example.org", 0)
    signup(kept, "volunteer", state="pending", days=0, motivation="Dua të ndihmoj", areas=["x"])
    other = person(org.site, "VLERA@ｅｘａｍｐｌｅ.org", 1)
    signup(other, "volunteer", state="confirmed", days=1, skills="Përkthim")
    merge(django_apps, None)
    offer = Supporter.objects.get().signups.get()
    assert offer.state == "confirmed"
    assert (offer.motivation, offer.areas, offer.skills) == ("Dua të ndihmoj", ["x"], "Përkthim")
    assert offer.consents.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_itself_runs_forwards_on_this_database(org):
    """Back to the state before it, rows written with that state's models, then
    forwards again as ``migrate`` does."""
    executor = MigrationExecutor(connection)
    name = MIGRATION.rsplit(".", 1)[1]
    target = ("membership", name)
    parents = executor.loader.graph.node_map[target].parents
    before = [parent.key for parent in parents]
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldSupporter = old.get_model("membership", "Supporter")
        OldSignUp = old.get_model("membership", "SignUp")
        OldConsent = old.get_model("membership", "ConsentRecord")
        ids = []
        for days, email in enumerate(["drita@exämple.org", "DRITA@exa\u0308mple.org"]):
            someone = OldSupporter.objects.create(
                site_id=org.site.pk, email=email, created_at=at(days)
            )
            row = OldSignUp.objects.create(supporter=someone, kind="membership", state="pending")
            OldConsent.objects.create(signup=row, text="Po", language="sq")
            ids.append(someone.pk)
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        # Read with the models of that state: later migrations add columns.
        after = executor.loader.project_state([target]).apps
        NewSupporter = after.get_model("membership", "Supporter")
        NewConsent = after.get_model("membership", "ConsentRecord")
        kept = NewSupporter.objects.get(pk=ids[0])
        assert kept.email == "drita@xn--exmple-cua.org"
        assert not NewSupporter.objects.filter(pk=ids[1]).exists()
        assert NewConsent.objects.filter(signup__supporter=kept).count() == 2
    finally:
        MigrationExecutor(connection).migrate(leaves)
