"""Pages of listings by cursor (keyset pagination).

A cursor names the last row of the page before by the values the listing is ordered
by, and the next page is what comes after it in that order: rows published in front
meanwhile neither shift nor repeat what a client has still to read, and every page
reads the listing's index from a point rather than counting past an offset. Signed,
so that a client can only send back a cursor the API made.
"""

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from ninja.errors import HttpError

from stories.models import NEWEST_FIRST

SALT = "newsroom.api.cursor"


def make_cursor(kind, values):
    return signing.dumps([kind, *values], salt=SALT, compress=False)


def read_cursor(kind, cursor, *, length):
    try:
        found = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        raise HttpError(400, "cursor: not one this API gave out (take it from `next`).") from None
    if not isinstance(found, list) or len(found) != length + 1 or found[0] != kind:
        raise HttpError(400, f"cursor: not a cursor of this listing ({kind}).")
    return found[1:]


def story_page(stories, *, cursor, limit):
    """The page of `stories` (published ones: they all have a time) after `cursor`.

    Returns the page's stories (keys and order only) and the cursor after them, or
    None on the last page.
    """
    if cursor:
        published, created, pk = read_cursor("stories", cursor, length=3)
        published, created = parse_datetime(published), parse_datetime(created)
        stories = stories.filter(
            Q(published_at__lt=published)
            | Q(published_at=published, created_at__lt=created)
            | Q(published_at=published, created_at=created, pk__lt=pk)
        )
    rows = list(
        stories.order_by(*NEWEST_FIRST).values_list("pk", "published_at", "created_at")[
            : limit + 1
        ]
    )
    page, more = rows[:limit], len(rows) > limit
    if not more:
        return [pk for pk, *_ in page], None
    pk, published, created = page[-1]
    return [pk for pk, *_ in page], make_cursor(
        "stories", [published.isoformat(), created.isoformat(), pk]
    )


def name_page(kind, rows, *, cursor, limit):
    """The page of `rows` (entities, threads) by name after `cursor`, and the cursor after it.

    The cursor is None on the last page.
    """
    if cursor:
        name, pk = read_cursor(kind, cursor, length=2)
        rows = rows.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    found = list(rows.order_by("name", "pk")[: limit + 1])
    page, more = found[:limit], len(found) > limit
    if not more:
        return page, None
    return page, make_cursor(kind, [page[-1].name, page[-1].pk])
