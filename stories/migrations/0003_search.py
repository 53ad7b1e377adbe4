"""The full-text search index (see stories/search/), on SQLite or PostgreSQL.

SQLite: an FTS5 table whose rowid is the story's id. PostgreSQL: a table with a weighted
tsvector under a GIN index, searched with a text search configuration "newsroom_english"
(english stemming, with unaccent when the extension can be installed). Neither is a
model: stories.search reads and writes them with SQL. Stories already in the database are
indexed here; `rebuild_search_index` does it again at any time.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("title", "headline", "dek", "summary", "body", "entities", "tags")


def create_sqlite(schema_editor):
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE stories_search USING fts5({', '.join(COLUMNS)}, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
    )


def create_postgresql(schema_editor):
    connection = schema_editor.connection
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError:
        pass  # not installable here: stories.search folds accents in Python regardless
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
        has_unaccent = cursor.fetchone() is not None
    schema_editor.execute(
        "CREATE TEXT SEARCH CONFIGURATION newsroom_english (COPY = pg_catalog.english)"
    )
    if has_unaccent:
        schema_editor.execute(
            "ALTER TEXT SEARCH CONFIGURATION newsroom_english "
            "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
        )
    columns = ", ".join(f"{c} text NOT NULL DEFAULT ''" for c in COLUMNS)
    schema_editor.execute(
        f"CREATE TABLE stories_search (story_id bigint PRIMARY KEY, {columns}, "
        "vector tsvector NOT NULL)"
    )
    # Kept in the row rather than in TOAST: ranking reads the vector of every story it
    # ranks, and a row read is cheaper than a lookup in the TOAST table.
    schema_editor.execute("ALTER TABLE stories_search ALTER COLUMN vector SET STORAGE MAIN")
    schema_editor.execute(
        "CREATE INDEX stories_search_vector ON stories_search USING gin (vector)"
    )


def index_existing(apps, schema_editor):
    # Written with stories.search's own document() and writers, so that the index holds the
    # same text whether it was filled here, by saving, or by rebuild_search_index.
    from stories import search

    Story = apps.get_model("stories", "Story")
    Mention = apps.get_model("stories", "Mention")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    entities, tags = {}, {}
    for story_id, name, aliases in Mention.objects.using(db).values_list(
        "story_id", "entity__name", "entity__aliases"
    ):
        names = entities.setdefault(story_id, [])
        names.append(name)
        names.extend(a for a in aliases or () if isinstance(a, str))
    story_type = ContentType.objects.using(db).filter(app_label="stories", model="story")
    for story_id, name in TaggedItem.objects.using(db).filter(
        content_type__in=story_type
    ).values_list("object_id", "tag__name"):
        tags.setdefault(story_id, []).append(name)
    rows = [
        (
            story.pk,
            search.document(
                story, entity_names=entities.get(story.pk, ()), tag_names=tags.get(story.pk, ())
            ),
        )
        for story in Story.objects.using(db).iterator()
    ]
    if rows:
        with schema_editor.connection.cursor() as cursor:
            search.BACKENDS[schema_editor.connection.vendor].write(cursor, rows)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        create_sqlite(schema_editor)
    elif vendor == "postgresql":
        create_postgresql(schema_editor)
    else:
        return  # stories.search says plainly that it has no backend for this database
    index_existing(apps, schema_editor)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS stories_search")
    if vendor == "postgresql":
        schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS newsroom_english")


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0002_entities_sources"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
