"""Open data of a campaign: demands, progress history, the candidates' pledges with
their commitments, what the pledging candidates did since (records) and the
signature count, as JSON and CSV at stable URLs under the campaign page. Only public
pledges, and of them only what their pages show: never a candidate's email, the
review's state or messages, or the consent text.

Column names and keys are English and never change with the language; the texts
are in the page's language. Every file is licensed CC BY 4.0, said in the JSON
itself and in a ``Link: rel="license"`` header on every response. CSV cells that
a spreadsheet would run as a formula are neutralised whatever separator it splits
on (``home.csvsafe``); ``?dialect=semicolon`` gives the files with ``;`` between
cells, which spreadsheets in Albanian and most European locales open directly.
"""

import io
import json
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

from home import csvsafe
from home.cache import limit_page_cache
from membership.constants import serbian_name
from membership.statements import STATEMENT_COUNT_MAX_AGE

LICENSE_NAME = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


def safe_cell(value):
    """A CSV cell that spreadsheet programs will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, int | float):
        return str(value)
    return csvsafe.neutralise(value)


def number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def _date(value):
    return value.isoformat() if value else None


def _full(request, url):
    return request.build_absolute_uri(url) if url else ""


def _license_headers(response, filename):
    response["Link"] = f'<{LICENSE_URL}>; rel="license"'
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-License"] = LICENSE_NAME
    # The same for every visitor: the page cache may keep it like the page itself.
    response.page_cacheable = True
    return response


def demand_rows(page, request, progress):
    rows = []
    for position, item in enumerate(progress, start=1):
        demand = item.demand
        rows.append(
            {
                "id": str(demand.translation_key),
                "position": position,
                "title": demand.title,
                "explanation": demand.explanation,
                "indicator": demand.indicator,
                "unit": demand.unit,
                "baseline_value": number(demand.baseline_value),
                "baseline_date": _date(demand.baseline_date),
                "target_value": number(demand.target_value),
                "deadline": _date(demand.deadline),
                "deadline_passed": item.deadline_passed,
                "status": item.status,
                "status_label": str(item.status_label),
                "latest_value": number(item.latest_value),
                "progress_percent": item.percent,
                "source_url": demand.source_url,
            }
        )
    return rows


def progress_rows(page, request, progress):
    rows = []
    for item in progress:
        for update in item.updates:
            document = update.evidence_document
            rows.append(
                {
                    "demand_id": str(item.demand.translation_key),
                    "demand": item.demand.title,
                    "date": _date(update.date),
                    "status": update.status,
                    "status_label": str(update.status_label),
                    "value": number(update.value),
                    "evidence_url": update.evidence_url,
                    "evidence_document_url": _full(request, document.url) if document else "",
                    "note": update.note,
                }
            )
    return rows


def pledge_rows(page, request, pledges):
    """The public pledges, with what each candidate committed to. Never the
    candidate's email, the state of the review, its messages or the consent text."""
    base = page.get_full_url(request)
    return [
        {
            "id": pledge.pk,
            "name": pledge.name,
            "party": pledge.party,
            "list_number": pledge.list_number,
            "office": pledge.office,
            "municipality": pledge.municipality,
            "municipality_name": pledge.municipality_name,
            "municipality_name_sr": serbian_name(pledge.municipality),
            "profile_url": pledge.profile_url,
            "signed_on": _date(pledge.signed_on),
            "source": pledge.source,
            "elected": pledge.elected,
            "withdrawn_on": _date(pledge.withdrawn_on),
            "candidate_url": base + page.candidate_path(pledge.pk),
            "pledge_document_url": _full(request, pledge.document.url) if pledge.document else "",
            "commitments": [
                {"demand_id": str(c.demand.translation_key), "comment": c.comment}
                for c in pledge.commitments.all()
            ],
            "committed_demand_ids": " ".join(
                str(c.demand.translation_key) for c in pledge.commitments.all()
            ),
        }
        for pledge in pledges
    ]


def record_rows(page, request, pledges):
    """What the pledging candidates said or did since, newest first, in the page's
    language where translated."""
    return [
        {
            "pledge_id": record.pledge_id,
            "candidate": record.pledge.name,
            "date": _date(record.date),
            "kind": record.kind,
            "stance": record.stance,
            "demand_id": str(record.demand.translation_key) if record.demand else "",
            "summary": record.summary,
            "source_url": record.source_url,
        }
        for record in page.get_candidate_records(pledges)
    ]


def _signature_total(page, request):
    """The public count, which lags behind by at most what the campaign page allows."""
    limit_page_cache(request, STATEMENT_COUNT_MAX_AGE)
    return page.signature_total()


def campaign_json_response(page, request):
    progress = page.get_demand_progress()
    demands = demand_rows(page, request, progress)
    history = progress_rows(page, request, progress)
    for demand in demands:
        demand["progress"] = [row for row in history if row["demand_id"] == demand["id"]]
    urls = page.open_data_urls(request)
    public = page.get_pledges()
    pledges = pledge_rows(page, request, public)
    for pledge in pledges:
        del pledge["committed_demand_ids"]  # the CSV's form of "commitments"
    data = {
        "license": {"name": LICENSE_NAME, "url": LICENSE_URL},
        "attribution": page.get_site().site_name if page.get_site() else "",
        "source": page.get_full_url(request),
        "language": page.locale.language_code,
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "campaign": {
            "title": page.title,
            "hashtags": page.hashtags.split(),
            "explainer": page.intro,
            "non_partisan": page.non_partisan,
            "start_date": _date(page.start_date),
            "election_date": _date(page.election_date),
            "end_date": _date(page.end_date),
        },
        "signature_count": _signature_total(page, request),
        "demands": demands,
        "pledges": pledges,
        "records": record_rows(page, request, public),
        "files": {name: _full(request, url) for name, url in urls.items()},
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    return _license_headers(response, f"{page.slug}.json")


def csv_response(rows, columns, filename, request=None):
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, request.GET.get("dialect") if request else None)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    # A byte-order mark so that spreadsheet programs read ë and ç correctly.
    response = HttpResponse(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8; header=present"
    )
    return _license_headers(response, filename)


DEMAND_COLUMNS = [
    "id",
    "position",
    "title",
    "explanation",
    "indicator",
    "unit",
    "baseline_value",
    "baseline_date",
    "target_value",
    "deadline",
    "deadline_passed",
    "status",
    "status_label",
    "latest_value",
    "progress_percent",
    "source_url",
    "signature_count",
]
PROGRESS_COLUMNS = [
    "demand_id",
    "demand",
    "date",
    "status",
    "status_label",
    "value",
    "evidence_url",
    "evidence_document_url",
    "note",
]
PLEDGE_COLUMNS = [
    "id",
    "name",
    "party",
    "list_number",
    "office",
    "municipality",
    "municipality_name",
    "municipality_name_sr",
    "profile_url",
    "signed_on",
    "source",
    "elected",
    "withdrawn_on",
    "candidate_url",
    "pledge_document_url",
    "committed_demand_ids",
]
RECORD_COLUMNS = [
    "pledge_id",
    "candidate",
    "date",
    "kind",
    "stance",
    "demand_id",
    "summary",
    "source_url",
]


def demands_csv_response(page, request):
    rows = demand_rows(page, request, page.get_demand_progress())
    signatures = _signature_total(page, request)
    for row in rows:
        row["signature_count"] = signatures
    return csv_response(rows, DEMAND_COLUMNS, f"{page.slug}-demands.csv", request)


def progress_csv_response(page, request):
    rows = progress_rows(page, request, page.get_demand_progress())
    return csv_response(rows, PROGRESS_COLUMNS, f"{page.slug}-progress.csv", request)


def pledges_csv_response(page, request):
    rows = pledge_rows(page, request, page.get_pledges())
    return csv_response(rows, PLEDGE_COLUMNS, f"{page.slug}-pledges.csv", request)


def records_csv_response(page, request):
    rows = record_rows(page, request, page.get_pledges())
    return csv_response(rows, RECORD_COLUMNS, f"{page.slug}-records.csv", request)
