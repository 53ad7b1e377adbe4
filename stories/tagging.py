"""Tag slugs that always make a working address.

taggit slugifies a tag's name as it is first saved, and a name of punctuation or emoji
only ("???", "«»", "—", "🔥") slugifies to "": the tag's page cannot be linked, and the
story page and sitemap that link it fail. Nor does taggit keep a slug made unique with
its "_2" suffix within the column's 100 characters. A new tag's slug is made here
instead, before taggit's save writes it: the Unicode slug of its name as taggit would
make it, "tag" when that is empty, cut to fit and suffixed -2, -3... until unused.
"""

from django.db.models.signals import pre_save
from django.utils.text import slugify
from taggit.models import Tag

SLUG_LENGTH = Tag._meta.get_field("slug").max_length
EMPTY_SLUG = "tag"


def tag_slug(name, *, exclude_pk=None):
    """A slug for a tag called `name` that no other tag has."""
    base = slugify(name, allow_unicode=True)[:SLUG_LENGTH].strip("-") or EMPTY_SLUG
    others = Tag.objects.exclude(pk=exclude_pk)
    if not others.filter(slug=base).exists():
        return base
    # Shorter than any cut the suffixes make, so every candidate starts with it.
    prefix = base[: SLUG_LENGTH - 10]
    taken = set(others.filter(slug__startswith=prefix).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug


def give_new_tag_a_slug(sender, instance, raw=False, **kwargs):
    # Only the slug taggit made itself is replaced: one typed in the admin stands.
    if raw or not instance._state.adding:
        return
    if instance.slug in ("", instance.slugify(instance.name)):
        instance.slug = tag_slug(instance.name)


def connect():
    pre_save.connect(give_new_tag_a_slug, sender=Tag, dispatch_uid="stories.tagging")
