"""The admin, one module per model family; importing this package registers them all."""

from django.conf import settings
from django.contrib import admin
from django.utils.text import format_lazy

from stories.admin import (
    api,
    entities,
    fronts,
    images,
    people,
    sections,
    sources,
    stories,
    threads,
)

admin.site.site_header = format_lazy("{} administration", settings.NEWSROOM_SITE_NAME)
admin.site.site_title = format_lazy("{} admin", settings.NEWSROOM_SITE_NAME)
# The story list needs the width more than editors need a second list of models.
admin.site.enable_nav_sidebar = False

__all__ = [
    "api",
    "entities",
    "fronts",
    "images",
    "people",
    "sections",
    "sources",
    "stories",
    "threads",
]
