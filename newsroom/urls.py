from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from newsroom import media
from newsroom.health import healthz
from stories.api import api
from stories.sitemaps import SITEMAPS
from stories.views import robots_txt

urlpatterns = [
    path(settings.NEWSROOM_ADMIN_PATH, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    # The News sitemap's own template adds the news: elements; listed before the
    # general route, it is the one the index's link to the "news" section reaches.
    path(
        "sitemap-news.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "section": "news", "template_name": "stories/sitemap_news.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    # The read API (stories as IPTC ninjs); namespace "api". Before the sections'
    # catch-all route.
    path("api/", api.urls),
    path("", include("stories.urls")),
]
if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    # Uploaded images kept on this machine, served with DEBUG on or off (newsroom/media.py);
    # object storage serves its own.
    urlpatterns.insert(
        0,
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            media.serve,
            name="media",
        ),
    )
handler500 = "newsroom.errors.server_error"
