"""Merging a save over someone else's newer one, field by field, without retyping.

Three versions of each field of the story form: as the form was opened (the revision
at its edit_version), as the other person saved it (the story now), and as posted.
A field only one side changed takes that side's value; a field both changed to
different values is a clash the writer settles with a per-field choice ("merge_<name>":
"mine" or "theirs") posted against the version they saw ("merge_against").
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from taggit.models import Tag

from stories import richtext
from stories.history import readable_text, word_diff
from stories.models import Snapshot, Story

MINE, THEIRS = "mine", "theirs"
RICH = {"summary", "body"}


@dataclass
class Clash:
    """A field both people changed, differently."""

    name: str
    label: str
    theirs: str
    mine: str
    choice: str = MINE

    def sides(self):
        return word_diff(self.theirs, self.mine)


def mergeable_fields(form):
    """The form's fields that are the story's own, tags and authors included.

    Other many-to-many fields (contributors) are not in a revision's Snapshot, so there
    is nothing to merge them against: what was posted stands.
    """
    names = {
        f.name
        for f in Story._meta.get_fields()
        if getattr(f, "editable", False)
        and not f.auto_created
        and (not f.many_to_many or f.name in ("tags", "authors"))
    }
    return [name for name in form.fields if name in names]


def stored_value(snapshot, name):
    """Field `name` of `snapshot`, comparable with posted_value()."""
    if name == "tags":
        return sorted(Tag.objects.filter(pk__in=snapshot.tag_ids).values_list("name", flat=True))
    if name == "authors":
        return sorted(snapshot.author_ids)
    value = snapshot.fields.get(Story._meta.get_field(name).attname)
    return "" if value is None and name in RICH else value


def posted_value(name, value):
    if name == "tags":
        return sorted(str(tag) for tag in value or [])
    if name == "authors":
        return sorted(user.pk for user in value or [])
    if isinstance(value, models.Model):
        return value.pk
    if name in RICH:
        return richtext.sanitise(value or "")
    return value


def cleaned_from_stored(name, value):
    """A stored value as the form's cleaned value, to save it as theirs."""
    if name == "authors":
        return get_user_model().objects.filter(pk__in=value)
    field = Story._meta.get_field(name)
    if field.is_relation and value is not None:
        return field.related_model.objects.filter(pk=value).first()
    return value


def shown(name, value, label_of):
    if name in RICH:
        return readable_text(value)
    if isinstance(value, list):
        return ", ".join(str(label_of(name, v)) for v in value)
    return "" if value is None else str(label_of(name, value))


def merge(form, cleaned, current, seen_version):
    """Merges `cleaned` (what was posted) with `current` (the story as saved since the
    form's version, the reversion Version `seen_version`). Changes `cleaned` in place;
    returns (names of fields taken from theirs, the Clashes left to settle)."""
    base, theirs_snapshot = Snapshot.of_version(seen_version), Snapshot.of_story(current)
    settled = form.data.get("merge_against") == str(current.version)
    taken, clashes = [], []
    for name in mergeable_fields(form):
        if name not in cleaned:
            continue
        mine = posted_value(name, cleaned[name])
        theirs = stored_value(theirs_snapshot, name)
        if mine == theirs:
            continue
        if not changed_by_writer(form, name, mine, stored_value(base, name)):
            cleaned[name] = cleaned_from_stored(name, theirs)
            taken.append(name)
            continue
        if theirs == stored_value(base, name):
            continue
        label = str(form.fields[name].label or name)
        choice = form.data.get(f"merge_{name}") if settled else None
        if choice == THEIRS:
            cleaned[name] = cleaned_from_stored(name, theirs)
            continue
        if choice == MINE:
            continue
        clashes.append(
            Clash(
                name,
                label,
                shown(name, theirs, label_for),
                shown(name, mine, label_for),
            )
        )
    return taken, clashes


def changed_by_writer(form, name, mine, opened):
    """Whether the writer changed field `name` from its value when the form was opened.

    Plain text is compared as posted, by the field itself: cleaning may fill in what
    was left blank (a title from the headline), which is no change of the writer's.
    """
    field = form.fields[name]
    if isinstance(opened, str) and name not in RICH and not field.disabled:
        return field.has_changed(opened, form[name].data)
    return mine != opened


def label_for(name, value):
    """How a stored value reads: a section or person by name, the rest as it is."""
    if name == "authors":
        user = get_user_model().objects.filter(pk=value).first()
        return (user.get_full_name() or user.get_username()) if user else value
    if name in ("tags",):
        return value
    field = Story._meta.get_field(name)
    if field.is_relation and value is not None:
        return field.related_model.objects.filter(pk=value).first() or value
    return value
