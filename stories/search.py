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
rebuild().
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from html import escape

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connections, router, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import mark_safe

from stories import models, richtext

# A longer query is cut here; real searches are a few words.
MAX_QUERY_LENGTH = 500
# At most this many words, phrases and exclusions are searched; the rest are dropped.
MAX_TERMS = 16
# The last word typed counts as the start of a word from this many letters on: shorter
# prefixes match too much to be of use and are slow to expand.
MIN_PREFIX_LENGTH = 2
PER_PAGE = 20
BATCH_SIZE = 500
# A search that matches more stories than this ranks only the most recently added this
# many of them, and says so ("more than 1000 found") rather than counting them all.
# Ranking costs time for every story ranked, and a word found in that many stories tells
# little about relevance: among so many, the newer ones are the better bet. Filters
# (section, entity, dates) apply first, so they are the way to reach further back.
RANK_WINDOW = 1000

TABLE = "stories_search"
# In the order of the FTS5 columns; the PostgreSQL table has the same text columns.
COLUMNS = ("title", "headline", "dek", "summary", "body", "entities", "tags")
# The columns a snippet may come from, in order of preference.
SNIPPET_COLUMNS = ("summary", "body", "dek")

# Private-use characters mark the matches in snippets until the text has been escaped;
# they are removed from everything indexed, so no story text can fake a mark.
MARK_START, MARK_END = "\ue000", "\ue001"
_PRIVATE = re.compile("[\ue000-\ue003]")
# The combining marks that decomposed letters carry: the diacritics fold() removes.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

_TOKEN = re.compile(r"[^\W_]+")
# A search part: an optional minus, then a "quoted phrase" (its closing quote optional)
# or a run of anything up to a space or a quote.
_PART = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
# Control and format characters, surrogates and the private-use area: never meaningful
# in a search, and NUL or lone surrogates would upset the database drivers.
_UNWANTED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ud800-\udfff\ue000-\uf8ff\ufff0-\uffff]"
)
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″＂", '"'))


@dataclass(frozen=True)
class Query:
    """A search as parsed: what must match, what must not, and the word being typed."""

    text: str = ""
    words: tuple = ()  # single tokens, each of which must match (stemmed)
    phrases: tuple = ()  # tuples of tokens that must match in this order
    excluded: tuple = ()  # tuples of tokens (a word is a phrase of one) that must not match
    prefix: str = ""  # the last word, still being typed: matches words it begins
    shortened: bool = False  # whether part of the input was left out (too long)

    def __bool__(self):
        # Exclusions alone would mean "every story but these": not a search.
        return bool(self.words or self.phrases or self.prefix)


def clean_text(text):
    """`text` without the characters no search needs (control characters, NUL...)."""
    text = _UNWANTED.sub(" ", str(text or ""))
    return unicodedata.normalize("NFC", text)


def parse(text):
    """The Query a reader means by `text`; never fails, whatever `text` holds.

    Words must all match, "a phrase" must match as written (a missing closing quote
    ends it at the end of the text), -word and -"a phrase" must not match, and the last
    word, unless followed by a space, also matches the words it begins.
    """
    text = clean_text(text)
    shortened = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH].translate(_QUOTES)
    words, phrases, excluded = {}, {}, {}
    prefix = ""
    terms = 0
    parts = list(_PART.finditer(text))
    for index, part in enumerate(parts):
        minus, quoted, bare = part.groups()
        tokens = tuple(_TOKEN.findall(quoted if quoted is not None else bare))
        if not tokens:
            continue
        if terms == MAX_TERMS:
            shortened = True
            break
        terms += 1
        key = tuple(t.casefold() for t in tokens)
        if minus:
            excluded.setdefault(key, tokens)
        elif quoted is not None or len(tokens) > 1:
            if len(tokens) == 1:
                words.setdefault(key, tokens[0])
            else:
                phrases.setdefault(key, tokens)
        elif (
            index == len(parts) - 1
            and part.end() == len(text)
            and len(tokens[0]) >= MIN_PREFIX_LENGTH
        ):
            prefix = tokens[0]
        else:
            words.setdefault(key, tokens[0])
    if prefix and (prefix.casefold(),) in words:
        prefix = ""  # the same word is searched in full already
    return Query(
        text=text.strip(),
        words=tuple(words.values()),
        phrases=tuple(phrases.values()),
        excluded=tuple(excluded.values()),
        prefix=prefix,
        shortened=shortened,
    )


def fold(text):
    """`text` without diacritics: "Montréal" becomes "Montreal"."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def highlight(snippet):
    """A snippet with its match markers, as safe HTML: escaped text, <mark>ed matches."""
    html = escape(snippet, quote=False)
    return mark_safe(html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _indexable(text):
    return _PRIVATE.sub("", unicodedata.normalize("NFC", text or ""))


def document(story, *, entity_names=(), tag_names=()):
    """The texts indexed for `story`, by column: plain text, never HTML."""
    return {
        "title": _indexable(story.title),
        "headline": _indexable(story.headline),
        "dek": _indexable(story.dek),
        "summary": _indexable(richtext.html_to_text(story.summary)),
        "body": _indexable(richtext.html_to_text(story.body)),
        "entities": _indexable("\n".join(entity_names)),
        "tags": _indexable("\n".join(tag_names)),
    }


class Backend:
    """What the backends share: a search is the same few steps on either database.

    window(): the ids of the newest (highest id) matches, at most RANK_WINDOW + 1 of
    them, whatever their number: the id is the cheapest order there is. ranked(): those
    ranked, by the same statement on both databases. Then snippets() for a page of them.

    A backend gives matches() (SQL of the ids of the stories that match, whatever their
    state), ranking_sql() (its rank, higher for a better match, and how to find the
    given stories' rows in its index), snippets(), and the writers used by
    index_stories() and rebuild().
    """

    def matching(self, stories):
        return stories.filter(pk__in=self.matches())

    def newest(self, stories, *, narrow):
        """`stories` that match, the most recently added (highest id) first.

        `narrow` says that a filter with an index of its own (dates, an entity) leaves
        few of `stories`: those are best found by that index, then sorted. Sorted by an
        expression, so that no planner walks every story by its key instead, hoping to
        meet the filter's stories soon (they may be a month of last year).
        """
        if narrow:
            return self.matching(stories).order_by((F("pk") + 0).desc())
        return self.matching(stories).order_by("-pk")

    def window(self, stories, *, narrow):
        """The ids of the newest RANK_WINDOW + 1 `stories` that match, newest first."""
        newest = self.newest(stories, narrow=narrow).values_list("pk", flat=True)
        return list(newest[: RANK_WINDOW + 1])

    def ranked(self, ids):
        """(id, rank) of the stories `ids` (which match), best first, newest among equals.

        The rank is higher for a better match on both databases.
        """
        if not ids:
            return []
        rank, where, params = self.ranking_sql(ids)
        # Published stories first among equals: drafts, in editors' searches, have no date.
        sql = (
            f"SELECT stories_story.id, {rank} AS search_rank FROM {TABLE} "
            f"JOIN stories_story ON stories_story.id = {TABLE}.{self.KEY} WHERE {where} "
            "ORDER BY search_rank DESC, stories_story.published_at DESC NULLS LAST, "
            "stories_story.id DESC"
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class SQLiteBackend(Backend):
    """FTS5 with the porter stemmer; diacritics folded by the tokenizer itself."""

    # bm25 weights, by column: a match in the headline counts ten times one in the body.
    WEIGHTS = {
        "title": 8.0,
        "headline": 10.0,
        "dek": 4.0,
        "summary": 3.0,
        "body": 1.0,
        "entities": 4.0,
        "tags": 4.0,
    }
    SNIPPET_TOKENS = 28
    KEY = "rowid"

    def __init__(self, query, using):
        self.using = using
        self.match = self._match(query)

    def __bool__(self):
        return True

    @staticmethod
    def _phrase(tokens, *, prefix=False):
        # Every token quoted: FTS5 sees strings only, never its own operators.
        text = " ".join(tokens).replace('"', '""')
        return f'"{text}"' + ("*" if prefix else "")

    @classmethod
    def _match(cls, query):
        terms = [cls._phrase([word]) for word in query.words]
        terms += [cls._phrase(tokens) for tokens in query.phrases]
        if query.prefix:
            terms.append(cls._phrase([query.prefix], prefix=True))
        expression = "(" + " AND ".join(terms) + ")"
        return expression + "".join(f" NOT {cls._phrase(t)}" for t in query.excluded)

    def matches(self):
        return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [self.match])

    def newest(self, stories, *, narrow):
        if narrow:
            # Each of the filter's stories is looked up among the matches, which SQLite
            # gathers once.
            return super().newest(stories, narrow=narrow)
        # FTS5 hands its matches over newest first: the first ones are the window.
        # "+" keeps SQLite from looking each story up in the index (a whole MATCH per
        # story): the index's matches come first, each story found by its key.
        return stories.extra(
            tables=[TABLE],
            where=[f"+{TABLE}.rowid = stories_story.id", f"{TABLE} MATCH %s"],
            params=[self.match],
            order_by=[f"-{TABLE}.rowid"],
        )

    def ranking_sql(self, ids):
        weights = ", ".join(str(self.WEIGHTS[column]) for column in COLUMNS)
        # bm25 is lower for better matches: negated, it sorts like ts_rank. To two
        # decimals: a word in most stories scores next to nothing, and what is left is
        # noise; equal scores go by recency.
        where, params = self._among(ids)
        return f"-round(bm25({TABLE}, {weights}), 2)", where, params

    def _among(self, ids):
        """SQL restricting the matches to the stories `ids`, and its parameters."""
        placeholders = ", ".join(["%s"] * len(ids))
        # One pass over the matches between the lowest and highest id: a rowid IN (...)
        # given to FTS5 itself would run the whole search again for every id.
        where = (
            f"{TABLE} MATCH %s AND {TABLE}.rowid BETWEEN %s AND %s "
            f"AND +{TABLE}.rowid IN ({placeholders})"
        )
        return where, [self.match, min(ids), max(ids), *ids]

    def snippets(self, ids):
        columns = ", ".join(
            f"snippet({TABLE}, {COLUMNS.index(column)}, %s, %s, '…', {self.SNIPPET_TOKENS})"
            for column in SNIPPET_COLUMNS
        )
        where, params = self._among(ids)
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, {columns} FROM {TABLE} WHERE {where}",
                [MARK_START, MARK_END] * len(SNIPPET_COLUMNS) + params,
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}

    @staticmethod
    def write(cursor, rows):
        """Index `rows`, each (story id, {column: text}), replacing what was there."""
        names = ", ".join(COLUMNS)
        placeholders = ", ".join(["%s"] * (len(COLUMNS) + 1))
        cursor.executemany(
            f"INSERT OR REPLACE INTO {TABLE} (rowid, {names}) VALUES ({placeholders})",
            [(pk, *(texts[c] for c in COLUMNS)) for pk, texts in rows],
        )

    @staticmethod
    def delete(cursor, ids):
        cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk in ids])

    @staticmethod
    def clear(cursor):
        cursor.execute(f"DELETE FROM {TABLE}")

    @staticmethod
    def optimise(cursor):
        # Merges the index's segments into one, which makes queries faster after a
        # rebuild or a large import.
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")


class PostgreSQLBackend(Backend):
    """A weighted tsvector with the english stemmer and unaccent, under a GIN index.

    Text is folded (diacritics removed) in Python before it is indexed or searched, so
    accents fold even where the unaccent extension could not be installed; with it, the
    text search configuration folds too, which lets ts_headline mark "Montréal" in the
    original text for a search for "Montreal".

    PostgreSQL's parser takes anything between < and > for an HTML tag and skips it;
    the index's copy of the text has them as private-use characters instead, so that
    "<script>" in a story is searchable text, and they are put back in snippets.
    """

    CONFIG = "newsroom_english"
    # Stop words are not indexed but take up positions: between two fields they keep
    # the end of one and the start of the next from reading as a phrase.
    GAP = " the" * 8 + "\n"
    # Weight classes: A counts most. ts_rank's default weights are 1, 0.4, 0.2, 0.1.
    WEIGHTS = {
        "A": ("title", "headline"),
        "B": ("dek", "entities", "tags"),
        "C": ("summary",),
        "D": ("body",),
    }
    KEY = "story_id"
    HEADLINE_OPTIONS = 'StartSel="\ue000", StopSel="\ue001", MaxWords=30, MinWords=15'

    def __init__(self, query, using):
        self.using = using
        self.tsquery, self.pairs = self._tsquery(query)

    def __bool__(self):
        return self.tsquery is not None

    def _tsquery(self, query):
        """The tsquery for `query`, as PostgreSQL writes it (None if it has no lexemes),
        and the pairs of words its phrases need (see matches()). Sets `positive`, the
        tsquery without the exclusions.

        Built from the parsed tokens with the functions that take plain text, never
        from the user's text as tsquery syntax. Asked for in a query of its own so that
        a search of stop words alone ("the") finds nothing rather than everything.
        """
        config = f"'{self.CONFIG}'::regconfig"
        positive, params = [], []
        if query.words:
            positive.append(f"plainto_tsquery({config}, %s)")
            params.append(fold(" ".join(query.words)))
        for tokens in query.phrases:
            positive.append(f"phraseto_tsquery({config}, %s)")
            params.append(fold(" ".join(tokens)))
        if query.prefix:
            # A token is letters and digits only, so quoting it is enough.
            positive.append(f"to_tsquery({config}, %s)")
            params.append(f"'{fold(query.prefix)}':*")
        negative = []
        for tokens in query.excluded:
            negative.append(f"!!phraseto_tsquery({config}, %s)")
            params.append(fold(" ".join(tokens)))
        # The pairs of words next to each other in the phrases, as the index of pairs
        # has them (migration 0008): "new services" gives the lexeme "new servic".
        phrases = [fold(" ".join(tokens)) for tokens in query.phrases]
        pairs = "ARRAY[]::text[]"
        if phrases:
            pairs = f"tsvector_to_array(newsroom_phrase_pairs(to_tsvector({config}, %s)))"
            # Apart, as fields are in the index (see GAP): the last word of one phrase and
            # the first of the next are no pair.
            params.append(self.GAP.join(phrases))
        # Each part takes one parameter, the positive ones first.
        everything = " && ".join(positive + negative)
        wanted = " && ".join(positive)
        sql = f"SELECT numnode({wanted}), ({everything})::text, {pairs}, ({wanted})::text"
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params[: len(positive)] + params + params[: len(positive)])
            nodes, text, pairs, self.positive = cursor.fetchone()
        if not nodes:
            return None, None
        # Quoted as tsquery syntax wants: the lexemes are letters, digits and a space.
        quoted = ("'" + p.replace("\\", "\\\\").replace("'", "''") + "'" for p in pairs)
        return text, " & ".join(quoted) or None

    def matches(self):
        if self.pairs is None:
            return RawSQL(
                f"SELECT story_id FROM {TABLE} WHERE vector @@ %s::tsquery", [self.tsquery]
            )
        # The index of pairs finds the few stories where the phrases' words follow each
        # other; only those have their vector read to confirm. "IS TRUE" keeps the
        # planner from the GIN index on the vector, which knows no positions: it would
        # list every story with the words, and have each one's pairs worked out again.
        return RawSQL(
            f"SELECT story_id FROM {TABLE} WHERE newsroom_phrase_pairs(vector) @@ %s::tsquery "
            "AND (vector @@ %s::tsquery) IS TRUE",
            [self.pairs, self.tsquery],
        )

    def ranking_sql(self, ids):
        # The stories are known to match: no test again, and no index but the key's.
        where = f"{TABLE}.story_id = ANY(%s)"
        return f"ts_rank({TABLE}.vector, %s::tsquery, 1)", where, [self.tsquery, list(ids)]

    def snippets(self, ids):
        # ts_headline reads every word of the text it is given, and bodies are long: a
        # body is only read when its summary has no match (see _best_snippet()) and the
        # body's own words (weight D in the vector) have one. MATERIALIZED, so that the
        # summary's snippet is made once for both uses.
        headline = f"ts_headline('{self.CONFIG}', {{}}, q, %s)"
        sql = (
            "WITH page AS MATERIALIZED ("
            f"SELECT story_id, summary, {headline.format('summary')} AS summary_snippet, "
            f"body, dek, vector, q FROM {TABLE}, CAST(%s AS tsquery) AS q "
            "WHERE story_id = ANY(%s)) "
            "SELECT story_id, summary, summary_snippet, body, "
            "CASE WHEN strpos(summary_snippet, %s) = 0 "
            "AND ts_filter(vector, '{d}') @@ %s::tsquery "
            f"THEN {headline.format('body')} ELSE '' END, dek, {headline.format('dek')} "
            "FROM page"
        )
        options = self.HEADLINE_OPTIONS
        params = [options, self.tsquery, list(ids), MARK_START, self.positive, options, options]
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {
            pk: tuple(
                self._ellipsis(text, snippet).replace("\ue002", "<").replace("\ue003", ">")
                for text, snippet in zip(texts[::2], texts[1::2], strict=True)
            )
            for pk, *texts in rows
        }

    @staticmethod
    def _ellipsis(text, snippet):
        # ts_headline does not say when it has left text out; FTS5's snippet does.
        plain = snippet.replace(MARK_START, "").replace(MARK_END, "").strip()
        if not plain:
            return snippet
        start = text.find(plain)
        if start > 0:
            snippet = "…" + snippet
        if start < 0 or start + len(plain) < len(text.rstrip()):
            snippet += "…"
        return snippet

    @classmethod
    def write(cls, cursor, rows):
        names = ", ".join(COLUMNS)
        placeholders = ", ".join(["%s"] * (len(COLUMNS) + 1))
        vector = " || ".join(
            f"setweight(to_tsvector('{cls.CONFIG}', %s), '{weight}')" for weight in cls.WEIGHTS
        )
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLUMNS, "vector"))
        rows = [
            (pk, {c: texts[c].replace("<", "\ue002").replace(">", "\ue003") for c in COLUMNS})
            for pk, texts in rows
        ]
        cursor.executemany(
            f"INSERT INTO {TABLE} (story_id, {names}, vector) "
            f"VALUES ({placeholders}, {vector}) "
            f"ON CONFLICT (story_id) DO UPDATE SET {updates}",
            [
                (
                    pk,
                    *(texts[c] for c in COLUMNS),
                    *(
                        fold("".join(cls.GAP + texts[c] for c in columns))
                        for columns in cls.WEIGHTS.values()
                    ),
                )
                for pk, texts in rows
            ],
        )

    @staticmethod
    def delete(cursor, ids):
        cursor.execute(f"DELETE FROM {TABLE} WHERE story_id = ANY(%s)", [list(ids)])

    @staticmethod
    def clear(cursor):
        cursor.execute(f"TRUNCATE {TABLE}")

    @staticmethod
    def optimise(cursor):
        # Fresh statistics for both tables the searches join: without them, after a
        # large import, the planner may walk every story instead of the GIN index.
        # VACUUM as well where it may run (outside a transaction): it marks every new
        # row as seen by all, which the first searches would otherwise do row by row.
        command = "ANALYZE" if cursor.db.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{command} {TABLE}")
        cursor.execute(f"{command} stories_story")


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
        return self._backend.window(self._searched, narrow=self._narrow)

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
