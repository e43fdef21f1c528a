def test_switch_language_and_follow_menu(tab, live_server, org, standard_page):
    tab.goto(f"{live_server.url}/sq/")
    assert tab.locator("html").get_attribute("lang") == "sq"
    tab.get_by_role("navigation", name="Gjuha").get_by_role("link", name="English").click()
    tab.wait_for_url("**/en/")
    assert tab.locator("html").get_attribute("lang") == "en"
    tab.get_by_role("navigation", name="Main menu").get_by_role("link", name="About us").click()
    tab.wait_for_url("**/en/about-us/")
    assert tab.get_by_role("heading", level=1).inner_text() == "About us"
