"""Search that understands Albanian endings, on whatever database the suite runs."""

import pytest

from home.models import StandardPage
from home.search import stem_albanian, stem_words


@pytest.mark.parametrize(
    ("words", "stem"),
    [
        (["vullnetar", "vullnetarizo", "vullnetarizoni", "vullnetarë", "vullnetarët"], "vullnetar"),
        (["mision", "misioni", "misionin", "misionit"], "mision"),
        (["deklarata", "deklaratë", "deklaratën", "deklaratës", "deklaratave"], "deklarat"),
        (["kongres", "kongresi", "kongresin", "kongresit"], "kongres"),
        (["Kosova", "Kosovë", "Kosovës", "kosove"], "kosov"),
        (["fushata", "fushatën", "fushatës"], "fushat"),
    ],
)
def test_forms_of_a_word_share_one_stem(words, stem):
    assert {stem_albanian(word) for word in words} == {stem}


def test_short_words_and_other_languages_are_left_alone():
    assert stem_albanian("ne") == "ne"
    assert stem_albanian("dita") == "dit"
    assert stem_words("mission volunteers", "en") == "mission volunteers"
    assert stem_words("misioni dhe misionin", "sq") == "mision dhe"


@pytest.fixture
def pages(org):
    org.add_page(
        StandardPage(
            title="Vullnetarizo me ne",
            slug="vullnetarizo",
            intro="Jepni kohën tuaj për qytetin.",
        ),
        en_fields={"title": "Volunteer with us", "slug": "volunteer", "intro": "Give your time."},
    )
    org.add_page(
        StandardPage(title="Rreth nesh", slug="rreth-nesh", intro="Misioni ynë është i qartë."),
        en_fields={"title": "About us", "slug": "about", "intro": "Our mission is clear."},
    )
    org.add_page(
        StandardPage(title="Nënshkruani", slug="nenshkruani", intro="Lexoni deklaratën e plotë."),
        en_fields={"title": "Sign", "slug": "sign", "intro": "Read the full statement."},
    )
    return org


def _search(client, org, language, q):
    response = client.get(f"/{language}/search/", {"q": q}, HTTP_HOST=org.hostname)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("vullnetar", "Vullnetarizo me ne"),
        ("mision", "Rreth nesh"),
        ("deklarata", "Nënshkruani"),
        ("Deklaratës", "Nënshkruani"),
        ("misionin qartë", "Rreth nesh"),
    ],
)
def test_albanian_query_finds_other_forms_of_its_words(client, pages, query, title):
    html = _search(client, pages, "sq", query)
    assert f">{title}</a>" in html
    # In the page's language only.
    assert "Volunteer with us" not in html and "About us</a>" not in html


def test_results_stay_in_the_language_of_the_search(client, pages):
    en = _search(client, pages, "en", "mission")
    assert "About us</a>" in en and "Rreth nesh</a>" not in en
    # An Albanian word is not found among the English pages.
    assert "Vullnetarizo me ne" not in _search(client, pages, "en", "vullnetar")


def test_unrelated_words_find_nothing(client, pages):
    html = _search(client, pages, "sq", "mision vullnetar")
    assert "Rreth nesh</a>" not in html and "Vullnetarizo me ne</a>" not in html


def test_language_switcher_on_results_keeps_the_query(client, pages):
    html = _search(client, pages, "sq", "mision & vizion")
    assert 'href="/en/search/?q=mision+%26+vizion"' in html
    assert 'href="/sq/search/?q=mision+%26+vizion"' in html


def test_numbers_are_searched_as_typed(client, org):
    org.add_page(
        StandardPage(title="Zgjedhjet 2019", slug="zgjedhjet", intro="Votuan 1989 qytetarë."),
        en_fields={"title": "The 2019 election", "slug": "election", "intro": "Voters."},
    )
    org.add_page(
        StandardPage(title="Tjetër faqe", slug="tjeter", intro="Pa numra."),
        en_fields={"title": "Another page", "slug": "another", "intro": "No numbers."},
    )
    assert stem_words("zgjedhjet 2019", "sq").split()[-1] == "2019"
    assert ">Zgjedhjet 2019</a>" in _search(client, org, "sq", "1989")
    both = _search(client, org, "sq", "tjetër 1989")
    assert ">Tjetër faqe</a>" not in both
