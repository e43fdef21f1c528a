"""A translated congress page stores the agenda's speaker lists in the newer ListBlock
form ({"type": "item", "value": id, "id": uuid}); the page must render all the same
(the English demo congress failed with "unhashable type: 'dict'")."""

from types import SimpleNamespace

from congress.context import _speaker_ids, agenda_sessions


def stream(*items):
    return SimpleNamespace(raw_data=list(items))


def test_speaker_lists_in_either_stored_form():
    page = SimpleNamespace(
        speakers=stream({"type": "speaker", "value": 3}),
        agenda=stream(
            {"type": "session", "value": {"title": "Hapja", "speakers": [1, 3]}},
            {
                "type": "session",
                "value": {
                    "title": "Opening",
                    "speakers": [{"type": "item", "value": 2, "id": "a1b2"}],
                },
            },
        ),
    )
    assert sorted(set(_speaker_ids(page))) == [1, 2, 3]
    sessions = agenda_sessions(page, {1: "Arta", 2: "Blerim", 3: "Drita"})
    assert [s["speakers"] for s in sessions] == [["Arta", "Drita"], ["Blerim"]]
