"""The PostgreSQL search backend: a weighted tsvector under a GIN index."""

from django.db import connections
from django.db.models.expressions import RawSQL

from stories.search.backend import TABLE, Backend, story_columns
from stories.search.text import COLUMNS, MARK_END, MARK_START, fold


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
        cursor.execute(f"{command} {story_columns(cursor.db)['table']}")
