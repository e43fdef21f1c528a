"""Uploaded media served by Django (production without object storage).

Documents are left out: they are served only through Wagtail's ``/documents/``
view, which checks the privacy of their collection and sends them with
``Content-Disposition: attachment`` (PDF excepted) and ``Content-Security-Policy:
default-src 'none'``. Without this, ``/media/documents/<name>`` would hand out a
private document to anyone who knows or guesses its file name.
"""

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.static import serve

PRIVATE_FOLDERS = {"documents"}


def serve_media(request, path):
    normalized = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if normalized.split("/", 1)[0] in PRIVATE_FOLDERS:
        raise Http404("Documents are served at /documents/.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)
