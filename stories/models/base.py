"""What the content models share: slugs, counts of linked rows, and what readers see of a row."""

from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import slugify

# Listings' order; the index on (status, published_at, created_at, id) reads in it.
NEWEST_FIRST = ["-published_at", "-created_at", "-pk"]
# How many of the newest stories of each entity and tag a story's related ones come from.
RELATED_POOL = 50


def unique_slug(model, text, *, max_length=200, exclude_pk=None):
    """A slug for `text` that no other row of `model` has, suffixed -2, -3... if needed."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    # Most often the plain slug is free: one lookup in the unique index says so, where
    # the prefix search below may read every slug (SQLite's LIKE cannot use the index).
    if not model.objects.filter(slug=base).exclude(pk=exclude_pk).exists():
        return base
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
    return slug


def count_per_row(links, field, *, distinct=None):
    """How many of `links` (rows pointing at the outer row through `field`) each row has;
    with `distinct`, how many different values of that field of theirs (the stories of
    a source's citations, not the citations).

    An annotation: a subquery rather than a Count() over a join, so that the count stays
    right whatever other relations a caller filters or annotates on (two counts on one
    list do not multiply each other), with no GROUP BY on the outer rows.
    """
    counted = links.filter(**{field: OuterRef("pk")}).order_by().values(field)
    count = Count(distinct, distinct=True) if distinct else Count("*")
    return Coalesce(Subquery(counted.annotate(n=count).values("n")), 0)


class ReaderVisible(models.Model):
    """A model whose rows readers see, saying which cached pages a change to one drops.

    The interface of every reader-visible model: purge_keys() names the pages a
    change affects, shown_to_readers() says whether readers see the row at all (a
    draft's changes drop nothing), admin_only_fields are the fields readers never see.
    All three are pure: stories/effects.py acts on them once the change commits.
    """

    # Fields whose changes readers never see: saving only these drops no page.
    admin_only_fields = ()

    class Meta:
        abstract = True

    def surrogate_key(self):
        """The key naming this row on the pages that show it (Surrogate-Key header)."""
        return f"{self._meta.model_name}-{self.pk}"

    def surrogate_keys(self):
        """The keys of what this row's own page shows (see page_cache.shows())."""
        return [self.surrogate_key()]

    def purge_keys(self):
        """Keys of the pages a change to this row affects."""
        return [self.surrogate_key(), "listings"]

    def shown_to_readers(self):
        """Whether readers see this row (now, or at a scheduled time)."""
        return True
