"""Full-text search over stories: one small interface, two backends.

The backend follows the database: SQLite keeps an FTS5 table, PostgreSQL a table with a
weighted tsvector under a GIN index. Both are called `stories_search`, hold one row per
story (plain text of its title, headline, dek, summary, body, entity names and tags) and
are created by migration 0003. Readers and editors ask in the same little language,
parsed here into tokens; no user input ever reaches MATCH or tsquery syntax.

The index holds text only, never a story's status or time: a search joins it with
whatever stories the caller may see (for readers, Story.objects.published()) when it
runs, so a scheduled story turns up by itself when its time comes, a withdrawn one drops
out at once, and editors search every state in the same index.

A search costs the same whatever it matches: it takes the newest RANK_WINDOW matches
among the stories searched (by id, which both databases read in order) and ranks those
alone; past that it says "more than" rather than counting. PostgreSQL finds phrases
through an index of word pairs (migration 0008), its GIN index knowing no positions.

Public interface: parse(), search(), index_story(), index_stories(), remove_story(),
rebuild(). The query language and the indexed texts are in text.py, what the backends
share in backend.py, and each backend in a module of its own (sqlite.py, postgresql.py).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from stories import models
from stories.search.backend import TABLE
from stories.search.postgresql import PostgreSQLBackend
from stories.search.sqlite import SQLiteBackend
from stories.search.text import (
    COLUMNS,
    MARK_END,
    MARK_START,
    MAX_QUERY_LENGTH,
    Query,
    clean_text,
    document,
    fold,
    highlight,
    parse,
)

__all__ = [
    "BACKENDS",
    "COLUMNS",
    "MARK_END",
    "MARK_START",
    "MAX_QUERY_LENGTH",
    "PER_PAGE",
    "RANK_WINDOW",
    "TABLE",
    "PostgreSQLBackend",
    "Query",
    "Results",
    "SQLiteBackend",
    "backend_for",
    "clean_text",
    "document",
    "fold",
    "highlight",
    "index_stories",
    "index_story",
    "names_of",
    "parse",
    "rebuild",
    "remove_story",
    "search",
]

PER_PAGE = 20
BATCH_SIZE = 500
# A search that matches more stories than this ranks only the most recently added this
# many of them, and says so ("more than 1000 found") rather than counting them all.
# Ranking costs time for every story ranked, and a word found in that many stories tells
# little about relevance: among so many, the newer ones are the better bet. Filters
# (section, entity, dates) apply first, so they are the way to reach further back.
RANK_WINDOW = 1000

BACKENDS = {"sqlite": SQLiteBackend, "postgresql": PostgreSQLBackend}


def backend_for(using):
    vendor = connections[using].vendor
    try:
        return BACKENDS[vendor]
    except KeyError:
        raise NotImplementedError(f"No search backend for {vendor} databases.") from None


@dataclass
class Results:
    """The stories matching a search, best first; paged with snippets by page()."""

    query: Query
    matching: QuerySet  # the stories that match, unordered and unranked, for admin lists
    _backend: object = field(default=None, repr=False)  # None when nothing can match
    _searched: QuerySet = field(default=None, repr=False)  # the stories searched
    _narrow: bool = field(default=False, repr=False)  # see Backend.newest()

    @cached_property
    def _window(self):
        if self._backend is None:
            return []
        return self._backend.window(self._searched, narrow=self._narrow, size=RANK_WINDOW + 1)

    @cached_property
    def ranking(self):
        """(story id, rank) of the stories ranked, best first, newest first among equals.

        At most RANK_WINDOW long: the newest that many when more match (see narrowed).
        """
        if self._backend is None:
            return []
        return self._backend.ranked(self._window[:RANK_WINDOW])

    @property
    def narrowed(self):
        """Whether more than RANK_WINDOW stories matched, so only the newest were ranked.

        Their number is then not counted: "more than RANK_WINDOW" is all a reader sees.
        """
        return len(self._window) > RANK_WINDOW

    @cached_property
    def stories(self):
        """The Story objects ranked, best first, each with `search_rank`."""
        loaded = models.Story.objects.using(self.matching.db).in_bulk(
            [pk for pk, _ in self.ranking]
        )
        found = []
        for pk, rank in self.ranking:
            if (story := loaded.get(pk)) is not None:
                story.search_rank = rank
                found.append(story)
        return found

    def page(self, number, *, per_page=PER_PAGE, stories=None):
        """Page `number` (any value: a bad one gives the first or last page) of results.

        Its object_list holds Story objects loaded from `stories` (by default with their
        sections), each with `search_rank` and `snippet`: safe HTML in which the matches
        are <mark>ed, or "" when no summary, body or dek text matches.
        """
        page = Paginator(self.ranking, per_page).get_page(number)
        ranks = dict(page.object_list)
        if stories is None:
            stories = models.Story.objects.select_related("section")
        if not ranks:
            return page
        loaded = stories.in_bulk(list(ranks))
        snippets = self._backend.snippets(list(ranks))
        found = []
        for pk, rank in ranks.items():
            story = loaded.get(pk)
            if story is None:
                continue  # deleted since the page of ids was read
            story.search_rank = rank
            story.snippet = _best_snippet(snippets.get(pk, ()))
            found.append(story)
        page.object_list = found
        return page


def _best_snippet(candidates):
    """The first snippet with a match marked (summary, body, dek), as safe HTML; or "".

    The summary first: it is the story's own account of itself, the best read.
    """
    for snippet in candidates:
        if snippet and MARK_START in snippet:
            return highlight(snippet)
    return ""


def search(
    text,
    *,
    published_only=True,
    stories=None,
    section=None,
    entity=None,
    since=None,
    until=None,
):
    """The stories matching `text`, ranked by relevance, newest first among equals.

    `published_only` (readers) limits them to Story.objects.published(); editors pass
    False and see every state. `stories` narrows the stories searched (a Story
    queryset); `section` includes its subsections; `entity` keeps stories that mention
    it; `since` and `until` are dates of publication, both included, in the site's
    time zone.
    """
    query = text if isinstance(text, Query) else parse(text)
    stories = models.Story.objects.all() if stories is None else stories
    if published_only:
        stories = stories.published()
    if section is not None:
        # As Story.objects.in_section(), by ids read first: the planner knows how many
        # stories a few ids hold, not how many paths a join and a LIKE will match.
        sections = section.subtree().using(stories.db)
        stories = stories.filter(section__in=list(sections.values_list("pk", flat=True)))
    if entity is not None:
        stories = stories.filter(pk__in=entity.mentions.values("story"))
    if since is not None:
        stories = stories.filter(published_at__gte=_start_of(since))
    if until is not None:
        stories = stories.filter(published_at__lt=_start_of(until + timedelta(days=1)))
    backend = backend_for(stories.db)(query, stories.db) if query else None
    if not backend:
        return Results(query, stories.none())
    narrow = any(f is not None for f in (entity, since, until))
    return Results(query, backend.matching(stories), backend, stories, narrow)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def index_stories(stories):
    """(Re)index `stories` (a Story queryset, or an iterable of story ids) in batches.

    Reads the stories afresh, with their entities and tags: the index gets what the
    database holds, whatever the caller's instances say.
    """
    using = router.db_for_write(models.Story)
    backend = backend_for(using)
    if isinstance(stories, QuerySet):
        ids = list(stories.using(using).order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(stories))
    # One transaction (no savepoint of its own inside a caller's).
    with (
        transaction.atomic(using=using, savepoint=False),
        connections[using].cursor() as cursor,
    ):
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            rows = _documents(batch, using)
            backend.write(cursor, rows)
            found = {pk for pk, _ in rows}
            if missing := [pk for pk in batch if pk not in found]:
                backend.delete(cursor, missing)  # deleted meanwhile


def names_of(name, aliases):
    """The names an entity is searched by: its name and its aliases."""
    return [name, *(alias for alias in aliases or () if isinstance(alias, str))]


def _documents(ids, using):
    """(story id, document) for each of the stories `ids` that exists."""
    story_model = models.Story
    entity_names, tag_names = {}, {}
    mentions = models.Mention.objects.using(using).filter(story__in=ids)
    for story_id, name, aliases in mentions.values_list(
        "story_id", "entity__name", "entity__aliases"
    ):
        entity_names.setdefault(story_id, []).extend(names_of(name, aliases))
    tagged = story_model.tags.through.objects.using(using).filter(
        content_type=ContentType.objects.db_manager(using).get_for_model(story_model),
        object_id__in=ids,
    )
    for story_id, name in tagged.values_list("object_id", "tag__name"):
        tag_names.setdefault(story_id, []).append(name)
    fields = ("pk", "title", "headline", "dek", "summary", "body")
    rows = [
        (
            story.pk,
            document(
                story,
                entity_names=entity_names.get(story.pk, ()),
                tag_names=tag_names.get(story.pk, ()),
            ),
        )
        for story in story_model.objects.using(using).filter(pk__in=ids).only(*fields)
    ]
    return rows


def index_story(story, *, names=None):
    """Index `story` as the database now holds it, with its entities and tags.

    `names`, (entity names, tag names), is for a caller that has just written the
    story and its links in the current transaction, so that the instance is what the
    database holds: it is indexed as it is, without being read back.
    """
    if names is None:
        index_stories([story.pk])
        return
    using = router.db_for_write(models.Story)
    entity_names, tag_names = names
    row = (story.pk, document(story, entity_names=entity_names, tag_names=tag_names))
    with connections[using].cursor() as cursor:
        backend_for(using).write(cursor, [row])


def remove_story(story):
    """Take `story` out of the index (before it is deleted)."""
    if story.pk is None:
        return
    using = router.db_for_write(models.Story)
    with connections[using].cursor() as cursor:
        backend_for(using).delete(cursor, [story.pk])


def rebuild():
    """Index every story afresh; returns how many were indexed."""
    using = router.db_for_write(models.Story)
    backend = backend_for(using)
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            backend.clear(cursor)
        count = models.Story.objects.using(using).count()
        index_stories(models.Story.objects.using(using).all())
    with connections[using].cursor() as cursor:
        backend.optimise(cursor)
    return count
