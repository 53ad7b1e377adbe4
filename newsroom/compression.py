"""Reader pages compressed with gzip, and only reader pages.

whitenoise compresses static files ahead of time; pages are compressed here as they go
out. Compressing a page that carries a secret (a CSRF token, an editor's data) next to
text an attacker can put in it (a search query) lets them guess the secret from the
compressed length (BREACH). So only what any anonymous reader would get is compressed:
GET or HEAD without a session cookie, outside the admin and previews, setting no cookie
and not marked private. Those pages hold no secret to guess.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = ("text/", "application/rss+xml", "application/atom+xml", "application/xml",
              "application/json", "application/ld+json")  # fmt: skip


def is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and settings.CSRF_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.NEWSROOM_UNCACHED_PREFIXES)
    )


class ReaderGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if (
            not is_anonymous_read(request)
            or response.cookies
            or "private" in response.get("Cache-Control", "")
            # Pictures are compressed already; pages, feeds and sitemaps are text.
            or not response.get("Content-Type", "").startswith(TEXT_TYPES)
        ):
            return response
        return super().process_response(request, response)
