"""One mailbox, one person: addresses are keyed the way mail is delivered (IDNA for
the domain, NFKC and case folding for the local part), in every door where an
address identifies someone: the public forms, paper entry and import, the admin's
search, and whoever calls ``store_submission``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from membership.emails import InvalidEmail, normalise_email
from membership.models import ConsentRecord, SignUp, Supporter
from membership.services import confirm, store_submission

from .conftest import join_data, make_campaign, sign_url, statement_data

pytestmark = pytest.mark.django_db

# Five spellings of two mailboxes (what the probe signed with): full width, upper
# case, "ä" composed (U+00E4) and decomposed (a + U+0308), and its A-label.
ONE = ["arta@example.org", "ARTA@ｅｘａｍｐｌｅ.ｏｒｇ", "ａｒｔａ＠example.org"]
TWO = ["besa@exämple.org", "BESA@exa\u0308mple.org", "besa@XN--EXMPLE-CUA.org"]


def test_variants_of_one_mailbox_have_one_key():
    assert {normalise_email(v) for v in ONE} == {"arta@example.org"}
    assert {normalise_email(v) for v in TWO} == {"besa@xn--exmple-cua.org"}
    assert normalise_email("arta@example.org.") == "arta@example.org"
    assert normalise_email("  ") == ""
    # IDNA 2008 without transitional mapping: ß is its own letter, as DNS has it.
    assert normalise_email("x@straße.de") == "x@xn--strae-oqa.de"
    assert normalise_email("x@strasse.de") == "x@strasse.de"
    for key in ("arta@example.org", "besa@xn--exmple-cua.org"):
        assert normalise_email(key) == key
    with pytest.raises(InvalidEmail):
        normalise_email("x@☃.com")  # no IDNA 2008 form


def test_statement_signed_with_five_spellings_of_two_mailboxes_counts_two(submit, org):
    sq, en = make_campaign(org, threshold=1)
    for number, email in enumerate(ONE[:2] + TWO):
        page = sq if number % 2 else en
        response = submit(sign_url(page), statement_data(email=email))
        assert response.status_code == 302, email
    assert sorted(Supporter.objects.values_list("email", flat=True)) == [
        "arta@example.org",
        "besa@xn--exmple-cua.org",
    ]
    assert SignUp.objects.count() == 2
    confirm(SignUp.objects.values_list("pk", flat=True))
    assert sq.signature_count() == 2
    # Each person consented each time they signed; the consents are all kept.
    assert ConsentRecord.objects.count() == 2


def test_join_with_another_spelling_is_the_same_person(submit, org, join_page):
    sq, _ = join_page
    submit(sq, join_data(email="arta@example.org"))
    submit(sq, join_data(email="Arta@ＥＸＡＭＰＬＥ.org", given_name="Tjetër"))
    assert Supporter.objects.get().email == "arta@example.org"
    assert SignUp.objects.count() == 1


@pytest.mark.parametrize(
    "language, message",
    [
        ("sq", "Në këtë adresë nuk mund të dërgohet email"),
        ("en", "Mail cannot be delivered to this address"),
    ],
)
def test_an_address_without_idna_form_is_refused_clearly(submit, org, join_page, language, message):
    page = join_page[0] if language == "sq" else join_page[1]
    # As typed, and as a browser sends it (the domain already in its ASCII form).
    for email in ("arta@☃.com", "arta@xn--n3h.com", "arta@XN--N3H.com"):
        response = submit(page, join_data(email=email))
        assert response.status_code == 400, email  # the form again, with the message
        assert message in response.content.decode()
    assert Supporter.objects.count() == 0
    assert submit(page, join_data(email="arta@xn--exmple-cua.org")).status_code == 302


def test_any_caller_of_store_submission_gets_the_key(org, join_page):
    for email in ONE:
        store_submission(
            site=org.site,
            page=join_page[0],
            language="sq",
            email=email,
            person={"given_name": "Arta"},
            signups=[{"kind": "membership", "fields": {}, "consents": [("signup", "Po")]}],
            notify=False,
        )
    assert list(Supporter.objects.values_list("email", flat=True)) == ["arta@example.org"]


def test_paper_entry_and_import_key_addresses_too(client, staff, org):
    sq, _ = make_campaign(org, threshold=1)
    client.force_login(staff["officer_a"])
    client.post(
        reverse("membership_paper"),
        {
            "page": str(sq.pk),
            "given_name": "Besa",
            "family_name": "Shembulli",
            "municipality": "peje",
            "email": TWO[1],
        },
    )
    assert Supporter.objects.get().email == "besa@xn--exmple-cua.org"
    text = (
        "given_name,family_name,municipality,country,email,phone\n"
        f"Arta,Shembulli,Prizren,,{ONE[0]},\n"
        f"Arta,Shembulli,Prizren,,{ONE[1]},\n"
    )
    upload = SimpleUploadedFile("s.csv", text.encode())
    html = client.post(
        reverse("membership_paper_import"), {"page": str(sq.pk), "file": upload}
    ).content.decode()
    assert "The same email appears twice in the file." in html
    assert Supporter.objects.count() == 1


def test_admin_search_finds_a_person_by_any_spelling(client, staff, org, join_page):
    store_submission(
        site=org.site,
        page=join_page[0],
        language="sq",
        email=TWO[0],
        person={"given_name": "Besa"},
        signups=[{"kind": "membership", "fields": {}, "consents": [("signup", "Po")]}],
        notify=False,
    )
    client.force_login(staff["officer_a"])
    for term in TWO + ["EXÄMPLE.ORG"]:
        html = client.get(reverse("membership_people"), {"q": term}).content.decode()
        assert "1 person" in html, term
