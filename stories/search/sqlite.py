"""The SQLite search backend: an FTS5 table."""

from django.db import connections
from django.db.models.expressions import RawSQL

from stories.search.backend import TABLE, Backend
from stories.search.text import COLUMNS, MARK_END, MARK_START, SNIPPET_COLUMNS


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

    def window(self, stories, *, narrow, size):
        if narrow:
            # Each of the filter's stories is looked up among the matches, which SQLite
            # gathers once.
            return super().window(stories, narrow=narrow, size=size)
        # FTS5 hands its matches over newest first: the first `size` of them that are
        # among `stories` are the window. Each match is looked up among `stories` by its
        # key, never the other way round (a whole MATCH per story).
        among = stories.filter(pk=RawSQL(f"{TABLE}.rowid", ())).order_by().values("pk")
        among_sql, among_params = among.query.sql_with_params()
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND EXISTS ({among_sql}) "
                "ORDER BY rowid DESC LIMIT %s",
                [self.match, *among_params, size],
            )
            return [pk for (pk,) in cursor.fetchall()]

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
