"""A slow "sign-up" that writes in two halves inside one transaction."""

import os
import time
from pathlib import Path

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse("ok")


def slow_signup(request):
    seconds = float(request.GET.get("seconds", "3"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO signups (step) VALUES ('first half')")
        Path(os.environ["GUNICORN_TEST_MARKER"]).write_text("in flight")
        time.sleep(seconds)
        cursor.execute("INSERT INTO signups (step) VALUES ('second half')")
    return HttpResponse("saved")


urlpatterns = [path("ping/", ping), path("slow/", slow_signup)]
