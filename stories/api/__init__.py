"""The read API at /api/: published stories as IPTC ninjs, sections, entities, threads.

django-ninja builds the routes, validates the query strings and generates the OpenAPI
document (/api/openapi.json) from the schemas below. Every story comes through
Story.objects.published() unless an editor's token asks for a preview. ETags, 304s and
the public Cache-Control come from the same middleware as the reader pages (and the
page cache keeps anonymous responses, dropped on every change like the pages).
"""

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from ninja import NinjaAPI, Query
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError

from stories.api import ninjs
from stories.api.access import AnonymousRateThrottle, EditorToken, token_of
from stories.api.listing import name_page, story_page
from stories.api.schemas import (
    EntityDetail,
    EntityFilters,
    EntityPage,
    EntitySlug,
    Error,
    Paging,
    SectionList,
    StoryFilters,
    StoryPage,
    StorySlug,
    ThreadDetail,
    ThreadPage,
    ThreadSlug,
)
from stories.models import NEWEST_FIRST, Citation, Entity, Mention, Section, Story, Thread

API_VERSION = "1"
# How many of an entity's or a thread's newest stories come with it.
LINKED_STORIES = 20
STORY_JOINS = ("section", "lead_image", "thread")
# Every story the API shows comes with these, so a page of stories costs the same few
# queries however many stories, sources and entities it has.
STORY_RELATIONS = (
    "authors",
    "tags",
    Prefetch(
        "citations",
        queryset=Citation.objects.select_related("source__publisher").order_by("position", "pk"),
    ),
    Prefetch("mentions", queryset=Mention.objects.select_related("entity")),
)


class NewsroomAPI(NinjaAPI):
    def create_response(self, request, *args, **kwargs):
        response = super().create_response(request, *args, **kwargs)
        # What a request may see depends on the token it carries...
        patch_vary_headers(response, ["Authorization"])
        if "preview" in request.GET or "Authorization" in request.headers:
            # ...and what a token sees, or a preview's answer (even a 404), is nobody
            # else's: kept out of the page cache, the CDN's and search engines.
            patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
            response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        else:
            # What anyone may read, any web page may fetch. Requests with a token get no
            # such header: tokens belong in servers, not in pages' scripts.
            response["Access-Control-Allow-Origin"] = "*"
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # The token is optional: every operation may also be called with none.
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"].append({})
        return schema


api = NewsroomAPI(
    title=f"{settings.NEWSROOM_SITE_NAME} API",
    version=API_VERSION,
    description=(
        "Published stories as IPTC ninjs 2.2, their sections, entities and threads. "
        "Read-only. "
        "Anonymous clients are rate limited; an editor's API token (Authorization: Bearer) "
        "is not, and may ask for previews of unpublished stories (?preview=true)."
    ),
    urls_namespace="api",
    # JSON only: an interactive docs page would load its scripts from a CDN, which the
    # site's Content-Security-Policy forbids.
    docs_url=None,
    auth=EditorToken(),
    throttle=AnonymousRateThrottle(),
)

ERRORS = {400: Error, 401: Error, 429: Error}
OPTIONS = {"exclude_none": True, "by_alias": True}


@api.exception_handler(RequestValidationError)
def bad_request(request, exc):
    """A query that does not validate: 400, naming each parameter and what is wrong with it."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'][1:]) or 'request'}: {error['msg']}"
        for error in exc.errors
    )
    return api.create_response(request, {"detail": problems}, status=400)


@api.get(
    "/stories/",
    response={200: StoryPage, **ERRORS},
    url_name="stories",
    summary="Published stories, newest first",
    **OPTIONS,
)
def stories(request, filters: Query[StoryFilters]):
    """Published stories newest first (partial ninjs items, without bodies), a page at a time.

    Filters combine. `next` is the address of the next page, absent on the last one: its
    cursor picks up after this page's last story, however many are published meanwhile.
    """
    found = Story.objects.published()
    if filters.section:
        section = Section.objects.filter(path=filters.section.strip("/")).first()
        if section is None:
            raise HttpError(400, f"section: no section at {filters.section!r}.")
        found = found.in_section(section)
    if filters.entity:
        entity = Entity.objects.filter(slug=filters.entity).first()
        if entity is None:
            raise HttpError(400, f"entity: no entity {filters.entity!r}.")
        found = found.filter(mentions__entity=entity)
    if filters.tag:
        found = found.filter(tags__slug=filters.tag)
    if filters.thread:
        # Like tags: a thread of drafts only is not the readers' business, so an unknown
        # thread is not told apart from one with nothing published yet.
        found = found.filter(thread__slug=filters.thread)
    if filters.author:
        found = found.filter(authors__pk=filters.author)
    if filters.updated_since:
        found = found.filter(updated_at__gte=filters.updated_since)
    page, next_cursor = story_page(found, cursor=filters.cursor, limit=filters.limit)
    page = (
        Story.objects.filter(pk__in=page)
        .select_related(*STORY_JOINS)
        .prefetch_related(*STORY_RELATIONS)
        .order_by(*NEWEST_FIRST)
    )
    return {
        "items": [ninjs.item(story, request, full=False) for story in page],
        "next": next_url(request, next_cursor),
    }


@api.get(
    "/stories/{slug}",
    response={200: ninjs.NinjsItem, 404: Error, 410: Error, **ERRORS},
    url_name="story",
    summary="One story as a ninjs news item",
    **OPTIONS,
)
def story(request, slug: StorySlug, preview: bool = False):
    """The published story at `slug`, with its body; 410 once withdrawn.

    With `preview=true` and an editor's token (Authorization: Bearer), any story its
    owner may preview, in whatever state; such answers are never cached.
    """
    token = token_of(request)
    if preview and token is None:
        raise HttpError(401, "preview: previews need an editor's API token.")
    stories = Story.objects.all() if preview else Story.objects.published()
    stories = stories.select_related(*STORY_JOINS).prefetch_related(*STORY_RELATIONS)
    story = stories.filter(slug=slug).first()
    if preview and story is not None and not story.can(token.user, "preview"):
        story = None
    if story is None:
        if preview:
            raise HttpError(404, f"No story you may preview at {slug!r}.")
        if Story.objects.filter(slug=slug, status=Story.Status.WITHDRAWN).exists():
            raise HttpError(410, f"The story at {slug!r} has been withdrawn.")
        raise HttpError(404, f"No published story at {slug!r}.")
    return ninjs.item(story, request)


@api.get(
    "/sections/",
    response={200: SectionList, **ERRORS},
    url_name="sections",
    summary="Every section",
    **OPTIONS,
)
def sections(request):
    """Every section, parents before their children (the site has tens, not thousands)."""
    return {
        "items": [
            {
                "name": section.name,
                "slug": section.slug,
                "path": section.path,
                "parent": section.parent.path if section.parent_id else None,
                "description": section.description,
                "uri": request.build_absolute_uri(section.get_absolute_url()),
                "stories": api_url(request, "api:stories", section=section.path),
            }
            for section in Section.objects.select_related("parent").order_by("path")
        ]
    }


@api.get(
    "/entities/",
    response={200: EntityPage, **ERRORS},
    url_name="entities",
    summary="Entities, by name",
    **OPTIONS,
)
def entities(request, filters: Query[EntityFilters]):
    """The people, organisations, places and other entities published stories name, by name."""
    # As the sitemap lists them: one index probe per entity for a published story naming
    # it. Entities only drafts name are not listed (their names could tell what is coming).
    named = Story.objects.published().filter(mentions__entity=OuterRef("pk")).order_by()
    found = Entity.objects.alias(first_story=Subquery(named.values("pk")[:1])).filter(
        first_story__isnull=False
    )
    if filters.kind:
        found = found.filter(kind=filters.kind)
    page, next_cursor = name_page("entities", found, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": [entity_summary(request, entity) for entity in page],
        "next": next_url(request, next_cursor),
    }


@api.get(
    "/entities/{slug}",
    response={200: EntityDetail, 404: Error, **ERRORS},
    url_name="entity",
    summary="One entity, with the newest stories naming it",
    **OPTIONS,
)
def entity(request, slug: EntitySlug):
    """The entity at `slug` and its newest published stories; `stories` lists them all."""
    found = Entity.objects.filter(slug=slug).first()
    if found is None:
        raise HttpError(404, f"No entity at {slug!r}.")
    return {
        **entity_summary(request, found),
        "aliases": found.aliases,
        "description": found.description,
        "newest_stories": story_links(
            request, Story.objects.published().filter(mentions__entity=found)
        ),
    }


@api.get(
    "/threads/",
    response={200: ThreadPage, **ERRORS},
    url_name="threads",
    summary="Threads of developing stories, by name",
    **OPTIONS,
)
def threads(request, filters: Query[Paging]):
    """The threads (developing events followed by several stories) with published stories."""
    published = Story.objects.published().filter(thread=OuterRef("pk")).order_by()
    found = Thread.objects.alias(first_story=Subquery(published.values("pk")[:1])).filter(
        first_story__isnull=False
    )
    page, next_cursor = name_page("threads", found, cursor=filters.cursor, limit=filters.limit)
    return {
        "items": [thread_summary(request, thread) for thread in page],
        "next": next_url(request, next_cursor),
    }


@api.get(
    "/threads/{slug}",
    response={200: ThreadDetail, 404: Error, **ERRORS},
    url_name="thread",
    summary="One thread, with its newest stories",
    **OPTIONS,
)
def thread(request, slug: ThreadSlug):
    """The thread at `slug` and its newest published stories; `stories` lists them all."""
    found = Thread.objects.filter(slug=slug).first()
    newest = story_links(request, found.published_stories()) if found else []
    if not newest:
        # As on the site: a thread of drafts only is not the readers' business yet.
        raise HttpError(404, f"No thread with published stories at {slug!r}.")
    return {**thread_summary(request, found), "newest_stories": newest}


def story_links(request, stories):
    """The newest ENTITY_STORY_COUNT of `stories` (published ones), linked."""
    newest = stories.order_by(*NEWEST_FIRST).only("slug", "headline", "published_at")
    return [
        {
            "slug": story.slug,
            "headline": story.headline,
            "uri": request.build_absolute_uri(story.get_absolute_url()),
            "href": api_url(request, "api:story", slug=story.slug),
            "published": story.published_at,
        }
        for story in newest[:LINKED_STORIES]
    ]


def thread_summary(request, thread):
    return {
        "name": thread.name,
        "slug": thread.slug,
        "description": thread.description,
        "uri": request.build_absolute_uri(thread.get_absolute_url()),
        "href": api_url(request, "api:thread", slug=thread.slug),
        "stories": api_url(request, "api:stories", thread=thread.slug),
    }


def entity_summary(request, entity):
    return {
        "name": entity.name,
        "slug": entity.slug,
        "kind": entity.kind,
        "wikidata": ninjs.wikidata_uri(entity),
        "uri": request.build_absolute_uri(entity.get_absolute_url()),
        "href": api_url(request, "api:entity", slug=entity.slug),
        "stories": api_url(request, "api:stories", entity=entity.slug),
    }


def api_url(request, name, *, slug=None, **query):
    url = reverse(name, kwargs={"slug": slug} if slug else None)
    return request.build_absolute_uri(f"{url}?{urlencode(query)}" if query else url)


def next_url(request, cursor):
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
