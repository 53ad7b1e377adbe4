"""Listing SQL written out by hand, where the ORM's own costs more than the query.

Each function here was measured against its ORM form (see bench/); keep them together so
that what depends on table layout and index order is read in one place."""

from django.db.models.expressions import RawSQL
from taggit.models import TaggedItem

from stories.models.base import RELATED_POOL
from stories.models.entities import Mention


def union_all(querysets):
    """One subquery of the rows of all `querysets` (each of one column), each LIMITed as given.

    For `pk__in=`: picking the newest few of each of several groups this way reads only
    the head of an index per group. Each member is wrapped as a derived table, because
    SQLite refuses ORDER BY and LIMIT on the members of a compound select themselves
    (and so does the ORM's union() there).
    """
    compiled = [qs.query.get_compiler(using=qs.db).as_sql() for qs in querysets]
    return RawSQL(
        " UNION ALL ".join(
            f"SELECT * FROM ({sql}) AS part{i}" for i, (sql, _) in enumerate(compiled)
        ),
        [param for _, params in compiled for param in params],
    )


def related_pool(entity_ids, tag_ids, *, story_type):
    """The ids of the RELATED_POOL newest stories linked to each entity and each tag.

    As SQL for `pk__in=`, written out rather than built with the ORM: a story names a
    dozen subjects, and building a dozen LIMITed querysets cost twice as long as the
    database took to run them. Each member reads the head of an index (mentions by
    entity and story; taggit's items by tag and object, see migration 0007).
    """
    mention = Mention._meta.db_table
    item = TaggedItem._meta.db_table
    members = [
        f"SELECT * FROM (SELECT story_id FROM {mention} WHERE entity_id = %s "
        f"ORDER BY story_id DESC LIMIT %s) AS entity{n}"
        for n in range(len(entity_ids))
    ] + [
        f"SELECT * FROM (SELECT object_id FROM {item} WHERE content_type_id = %s "
        f"AND tag_id = %s ORDER BY object_id DESC LIMIT %s) AS tag{n}"
        for n in range(len(tag_ids))
    ]
    params = [value for pk in entity_ids for value in (pk, RELATED_POOL)]
    params += [value for pk in tag_ids for value in (story_type.pk, pk, RELATED_POOL)]
    return RawSQL(" UNION ALL ".join(members), params)
