"""Open-data files of campaign pages, at stable URLs with file extensions under the
page (``.../data.json``, ``.../data/demands.csv``). Wagtail's own page URLs end in a
slash and have no dots, so these are routed here, before Wagtail's catch-all."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(
        r"^(?P<page_path>(?:[\w\-]+/)*)(?P<filename>data\.json|data/(?:demands|progress|pledges|records)\.csv)$",
        views.campaign_data,
        name="campaign_data",
    ),
]
