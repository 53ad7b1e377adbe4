import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from stories import richtext, views
from stories.models import Entity, Section

register = template.Library()


@register.filter
def richtext_html(html):
    """Stored rich text, safe to output as HTML.

    Stories are sanitised when saved, but a bulk update() skips save(); cleaning again
    here is cheap and means nothing unsanitised can ever reach a reader.
    """
    return mark_safe(richtext.for_readers(html or ""))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` as an absolute URL on the host the page was requested from."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.filter
def machine_time(value):
    """`value` for a <time datetime>, in the site's time zone, to the second.

    The HTML spec allows at most three digits of fractional seconds, so the
    microseconds that `date:"c"` would print make the attribute invalid.
    """
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.simple_tag
def published_time(when, *, short=False):
    """A publication time in the site's time zone, as a <time>; `short` for listings.

    A tag rather than an included template: listings print dozens of them.
    """
    if not when:
        return ""  # a draft's preview: not published yet
    shown = date_format(timezone.localtime(when), "j M Y, H:i" if short else "j F Y, H:i T")
    return format_html('<time datetime="{}">{}</time>', machine_time(when), shown)


@register.filter
def author_url(user):
    return views.author_url(user)


@register.filter
def author_name(user):
    return views.author_name(user)


@register.simple_tag
def top_sections():
    """The top-level sections, for the site's navigation (one query)."""
    return list(Section.objects.filter(parent=None).only("name", "path"))


def story_image_url(story):
    """The story's lead image URL, or "" when it has none.

    The hook for lead images (og:image, twitter:image, JSON-LD image): the lead crop
    at about 1200 pixels wide, as JPEG, which every consumer takes.
    """
    image = story.lead_image
    if image is None:
        return ""
    shared = image.share_rendition()
    return shared["url"] if shared else image.file.url


@register.simple_tag(takes_context=True)
def story_image(context, story):
    url = story_image_url(story)
    return absolute_url(context, url) if url else ""


SCHEMA_TYPES = {
    Entity.Kind.PERSON: "Person",
    Entity.Kind.ORGANIZATION: "Organization",
    Entity.Kind.PLACE: "Place",
    Entity.Kind.EVENT: "Event",
}


def _entity_data(context, entity):
    data = {
        "@type": SCHEMA_TYPES.get(entity.kind, "Thing"),
        "name": entity.name,
        "url": absolute_url(context, entity.get_absolute_url()),
    }
    if entity.description:
        data["description"] = entity.description
    if entity.wikidata_url:
        data["sameAs"] = entity.wikidata_url
    return data


def _source_data(citation):
    data = {"@type": "CreativeWork", "name": citation.title, "url": citation.url}
    if citation.publisher_name:
        data["publisher"] = {"@type": "Organization", "name": citation.publisher_name}
    if citation.published_on:
        data["datePublished"] = citation.published_on.isoformat()
    return data


def story_structured_data(context, story):
    """schema.org NewsArticle (or the type its type of work makes it) for `story`, as a
    dict ready for JSON-LD.

    Entities named in the headline are what the story is `about`; the others are
    `mentions`. Reads authors, mentions, citations and tags through the prefetches
    that get_story_or_404 makes, so it costs no queries.
    """
    url = absolute_url(context, story.get_absolute_url())
    home = absolute_url(context, reverse("stories:home"))
    mentions = list(story.mentions.all())
    data = {
        "@context": "https://schema.org",
        "@type": story.schema_type,
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": story.headline,
        "description": story.dek,
        "datePublished": machine_time(story.published_at),
        "dateModified": machine_time(story.modified_at),
        "inLanguage": context.get("LANGUAGE_CODE") or settings.LANGUAGE_CODE,
        "author": [
            {
                "@type": "Person",
                "name": views.author_name(a),
                "url": absolute_url(context, views.author_url(a)),
            }
            for a in story.authors.all()
        ],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": settings.NEWSROOM_SITE_NAME,
            "url": home,
        },
        "about": [_entity_data(context, m.entity) for m in mentions if m.in_headline],
        "mentions": [_entity_data(context, m.entity) for m in mentions if not m.in_headline],
        "isBasedOn": [_source_data(c) for c in story.citations.all()],
        "keywords": [tag.name for tag in story.tags.all()],
    }
    if story.section:
        data["articleSection"] = story.section.name
    if story.thread_id:
        data["isPartOf"] = {
            "@type": "CollectionPage",
            "@id": absolute_url(context, story.thread.get_absolute_url()),
            "name": story.thread.name,
        }
    image = story_image(context, story)
    if image:
        data["image"] = [image]
    if data["@type"] == "LiveBlogPosting":
        data.update(live_blog_data(context, story, url))
    # Empty lists say nothing; leave them out rather than claim "no authors".
    return {key: value for key, value in data.items() if value not in ([], "")}


def live_blog_data(context, story, url):
    """A LiveBlogPosting's own fields: when the coverage started and ended, and its
    updates (newest first) as BlogPostings."""
    data = {
        "coverageStartTime": machine_time(story.published_at),
        "liveBlogUpdate": [],
    }
    if story.live_ended_at:
        data["coverageEndTime"] = machine_time(story.live_ended_at)
    for update in story.live_update_list():
        text = update.text()
        posting = {
            "@type": "BlogPosting",
            "@id": f"{url}#{update.anchor}",
            "url": f"{url}#{update.anchor}",
            "headline": text if len(text) <= 110 else text[:109].rstrip() + "…",
            "articleBody": text,
            "datePublished": machine_time(update.at),
        }
        shared = update.image.share_rendition() if update.image else None
        if shared:
            posting["image"] = absolute_url(context, shared["url"])
        data["liveBlogUpdate"].append(posting)
    return data


# json_script's escapes: inside <script> only "<", ">" and "&" could end the element
# or start markup, and JSON lets each be written as a \u escape instead.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data):
    """`data` as a <script type="application/ld+json"> element.

    Data, not script: a strict CSP lets it through, and the escaping above means no
    headline, "</script>" included, can end the element early.
    """
    data = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))


@register.simple_tag(takes_context=True)
def story_json_ld(context, story):
    """The story's NewsArticle as a <script type="application/ld+json"> element."""
    return json_ld(story_structured_data(context, story))


def thread_structured_data(context, thread, timeline):
    """schema.org CollectionPage of `thread`, its `timeline` (stories, newest first) as
    an ItemList of their pages."""
    url = absolute_url(context, thread.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": thread.name,
        "description": thread.description,
        "inLanguage": context.get("LANGUAGE_CODE") or settings.LANGUAGE_CODE,
        "mainEntity": {
            "@type": "ItemList",
            "itemListOrder": "https://schema.org/ItemListOrderDescending",
            "numberOfItems": len(timeline),
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "url": absolute_url(context, story.get_absolute_url()),
                    "name": story.headline,
                }
                for position, story in enumerate(timeline, start=1)
            ],
        },
    }
    if timeline:
        data["dateModified"] = machine_time(timeline[0].published_at)
    return {key: value for key, value in data.items() if value not in ([], "")}


@register.simple_tag(takes_context=True)
def thread_json_ld(context, thread, timeline):
    return json_ld(thread_structured_data(context, thread, timeline))


@register.filter
def with_page(path, number):
    """`path` showing page `number` of a listing: page 1 is the bare path, the canonical one."""
    return path if int(number) == 1 else f"{path}?page={int(number)}"
