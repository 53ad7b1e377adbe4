"""Stories as IPTC ninjs 2.2 (News in JSON), the shape the API serves them in.

ninjs 2.x rather than 3.x: its lower-case property names (`firstcreated`, `pubstatus`,
`infosources`) are the ones partners' ninjs 2 readers (Superdesk's content API among
them) consume, and 2.2 is the current release of that series. The schemas below are
the subset of the standard the newsroom fills; the tests validate what they produce
against the IPTC's own JSON schema.
"""

from datetime import UTC, date, datetime, time
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import strip_tags
from ninja import Schema
from pydantic import Field

from stories import images
from stories.models import Entity, Story

NINJS_VERSION = "2.2"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
# Where each kind of entity goes in a ninjs item; the rest are `objects`.
ENTITY_PROPERTIES = {
    Entity.Kind.PERSON: "people",
    Entity.Kind.ORGANIZATION: "organisations",
    Entity.Kind.PLACE: "places",
    Entity.Kind.EVENT: "events",
}
# The lead image's renditions in the item, by their use on the site.
RENDITION_USES = ("lead", "thumbnail")


class Text(Schema):
    role: str | None = None
    contenttype: str | None = None
    value: str


class Body(Text):
    charcount: int | None = None
    wordcount: int | None = None


class Concept(Schema):
    """A person, organisation, place, event, object or subject the item is about."""

    name: str
    rel: str | None = None
    uri: str | None = Field(None, description="Absolute URI, e.g. the Wikidata entity.")
    literal: str | None = Field(None, description="The newsroom's own identifier (a slug).")


class Genre(Schema):
    name: str
    literal: str


class InfoSource(Schema):
    name: str = Field(description="The publisher of the cited article.")
    role: str | None = None
    uri: str = Field(description="The article's address, as the story cites it.")
    literal: str | None = Field(None, description="The article's title.")


class Rendition(Schema):
    name: str
    href: str
    contenttype: str
    title: str | None = None
    width: int
    height: int
    sizeinbytes: int | None = None


class Standard(Schema):
    name: Literal["ninjs"] = "ninjs"
    version: str = NINJS_VERSION
    schema_: str = Field(NINJS_SCHEMA, alias="schema")


class Association(Schema):
    """A cited article, with what infosources cannot hold: its title and date."""

    name: str
    uri: str
    type: Literal["text"] = "text"
    headlines: list[Text]
    firstcreated: datetime | None = Field(
        None, description="The article's publication date (midnight UTC: only the day is known)."
    )
    infosources: list[InfoSource]


class NinjsItem(Schema):
    """A story as an IPTC ninjs 2.2 news item."""

    uri: str = Field(description="The story's absolute address on the site.")
    type: Literal["text"] = "text"
    representationtype: Literal["full", "partial"]
    standard: Standard
    version: str
    slugline: str
    title: str
    language: str
    firstcreated: datetime | None = Field(None, description="When it was first published.")
    versioncreated: datetime = Field(description="When this version was saved.")
    contentcreated: datetime = Field(description="When the story was started.")
    embargoed: datetime | None = Field(None, description="Previews: its scheduled time.")
    pubstatus: Literal["usable", "withheld", "canceled"]
    by: str | None = None
    headlines: list[Text]
    descriptions: list[Text]
    bodies: list[Body] | None = Field(None, description="Only in a full representation.")
    people: list[Concept]
    organisations: list[Concept]
    places: list[Concept]
    events: list[Concept]
    objects: list[Concept]
    subjects: list[Concept]
    genres: list[Genre] = Field(description="Its type of work: news, analysis, opinion…")
    infosources: list[InfoSource]
    associations: list[Association]
    renditions: list[Rendition]


def absolute(request, url):
    """`url` as an absolute URI (storage URLs may be absolute already)."""
    return request.build_absolute_uri(url)


def wikidata_uri(entity):
    return f"{WIKIDATA_ENTITY}{entity.wikidata_id}" if entity.wikidata_id else None


def byline(story):
    names = [user.get_full_name() or user.get_username() for user in story.authors.all()]
    if not names:
        return None
    if len(names) == 1:
        return f"By {names[0]}"
    return f"By {', '.join(names[:-1])} and {names[-1]}"


def pubstatus(story):
    """Usable once readers may see it; a withdrawn story is canceled; anything else withheld."""
    if story.is_published:
        return "usable"
    return "canceled" if story.status == Story.Status.WITHDRAWN else "withheld"


def publisher_name(citation):
    return (
        citation.publisher_name
        or (citation.source.publisher.name if citation.source.publisher_id else "")
        or urlsplit(citation.url).hostname
        or citation.url
    )


def as_uri(url):
    """`url` as a URI proper: an international host in IDNA, other characters %-escaped.

    Stories cite addresses as they were written (bücher.example/straße); ninjs wants URIs.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = host
        parts = parts._replace(netloc=parts.netloc.lower().replace(host, ascii_host))
    return iri_to_uri(urlunsplit(parts))


def at_midnight(day: date | None):
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def concepts(story):
    """Its entities by kind, as ninjs concepts, most salient first."""
    found = {name: [] for name in (*ENTITY_PROPERTIES.values(), "objects")}
    mentions = sorted(story.mentions.all(), key=lambda m: (-m.salience, m.entity.name))
    for mention in mentions:
        entity = mention.entity
        found[ENTITY_PROPERTIES.get(entity.kind, "objects")].append(
            {
                "name": entity.name,
                "rel": "mentioned",
                "uri": wikidata_uri(entity),
                "literal": entity.slug,
            }
        )
    return found


def subjects(story, request):
    found = []
    if story.section_id:
        section = story.section
        found.append(
            {
                "name": section.name,
                "rel": "section",
                "uri": absolute(request, section.get_absolute_url()),
                "literal": section.path,
            }
        )
    if story.thread_id:
        thread = story.thread
        found.append(
            {
                "name": thread.name,
                "rel": "thread",
                "uri": absolute(request, thread.get_absolute_url()),
                "literal": thread.slug,
            }
        )
    for tag in sorted(story.tags.all(), key=lambda tag: tag.name):
        url = reverse("stories:tag", kwargs={"slug": tag.slug})
        found.append(
            {"name": tag.name, "rel": "tag", "uri": absolute(request, url), "literal": tag.slug}
        )
    return found


def cited(story):
    """Its cited articles in the story's order: infosources and their associations."""
    citations = sorted(story.citations.all(), key=lambda c: (c.position, c.pk))
    sources = [
        {"name": publisher_name(c), "role": "cited", "uri": as_uri(c.url), "literal": c.title}
        for c in citations
    ]
    associations = [
        {
            "name": f"source-{n}",
            "uri": as_uri(c.url),
            "headlines": [{"value": c.title}],
            "firstcreated": at_midnight(c.published_on),
            "infosources": [source],
        }
        for n, (c, source) in enumerate(zip(citations, sources, strict=True), start=1)
    ]
    return sources, associations


def renditions(story, request):
    image = story.lead_image
    if image is None:
        return []
    found = []
    for use in RENDITION_USES:
        for entry in image.rendition_list(use):
            for key, (_, content_type) in images.FORMATS.items():
                found.append(
                    {
                        "name": f"{use}-{entry['width']}-{key}",
                        "href": absolute(request, entry[key]["url"]),
                        "contenttype": content_type,
                        "title": image.alt_text or None,
                        "width": entry["width"],
                        "height": entry["height"],
                        "sizeinbytes": entry[key]["bytes"],
                    }
                )
    return found


def item(story, request, *, full=True):
    """`story` as a ninjs news item (a dict); `full` adds the body.

    Reads only what the story's prefetched relations hold (STORY_RELATIONS).
    """
    sources, associations = cited(story)
    headlines = [{"role": "main", "contenttype": "text/plain", "value": story.headline}]
    for role, text in (("short", story.story_line), ("full", story.full_headline)):
        if text:
            headlines.append({"role": role, "contenttype": "text/plain", "value": text})
    descriptions = []
    if story.dek:
        descriptions.append({"role": "dek", "contenttype": "text/plain", "value": story.dek})
    if story.summary:
        descriptions.append(
            {"role": "summary", "contenttype": "text/html", "value": story.summary}
        )
    published = story.published_at
    text = strip_tags(story.body) if full else ""
    return {
        "uri": absolute(request, story.get_absolute_url()),
        "representationtype": "full" if full else "partial",
        "standard": {},
        "version": str(story.version),
        "slugline": story.slug,
        "title": story.title,
        "language": settings.LANGUAGE_CODE,
        "firstcreated": published if story.is_published else None,
        # A story scheduled ahead was saved before readers could see it: the version
        # they see dates from when it appeared.
        "versioncreated": max(story.updated_at, published)
        if story.is_published
        else story.updated_at,
        "contentcreated": story.created_at,
        "embargoed": published if story.is_scheduled else None,
        "pubstatus": pubstatus(story),
        "by": byline(story),
        "headlines": headlines,
        "descriptions": descriptions,
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": story.body,
                "charcount": len(text),
                "wordcount": len(text.split()),
            }
        ]
        if full
        else None,
        **concepts(story),
        "subjects": subjects(story, request),
        "genres": [{"name": story.get_type_of_work_display(), "literal": story.type_of_work}],
        "infosources": sources,
        "associations": associations,
        "renditions": renditions(story, request),
    }
