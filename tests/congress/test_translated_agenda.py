"""A translated congress page stores the agenda's speaker lists in the newer ListBlock
form ({"type": "item", "value": id, "id": uuid}); the page renders either form, and
shows each speaker in the page's language when the speaker is translated."""

import json

from wagtail.models import Locale

from tests.congress.conftest import add_speaker, kosovo, session


def agenda_text(html):
    return html[
        html.index('id="agenda-heading"') : html.index("</ol>", html.index("agenda-heading"))
    ]


def test_speaker_lists_in_either_stored_form(client, org, make_congress):
    arta, blerim, drita = add_speaker("Arta"), add_speaker("Blerim"), add_speaker("Drita")
    newer = session("Opening")
    newer["value"]["speakers"] = [{"type": "item", "value": blerim.pk, "id": "a1b2"}]
    page, _ = make_congress(
        start=kosovo(2019, 5, 23, 10, 0),
        agenda=json.dumps([session("Hapja", speakers=[arta, drita]), newer]),
        speakers=json.dumps([{"type": "speaker", "value": drita.pk}]),
    )
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    agenda = agenda_text(html)
    opening, second = agenda.split("<h3>Opening</h3>")
    assert "Arta" in opening and "Drita" in opening and "Blerim" not in opening
    assert "Blerim" in second and "Arta" not in second
    speakers = html[html.index('id="speakers-heading"') :]
    assert "Drita" in speakers


def test_translated_speaker_shows_on_the_english_page(client, org, make_congress):
    arta = add_speaker("Arta", role="Koordinatore")
    english = arta.copy_for_translation(Locale.objects.get(language_code="en"))
    english.role = "Coordinator"
    english.save()
    deleted = add_speaker("Fshirë")
    page, page_en = make_congress(
        start=kosovo(2019, 5, 23, 10, 0),
        agenda=json.dumps([session("Hapja", speakers=[arta, deleted])]),
        speakers=json.dumps(
            [{"type": "speaker", "value": arta.pk}, {"type": "speaker", "value": deleted.pk}]
        ),
    )
    deleted.delete()
    html = client.get(page.url, HTTP_HOST=org.hostname).content.decode()
    assert "Arta (Koordinatore, Platforma)" in agenda_text(html)
    assert "Fshirë" not in html
    html_en = client.get(page_en.url, HTTP_HOST=org.hostname).content.decode()
    assert "Arta (Coordinator, Platforma)" in agenda_text(html_en)
    assert "Koordinatore" not in html_en
    assert "Fshirë" not in html_en
