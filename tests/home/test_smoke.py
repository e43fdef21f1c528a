def test_home_page_renders_in_both_languages(client, org):
    response = client.get("/sq/", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    assert '<html lang="sq"' in response.content.decode()
    response = client.get("/en/", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    assert "Welcome to Organisation A" in response.content.decode()
