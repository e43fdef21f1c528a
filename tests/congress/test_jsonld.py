import json
import re

from tests.congress.conftest import FACEBOOK, kosovo

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def event_json(client, org, url):
    html = client.get(url, HTTP_HOST=org.hostname).content.decode()
    scripts = LD.findall(html)
    assert len(scripts) == 1
    return json.loads(scripts[0]), scripts[0]


def test_event_json_ld_with_livestream(client, org, make_congress):
    page, page_en = make_congress(start=kosovo(2019, 5, 23, 10, 0), hours=4)
    data, _ = event_json(client, org, page.url)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == page.title
    assert data["startDate"] == "2019-05-23T10:00:00+02:00"
    assert data["endDate"] == "2019-05-23T14:00:00+02:00"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    places = {item["@type"]: item for item in data["location"]}
    assert places["VirtualLocation"]["url"] == FACEBOOK
    assert places["Place"]["name"] == "Salla e kongresit"
    assert places["Place"]["address"]["streetAddress"] == "Rr. Pashko Vasa 23"
    assert places["Place"]["address"]["addressLocality"] == "Prishtinë"
    assert data["url"] == f"http://{org.hostname}{page.url}"
    data_en, _ = event_json(client, org, page_en.url)
    assert data_en["inLanguage"] == "en" and data_en["name"] == page_en.title


def test_event_without_livestream_is_offline(client, org, make_congress):
    page, _ = make_congress(streams=())
    data, _ = event_json(client, org, page.url)
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"


def test_json_ld_cannot_break_out_of_its_script(client, org, make_congress):
    title = 'Kongresi </script><script>alert("x")</script> & më shumë'
    page, _ = make_congress(title=title, en=False)
    data, raw = event_json(client, org, page.url)
    assert data["name"] == title
    assert "</script" not in raw and "<script" not in raw
