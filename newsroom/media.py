"""Uploaded images served by the site itself when they are kept on this machine.

whitenoise serves only the static files it found at start-up, and Django's `static()`
helper adds no route with DEBUG off, so under `make serve` every image answered 404.
This view serves files from MEDIA_ROOT through Django's own `static.serve` (which
refuses paths leaving the folder and answers If-Modified-Since) and says how long they
may be kept: renditions are named after a digest of what they were made from, so one
name is always the same bytes and may be kept for a year; an original keeps its upload
name, which a later upload may take after it is deleted, so it is kept for a day.

With object storage (AWS_STORAGE_BUCKET_NAME) the files are served from there and
this route is not added; newsroom.s3.MediaS3Storage gives the objects the same lifetimes.
"""

import re

from django.conf import settings
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views import static

YEAR = 365 * 24 * 60 * 60
DAY = 24 * 60 * 60
# Only pictures are ever stored (uploads are decoded and re-encoded as one of these).
SERVED = re.compile(r"[\w./-]+\.(jpg|jpeg|png|webp|gif)\Z", re.ASCII)
RENDITION = re.compile(r"images/renditions/\d+/[a-z]+-\d+w-[0-9a-f]{10}\.(jpg|webp)\Z")


def max_age(name):
    """Seconds a browser or CDN may keep the media file `name` without asking again."""
    return YEAR if RENDITION.match(name) else DAY


def serve(request, path):
    if not SERVED.match(path) or "/." in f"/{path}":
        raise Http404("No such image.")
    # MEDIA_ROOT read at each request: tests give each their own.
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    seconds = max_age(path)
    patch_cache_control(response, public=True, max_age=seconds, immutable=seconds == YEAR)
    return response
