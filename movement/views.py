from django.http import Http404
from django.views.decorators.http import require_GET
from wagtail.models import Site

from . import opendata
from .models import CampaignPage

HANDLERS = {
    "data.json": opendata.campaign_json_response,
    "data/demands.csv": opendata.demands_csv_response,
    "data/progress.csv": opendata.progress_csv_response,
    "data/pledges.csv": opendata.pledges_csv_response,
    "data/records.csv": opendata.records_csv_response,
}


@require_GET
def campaign_data(request, page_path, filename):
    """Find the campaign page at ``page_path`` (in this site and language) the way
    Wagtail does, then answer with one of its open-data files."""
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    root = site.root_page.localized.specific
    components = [component for component in page_path.split("/") if component]
    page = root.route(request, components).page.specific
    if not isinstance(page, CampaignPage) or not page.live or page.get_view_restrictions().exists():
        raise Http404
    return HANDLERS[filename](page, request)
