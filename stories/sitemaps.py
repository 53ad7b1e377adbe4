"""Sitemaps: an index of the site's pages, and a Google News sitemap of the last two days.

The News sitemap follows https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap:
only stories published in the last two days, at most 1,000 of them, each with its
publication (name and language), publication date and title. Opinion pieces also say
so in <news:genres>, the one type of work the format has a word for.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from stories.models import Entity, Section, Story, Thread
from stories.views import author_url

NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000
# The Google News genre of each type of work that has one.
NEWS_GENRES = {"opinion": "Opinion"}


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["stories:home"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return Story.objects.published().aggregate(latest=Max("published_at"))["latest"]


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return Section.objects.order_by("path")


class StorySitemap(Sitemap):
    priority = 0.6
    # Pages of 5,000 rather than the protocol's 50,000: one takes a third of a second to
    # make, and the index lists them all.
    limit = 5000

    def items(self):
        return (
            Story.objects.published()
            .only("slug", "published_at", "updated_at")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, story):
        return max(story.updated_at, story.published_at)

    def get_latest_lastmod(self):
        # For the index. Django's default calls lastmod() on every story there is; the
        # newest of each time is the head of an index instead.
        published = Story.objects.published()
        latest = [
            published.order_by(f"-{field}").values_list(field, flat=True).first()
            for field in ("updated_at", "published_at")
        ]
        return max(filter(None, latest), default=None)


class EntitySitemap(Sitemap):
    priority = 0.4

    def items(self):
        # Each entity's first published story, looked up one index probe per entity:
        # both an IN over every published story's mentions and EXISTS (which
        # PostgreSQL plans as a join of all of them) read 450,000 mentions at scale.
        named = Story.objects.published().filter(mentions__entity=OuterRef("pk")).order_by()
        return (
            Entity.objects.alias(first_story=Subquery(named.values("pk")[:1]))
            .filter(first_story__isnull=False)
            .order_by("slug")
        )


class TagSitemap(Sitemap):
    priority = 0.3

    def items(self):
        tagged = Story.objects.published().filter(tags=OuterRef("pk"))
        # A tag with no slug has no page to list (stories.tagging gives every new one a slug).
        return Tag.objects.filter(Exists(tagged)).exclude(slug="").order_by("slug")

    def location(self, tag):
        return reverse("stories:tag", kwargs={"slug": tag.slug})


class AuthorSitemap(Sitemap):
    priority = 0.3

    def items(self):
        return (
            get_user_model()
            .objects.filter(
                Exists(Story.objects.published().filter(authors=OuterRef("pk"))), is_active=True
            )
            .order_by("pk")
        )

    def location(self, author):
        return author_url(author)


class ThreadSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.5

    def items(self):
        published = Story.objects.published().filter(thread=OuterRef("pk"))
        return Thread.objects.filter(Exists(published)).order_by("slug")


class NewsSitemap(Sitemap):
    """The stories of the last two days, for Google News; rendered by sitemap_news.xml."""

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Story.objects.published()
            .filter(published_at__gte=since)
            .only("slug", "title", "headline", "published_at", "updated_at", "type_of_work")
            .order_by("-published_at", "-pk")[:NEWS_LIMIT]
        )

    def lastmod(self, story):
        return max(story.updated_at, story.published_at)

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["news"] = {
                "name": settings.NEWSROOM_SITE_NAME,
                "language": news_language(settings.LANGUAGE_CODE),
                "publication_date": timezone.localtime(url["item"].published_at)
                .replace(microsecond=0)
                .isoformat(),
                "title": url["item"].headline,
                "type_of_work": url["item"].type_of_work,
                "genres": NEWS_GENRES.get(url["item"].type_of_work, ""),
            }
        return urls


def news_language(code):
    """The ISO 639 code Google News wants: "en" for en-gb, but zh-cn and zh-tw kept whole."""
    code = code.lower()
    return code if code in {"zh-cn", "zh-tw"} else code.split("-")[0]


SITEMAPS = {
    "home": HomeSitemap,
    "sections": SectionSitemap,
    "stories": StorySitemap,
    "entities": EntitySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "threads": ThreadSitemap,
    "news": NewsSitemap,
}
