"""One person per mailbox: addresses become their key (``membership.emails``), and
people of one organisation whose addresses reach the same mailbox are merged.

Per organisation and key, the person first seen is kept; the others' sign-ups,
consent records and audit entries move to them, and their details fill what the
kept person lacks. Sign-ups of the same kind (the same statement for signatures)
become one, which keeps every consent record of them all and the state they reached
furthest: confirmed over pending; withdrawn only when that withdrawal came after
every confirmation and every pending sign-up among them (leaving stays possible).
Each merge is written to the audit log. It cannot be undone: going back keeps the
merged people.
"""

from collections import defaultdict

from django.db import migrations

from membership.emails import InvalidEmail, normalise_email

DETAILS = ("given_name", "family_name", "phone", "year_of_birth", "language")
# What a sign-up itself said (a volunteer's offer, a member's motivation): the
# merged sign-up keeps its own answers and takes the others' where it has none.
ANSWERS = ("motivation", "areas", "skills", "availability", "languages_spoken", "community")
EMAIL_LENGTH = 254  # Supporter.email


def key_of(email):
    try:
        key = normalise_email(email)
    except InvalidEmail:  # no IDNA form: it can only match itself
        return email
    return key if len(key) <= EMAIL_LENGTH else email  # a key too long to store


def merged_state(rows):
    """The state of the one sign-up that ``rows`` (the same kind) become."""
    confirmed = [r.confirmed_at or r.created_at for r in rows if r.state == "confirmed"]
    pending = [r.created_at for r in rows if r.state == "pending"]
    withdrawals = [r.withdrawn_at or r.created_at for r in rows if r.state == "withdrawn"]
    others = confirmed + pending
    if withdrawals and (not others or max(withdrawals) > max(others)):
        return "withdrawn"
    return "confirmed" if confirmed else "pending"


def merge_group(apps, keeper, others):
    Supporter = apps.get_model("membership", "Supporter")
    SignUp = apps.get_model("membership", "SignUp")
    ConsentRecord = apps.get_model("membership", "ConsentRecord")
    AuditEntry = apps.get_model("membership", "AuditEntry")
    ids = [keeper.pk] + [other.pk for other in others]

    # Details: the kept person's, completed from the others (oldest first).
    changed = []
    for other in others:
        for name in DETAILS:
            if getattr(keeper, name) in (None, "") and getattr(other, name) not in (None, ""):
                setattr(keeper, name, getattr(other, name))
                changed.append(name)
        if not keeper.municipality and other.municipality:
            keeper.municipality, keeper.country = other.municipality, other.country
            changed += ["municipality", "country"]
    if changed:
        keeper.save(update_fields=list(dict.fromkeys(changed)))

    # Sign-ups: one per kind (per statement for signatures).
    same = defaultdict(list)
    for signup in SignUp.objects.filter(supporter_id__in=ids).order_by("created_at", "pk"):
        if signup.kind == "signature":
            # Signatures whose page was deleted are never the same signature.
            key = (signup.kind, signup.page_id if signup.page_id else f"row-{signup.pk}")
        else:
            key = (signup.kind, None)
        same[key].append(signup)
    for rows in same.values():
        state = merged_state(rows)
        survivor = min(
            (r for r in rows if r.state == state),
            key=lambda r: (r.supporter_id != keeper.pk, r.created_at, r.pk),
        )
        losers = [r.pk for r in rows if r.pk != survivor.pk]
        filled = []
        for row in rows:
            for name in ANSWERS:
                if getattr(survivor, name) in ("", [], None) and getattr(row, name):
                    setattr(survivor, name, getattr(row, name))
                    filled.append(name)
        if filled:
            survivor.save(update_fields=list(dict.fromkeys(filled)))
        if losers:
            ConsentRecord.objects.filter(signup_id__in=losers).update(signup_id=survivor.pk)
            SignUp.objects.filter(pk__in=losers).delete()
        if survivor.supporter_id != keeper.pk:
            SignUp.objects.filter(pk=survivor.pk).update(supporter_id=keeper.pk)

    others_ids = ids[1:]
    AuditEntry.objects.filter(site_id=keeper.site_id, supporter_ref__in=others_ids).update(
        supporter_ref=keeper.pk
    )
    Supporter.objects.filter(pk__in=others_ids).delete()
    AuditEntry.objects.create(
        site_id=keeper.site_id,
        username="system",
        action="merge",
        supporter_ref=keeper.pk,
        detail={"merged_people": others_ids, "reason": "the same mailbox"},
    )


def merge_supporters_with_the_same_mailbox(apps, schema_editor):
    Supporter = apps.get_model("membership", "Supporter")
    groups = defaultdict(list)
    rows = Supporter.objects.filter(email__isnull=False).order_by("created_at", "pk")
    for pk, site_id, email in rows.values_list("pk", "site_id", "email"):
        groups[(site_id, key_of(email))].append((pk, email))
    for (_site_id, key), members in groups.items():
        if len(members) > 1:
            people = {p.pk: p for p in Supporter.objects.filter(pk__in=[m[0] for m in members])}
            keeper, *others = (people[pk] for pk, _email in members)
            merge_group(apps, keeper, others)
        keeper_pk, email = members[0]
        if email != key:
            Supporter.objects.filter(pk=keeper_pk).update(email=key)


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0003_signup_proposed_details"),
    ]

    operations = [
        migrations.RunPython(
            merge_supporters_with_the_same_mailbox,
            migrations.RunPython.noop,
            elidable=True,
        ),
    ]
