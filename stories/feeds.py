"""RSS 2.0 and Atom feeds of published stories: the site, sections, entities, tags,
authors and threads.

Each feed is a class for RSS and a subclass for Atom; the pages they follow advertise
both with <link rel="alternate">. Each item carries the story's type of work as a
category in the schema.org vocabulary (NewsArticle, AnalysisNewsArticle...) and its
coverage (sources, publishers, dates) in the newsroom's own namespace, and the time of
its latest update, correction or live update as <updated> (<atom:updated> in RSS).

Nothing an editor typed reaches a feed as markup. Feed readers take RSS titles,
descriptions and categories for HTML as often as for text, so text fields go out
through feed_text() (no "<" or ">" left to start a tag, whichever way they are read)
and descriptions through feed_html() (escaped text, or HTML through the stories'
sanitiser).
"""

import copy
import re
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, rfc3339_date
from taggit.models import Tag

from stories import richtext
from stories.models import Entity, LiveUpdate, Section, Story, Thread
from stories.page_cache import card_keys, shows
from stories.views import author_name, author_url

FEED_LENGTH = 30
# The namespace of the coverage element; a name, never fetched.
NEWSROOM_NS = "https://schema.newsroom.invalid/feeds/1.0"
SCHEMA_ORG = "https://schema.org/"


def write_coverage(handler, coverage):
    """<newsroom:coverage sources="5" publishers="3" from="2025-07-01" to="2025-07-03">
    with a <newsroom:publisher sources="2">Name</newsroom:publisher> for each publisher."""
    attributes = {"sources": str(coverage.sources), "publishers": str(coverage.publishers)}
    if coverage.first_date:
        attributes["from"] = coverage.first_date.isoformat()
        attributes["to"] = coverage.last_date.isoformat()
    handler.startElement("newsroom:coverage", attributes)
    for group in coverage.by_publisher:
        handler.addQuickElement(
            "newsroom:publisher", feed_text(group.name), {"sources": str(len(group.citations))}
        )
    handler.endElement("newsroom:coverage")


class NewsroomRss(Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:newsroom": NEWSROOM_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        # RSS has no element for it: Atom's, as feed readers take it in RSS too.
        if item["updateddate"] is not None:
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        handler.addQuickElement("category", item["type_of_work"]["term"], {"domain": SCHEMA_ORG})
        write_coverage(handler, item["coverage"])


class NewsroomAtom(Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:newsroom": NEWSROOM_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        kind = item["type_of_work"]
        handler.addQuickElement(
            "category", "", {"term": kind["term"], "scheme": SCHEMA_ORG, "label": kind["label"]}
        )
        write_coverage(handler, item["coverage"])


# Characters XML 1.0 cannot carry at all: Django's feed writer refuses them.
_NOT_XML = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]")


def feed_text(value):
    """Plain text for a feed field a reader may show as text or as HTML.

    As text it reads as typed; as HTML, a "<" or ">" can never open a tag: it is an
    entity (so a reader showing it as text shows "&lt;" for one, the lesser harm).
    """
    return _NOT_XML.sub("", value or "").replace("<", "&lt;").replace(">", "&gt;")


def feed_html(*, text="", html=""):
    """A feed description: plain `text` escaped, or `html` sanitised (search snippets
    keep their <mark>ed matches)."""
    if html:
        return _NOT_XML.sub("", richtext.sanitise(html, extra_tags={"mark"}))
    return escape(_NOT_XML.sub("", text or ""), quote=False)


class TextFieldsMixin:
    """Every title, name and category of a feed through feed_text().

    Feed calls _get_dynamic_attr() for every field it writes, so this is the one place
    that sees them all, whichever method of a subclass supplies them.
    """

    def _get_dynamic_attr(self, attname, obj, default=None):
        value = super()._get_dynamic_attr(attname, obj, default)
        if attname in TEXT_FIELDS and isinstance(value, str):
            return feed_text(value)
        if attname in ("categories", "item_categories") and value:
            return [feed_text(str(category)) for category in value]
        return value


# The attributes of a Feed whose values are text. Links, dates and ids are not, and
# item_description is HTML, made by feed_html().
TEXT_FIELDS = {
    "title",
    "subtitle",
    "description",
    "author_name",
    "feed_copyright",
    "item_title",
    "item_author_name",
    "item_comments",
    "item_copyright",
}


class StoryFeed(TextFieldsMixin, Feed):
    feed_type = NewsroomRss
    language = settings.LANGUAGE_CODE

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request, so the request (the host for absolute
        # enclosure URLs) goes on a copy of it.
        feed = copy.copy(self)
        feed.request = request
        feed.shown = []
        response = super(StoryFeed, feed).__call__(request, *args, **kwargs)
        return shows(response, *feed.shown)

    def get_feed(self, obj, request):
        self.shown = self.surrogate_keys(obj)
        return super().get_feed(obj, request)

    def surrogate_keys(self, obj):
        """The keys of what the feed shows, besides its stories (see page_cache.shows())."""
        return ["listings"]

    def stories(self, obj):
        return Story.objects.published()

    def items(self, obj):
        # Authors (and contributors without an account), tags, citations (the coverage),
        # the public log and the live updates' times (the updated time) for every item in
        # six more queries, however many items.
        items = list(
            self.stories(obj)
            .cards()
            .prefetch_related(
                "authors",
                "contributors",
                "tags",
                "citations",
                "corrections",
                Prefetch("live_updates", queryset=LiveUpdate.objects.only("story", "at")),
            )[:FEED_LENGTH]
        )
        self.shown += card_keys(items)
        return items

    def subject(self, obj):
        return ""

    def page_url(self, obj):
        return reverse("stories:home")

    def title(self, obj):
        subject = self.subject(obj)
        return (
            f"{subject} – {settings.NEWSROOM_SITE_NAME}"
            if subject
            else (settings.NEWSROOM_SITE_NAME)
        )

    def link(self, obj):
        return self.page_url(obj)

    def description(self, obj):
        subject = self.subject(obj)
        site = settings.NEWSROOM_SITE_NAME
        return (
            f"The latest stories about {subject} from {site}."
            if subject
            else (f"The latest stories from {site}.")
        )

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return feed_html(text=item.dek)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_extra_kwargs(self, item):
        return {
            "type_of_work": {
                "term": item.schema_type,
                "label": item.get_type_of_work_display(),
            },
            "coverage": item.coverage(),
        }

    def item_author_name(self, item):
        names = [author_name(author) for author in item.authors.all()]
        names += [contributor.name for contributor in item.contributors.all()]
        return ", ".join(names) or None

    def item_author_link(self, item):
        authors = list(item.authors.all())
        # Atom's <uri> is read on its own, away from the page: it must be absolute.
        if len(authors) != 1:
            return None
        return self.request.build_absolute_uri(author_url(authors[0]))

    def item_enclosures(self, item):
        shared = item.lead_image.share_rendition() if item.lead_image else None
        if shared is None:
            return []
        url = self.request.build_absolute_uri(shared["url"])
        return [Enclosure(url, str(shared["bytes"]), shared["type"])]

    def item_categories(self, item):
        categories = [item.section.name] if item.section else []
        return categories + [tag.name for tag in item.tags.all()]


class AtomFeedMixin:
    feed_type = NewsroomAtom

    def subtitle(self, obj):
        return self.description(obj)


class SiteFeed(StoryFeed):
    pass


class SiteAtomFeed(AtomFeedMixin, SiteFeed):
    pass


class SectionFeed(StoryFeed):
    def get_object(self, request, path):
        return get_object_or_404(Section, path=path)

    def stories(self, section):
        return Story.objects.published().in_section(section)

    def subject(self, section):
        return section.name

    def page_url(self, section):
        return section.get_absolute_url()

    def surrogate_keys(self, section):
        return [f"section-{section.pk}-stories"]


class SectionAtomFeed(AtomFeedMixin, SectionFeed):
    pass


class EntityFeed(StoryFeed):
    def get_object(self, request, slug):
        entity = get_object_or_404(Entity, slug=slug)
        if not self.stories(entity).exists():
            raise Http404(f"No published stories name {slug!r}.")
        return entity

    def stories(self, entity):
        return Story.objects.published().filter(mentions__entity=entity)

    def subject(self, entity):
        return entity.name

    def page_url(self, entity):
        return entity.get_absolute_url()

    def surrogate_keys(self, entity):
        return entity.surrogate_keys()


class EntityAtomFeed(AtomFeedMixin, EntityFeed):
    pass


class TagFeed(StoryFeed):
    def get_object(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        if not Story.objects.published().filter(tags=tag).exists():
            raise Http404(f"No published stories are tagged {slug!r}.")
        return tag

    def stories(self, tag):
        return Story.objects.published().filter(tags=tag)

    def subject(self, tag):
        return tag.name

    def page_url(self, tag):
        return reverse("stories:tag", kwargs={"slug": tag.slug})

    def surrogate_keys(self, tag):
        return [f"tag-{tag.pk}", f"tag-{tag.pk}-stories"]


class TagAtomFeed(AtomFeedMixin, TagFeed):
    pass


class AuthorFeed(StoryFeed):
    def get_object(self, request, pk):
        author = get_object_or_404(get_user_model(), pk=pk, is_active=True)
        if not Story.objects.published().filter(authors=author).exists():
            raise Http404("No published stories by this author.")
        return author

    def stories(self, author):
        return Story.objects.published().filter(authors=author)

    def title(self, author):
        return f"Stories by {author_name(author)} – {settings.NEWSROOM_SITE_NAME}"

    def description(self, author):
        return f"The latest stories by {author_name(author)} for {settings.NEWSROOM_SITE_NAME}."

    def page_url(self, author):
        return author_url(author)

    def surrogate_keys(self, author):
        return [f"author-{author.pk}-stories"]


class AuthorAtomFeed(AtomFeedMixin, AuthorFeed):
    pass


class ThreadFeed(StoryFeed):
    def get_object(self, request, slug):
        thread = get_object_or_404(Thread, slug=slug)
        if not thread.published_stories().exists():
            raise Http404(f"No published stories in the thread {slug!r}.")
        return thread

    def stories(self, thread):
        return Story.objects.published().filter(thread=thread)

    def subject(self, thread):
        return thread.name

    def description(self, thread):
        return thread.description or super().description(thread)

    def page_url(self, thread):
        return thread.get_absolute_url()

    def surrogate_keys(self, thread):
        return thread.surrogate_keys()


class ThreadAtomFeed(AtomFeedMixin, ThreadFeed):
    pass
