from datetime import UTC, datetime

from icalendar import Calendar

from tests.congress.conftest import FACEBOOK, kosovo


def test_ics_is_valid_and_holds_the_right_times(client, org, make_congress):
    page, page_en = make_congress(start=kosovo(2019, 5, 23, 10, 0), hours=4)
    response = client.get(page.url + "calendar/", HTTP_HOST=org.hostname)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]

    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event["UID"].startswith("congress-") and org.hostname in event["UID"]
    assert event.decoded("DTSTART") == datetime(2019, 5, 23, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2019, 5, 23, 12, 0, tzinfo=UTC)
    assert event.decoded("DTSTART") == page.start_at
    assert "Rr. Pashko Vasa 23" in str(event["LOCATION"])
    assert str(event["URL"]) == f"http://{org.hostname}{page.url}"
    description = str(event["DESCRIPTION"])
    assert FACEBOOK in description and "Facebook" in description
    assert str(event["SUMMARY"]) == page.title

    # The English file is the same event (same UID) with the English page's URL.
    calendar_en = Calendar.from_ical(
        client.get(page_en.url + "calendar/", HTTP_HOST=org.hostname).content
    )
    event_en = calendar_en.walk("VEVENT")[0]
    assert event_en["UID"] == event["UID"]
    assert str(event_en["URL"]).endswith(page_en.url)
    assert "Livestream on Facebook" in str(event_en["DESCRIPTION"])
