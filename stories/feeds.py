"""RSS 2.0 and Atom feeds of published stories: the site, sections, entities, tags, authors.

Each feed is a class for RSS and a subclass for Atom; the pages they follow advertise
both with <link rel="alternate">.

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
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from taggit.models import Tag

from stories import richtext
from stories.models import Entity, Section, Story
from stories.views import author_name, author_url

FEED_LENGTH = 30


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
    feed_type = Rss201rev2Feed
    language = settings.LANGUAGE_CODE

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request, so the request (the host for absolute
        # enclosure URLs) goes on a copy of it.
        feed = copy.copy(self)
        feed.request = request
        return super(StoryFeed, feed).__call__(request, *args, **kwargs)

    def stories(self, obj):
        return Story.objects.published()

    def items(self, obj):
        # Authors and tags for every item in two more queries, however many items.
        return self.stories(obj).cards().prefetch_related("authors", "tags")[:FEED_LENGTH]

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
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        names = [author_name(author) for author in item.authors.all()]
        return ", ".join(names) or None

    def item_author_link(self, item):
        authors = list(item.authors.all())
        return author_url(authors[0]) if len(authors) == 1 else None

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
    feed_type = Atom1Feed

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


class AuthorAtomFeed(AtomFeedMixin, AuthorFeed):
    pass
