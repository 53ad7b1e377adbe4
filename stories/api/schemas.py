"""What the API takes and gives besides ninjs items: filters, pages, sections, entities.

The patterns and bounds are part of the OpenAPI document, so clients (and the
property-based tests) know what a valid request is before sending one.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Field, Path, Schema
from pydantic import AfterValidator, BeforeValidator

from stories.api.ninjs import NinjsItem
from stories.models import Entity

SLUG = r"^[-a-zA-Z0-9_]+$"
SECTION_PATH = r"^[-a-zA-Z0-9_]+(/[-a-zA-Z0-9_]+)*/?$"
# Tags' slugs may hold any letters (taggit keeps accents); never a control character.
TAG_SLUG = r"^[-\w]+$"
CURSOR = r"^[-\w:]+$"
LARGEST_ID = 2**63 - 1
# RFC 3339, as the document's "date-time" format says: a date, a time and an offset.
RFC_3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


StorySlug = Annotated[str, Path(max_length=200, pattern=SLUG, description="The story's slug.")]
ThreadSlug = Annotated[str, Path(max_length=200, pattern=SLUG, description="The thread's slug.")]
EntitySlug = Annotated[str, Path(max_length=200, pattern=SLUG, description="The entity's slug.")]


def rfc_3339(value):
    """Only times written as the document says; pydantic alone would also take numbers."""
    if not (isinstance(value, str) and RFC_3339.fullmatch(value)):
        raise ValueError(
            "should be a date and time with its offset, e.g. 2026-05-01T12:00:00Z "
            "(write + as %2B in a URL)"
        )
    return value


def in_utc(value):
    # Databases keep offsets within bounds of their own (PostgreSQL refuses +22:25).
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once in UTC") from None


Time = Annotated[datetime, BeforeValidator(rfc_3339), AfterValidator(in_utc)]


class Error(Schema):
    detail: str = Field(description="What is wrong, naming the parameter when one is.")


class Paging(Schema):
    cursor: str | None = Field(
        None,
        max_length=500,
        pattern=CURSOR,
        description="Where to go on from: take it from the `next` of the page before.",
    )
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items a page.")


class StoryFilters(Paging):
    section: str | None = Field(
        None,
        max_length=255,
        pattern=SECTION_PATH,
        description="A section's path (world/europe): its stories and its subsections'.",
    )
    entity: str | None = Field(None, max_length=200, pattern=SLUG, description="An entity's slug.")
    tag: str | None = Field(None, max_length=100, pattern=TAG_SLUG, description="A tag's slug.")
    author: int | None = Field(None, ge=1, le=LARGEST_ID, description="An author's id.")
    thread: str | None = Field(None, max_length=200, pattern=SLUG, description="A thread's slug.")
    updated_since: Time | None = Field(
        None, description="Only stories saved at or after this time (ISO 8601)."
    )


class EntityFilters(Paging):
    kind: Literal[tuple(Entity.Kind.values)] | None = None  # type: ignore[valid-type]


class StoryPage(Schema):
    items: list[NinjsItem] = Field(description="ninjs items without their bodies (partial).")
    next: str | None = Field(None, description="The next page's address; absent on the last.")


class SectionOut(Schema):
    name: str
    slug: str
    path: str
    parent: str | None = Field(None, description="The parent section's path.")
    description: str
    uri: str = Field(description="The section's front on the site.")
    stories: str = Field(description="The API listing of its stories.")


class SectionList(Schema):
    items: list[SectionOut]


class EntitySummary(Schema):
    name: str
    slug: str
    kind: str
    wikidata: str | None = Field(None, description="Its Wikidata entity URI, where known.")
    uri: str = Field(description="The entity's page on the site.")
    href: str = Field(description="This entity in the API.")
    stories: str = Field(description="The API listing of the stories naming it.")


class EntityPage(Schema):
    items: list[EntitySummary]
    next: str | None = None


class StoryLink(Schema):
    slug: str
    headline: str
    uri: str
    href: str = Field(description="The story as ninjs in the API.")
    published: datetime


class EntityDetail(EntitySummary):
    aliases: list[str]
    description: str
    newest_stories: list[StoryLink]


class ThreadSummary(Schema):
    name: str
    slug: str
    description: str
    uri: str = Field(description="The thread's page on the site.")
    href: str = Field(description="This thread in the API.")
    stories: str = Field(description="The API listing of its stories.")


class ThreadPage(Schema):
    items: list[ThreadSummary]
    next: str | None = None


class ThreadDetail(ThreadSummary):
    newest_stories: list[StoryLink]
