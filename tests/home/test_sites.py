"""One installation, several organisations: nothing of one shows on another's site."""

from home.models import StandardPage


def test_each_site_shows_its_own_pages_menu_and_settings(client, make_org):
    a = make_org("org-a.example", "Organizata A", "Organisation A", default=True)
    b = make_org("org-b.example", "Organizata B", "Organisation B")
    a.add_page(StandardPage(title="Faqja e A", slug="faqja-a", show_in_menus=True))
    b.add_page(StandardPage(title="Faqja e B", slug="faqja-b", show_in_menus=True))
    b.settings.phone = "+383 44 222 333"
    b.settings.save()

    html_a = client.get("/sq/", HTTP_HOST="org-a.example").content.decode()
    html_b = client.get("/sq/", HTTP_HOST="org-b.example").content.decode()
    assert "Faqja e A" in html_a and "Faqja e B" not in html_a
    assert "Faqja e B" in html_b and "Faqja e A" not in html_b
    assert "Organizata A" in html_a and "Organizata B" not in html_a
    assert "+383 44 222 333" in html_b and "+383 44 222 333" not in html_a


def test_a_page_of_another_site_is_not_reachable(client, make_org):
    make_org("org-a.example", default=True)
    b = make_org("org-b.example", "Organizata B", "Organisation B")
    b.add_page(StandardPage(title="Faqja e B", slug="faqja-b"))
    assert client.get("/sq/faqja-b/", HTTP_HOST="org-b.example").status_code == 200
    assert client.get("/sq/faqja-b/", HTTP_HOST="org-a.example").status_code == 404


def test_search_stays_within_site_and_language(client, make_org):
    a = make_org("org-a.example", default=True)
    b = make_org("org-b.example", "Organizata B", "Organisation B")
    a.add_page(
        StandardPage(title="Arsimi cilësor", slug="arsimi", intro="arsimi për të gjithë"),
        en_fields={"title": "Quality education", "slug": "education", "intro": "education for all"},
    )
    b.add_page(StandardPage(title="Arsimi në B", slug="arsimi-b", intro="arsimi"))

    sq = client.get("/sq/search/", {"q": "arsimi"}, HTTP_HOST="org-a.example").content.decode()
    assert "Arsimi cilësor" in sq
    assert "Arsimi në B" not in sq
    assert "Quality education" not in sq
    en = client.get("/en/search/", {"q": "education"}, HTTP_HOST="org-a.example").content.decode()
    assert "Quality education" in en and "Arsimi cilësor" not in en


def test_search_survives_odd_input(client, org):
    for params in (
        {"q": "x" * 5000},
        {"q": "a\x00b"},
        {"q": "arsim", "page": "-1"},
        {"q": "arsim", "page": "abc"},
        {"q": "<script>alert(1)</script>"},
    ):
        response = client.get("/sq/search/", params, HTTP_HOST=org.hostname)
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_query_syntax_is_taken_as_words(client, org):
    from home.views import search_terms

    assert search_terms('"Arsimi" AND (shëndetësia*)') == "arsimi and shëndetësia"
    org.add_page(StandardPage(title="Arsimi", slug="arsimi", intro="arsimi cilësor"))
    for q in ['"', "AND", "NOT arsimi", "arsimi*", "(", "a:b", "NEAR(", "^x", "'"]:
        response = client.get("/sq/search/", {"q": q}, HTTP_HOST=org.hostname)
        assert response.status_code == 200, q
    html = client.get("/sq/search/", {"q": '"arsimi"'}, HTTP_HOST=org.hostname).content.decode()
    assert "Arsimi" in html
