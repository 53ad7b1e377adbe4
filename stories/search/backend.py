"""What the search backends share: a search is the same few steps on either database."""

from django.apps import apps
from django.db import connections
from django.db.models import F

# The index table: created by migrations (0003, 0008), not a model, since its shape
# differs by database (an FTS5 table on SQLite, a tsvector under GIN on PostgreSQL).
TABLE = "stories_search"


def story_columns(connection):
    """The stories' table and the columns the searches read, quoted, from the model."""
    meta = apps.get_model("stories", "Story")._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    return {
        "table": table,
        "id": f"{table}.{quote(meta.pk.column)}",
        "published_at": f"{table}.{quote(meta.get_field('published_at').column)}",
    }


class Backend:
    """What the backends share: a search is the same few steps on either database.

    window(): the ids of the newest (highest id) matches, at most `size` of
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

    def window(self, stories, *, narrow, size):
        """The ids of the newest `size` `stories` that match, newest first."""
        newest = self.newest(stories, narrow=narrow).values_list("pk", flat=True)
        return list(newest[:size])

    def ranked(self, ids):
        """(id, rank) of the stories `ids` (which match), best first, newest among equals.

        The rank is higher for a better match on both databases.
        """
        if not ids:
            return []
        rank, where, params = self.ranking_sql(ids)
        connection = connections[self.using]
        story = story_columns(connection)
        # Published stories first among equals: drafts, in editors' searches, have no date.
        sql = (
            f"SELECT {story['id']}, {rank} AS search_rank FROM {TABLE} "
            f"JOIN {story['table']} ON {story['id']} = {TABLE}.{self.KEY} WHERE {where} "
            f"ORDER BY search_rank DESC, {story['published_at']} DESC NULLS LAST, "
            f"{story['id']} DESC"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
