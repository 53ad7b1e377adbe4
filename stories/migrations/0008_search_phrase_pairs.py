"""PostgreSQL: an index of the pairs of words that follow each other, for phrase searches.

The GIN index on the tsvector knows which stories hold each word, not where: a search
for "new service" found every story with both words (half of them) and read each one's
vector to find the few where they follow each other. The pairs' index finds those few
at once; the vector only confirms them (see search.PostgreSQLBackend.matches()).

The pairs ("new servic") come from the story's vector itself, through the function
newsroom_phrase_pairs(), and the index is on that expression: nothing more is stored in
the table, and no code writing the index has to know about it. SQLite's FTS5 keeps
positions in its index already: nothing to do there.
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION newsroom_phrase_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT one.lexeme || ' ' || two.lexeme)),
                    ''::tsvector)
    FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS one
    JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS two
        ON two.position = one.position + 1
    -- A lexeme may not be longer than 2 KB: such words are no phrase anyone types.
    WHERE octet_length(one.lexeme) + octet_length(two.lexeme) < 200
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX stories_search_pairs ON stories_search "
        "USING gin (newsroom_phrase_pairs(vector))"
    )
    # Statistics of the expression would cost ANALYZE the pairs of every story sampled
    # (seconds at 100,000 stories); the planner does well with its default estimate.
    schema_editor.execute("ALTER INDEX stories_search_pairs ALTER COLUMN 1 SET STATISTICS 0")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS stories_search_pairs")
    schema_editor.execute("DROP FUNCTION IF EXISTS newsroom_phrase_pairs(tsvector)")


class Migration(migrations.Migration):
    dependencies = [("stories", "0007_listing_indexes")]

    operations = [migrations.RunPython(create, drop)]
