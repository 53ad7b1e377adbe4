"""History: readable differences between two revisions of a story."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.contrib.auth import get_user_model
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from taggit.models import Tag

from stories import richtext
from stories.models import Entity, Section, Snapshot, Story

# Words, runs of white space and single other characters: a word-level diff that
# keeps the text's own spacing and line breaks.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def readable_text(html):
    """Stored rich text as plain text to compare: a paragraph a line, "## " before headings."""
    lines = []
    for block in richtext.html_to_blocks(html or ""):
        lines.append(f"## {block.text}" if block.kind != richtext.PARAGRAPH else block.text)
    return "\n\n".join(lines)


def word_diff(old, new):
    """(old, new) as escaped HTML, words only in `old` in <del>, only in `new` in <ins>."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    left, right = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(conditional_escape(old_part))
            right.append(conditional_escape(new_part))
            continue
        if old_part:
            left.append(format_html("<del>{}</del>", old_part))
        if new_part:
            right.append(format_html("<ins>{}</ins>", new_part))
    return mark_safe("".join(left)), mark_safe("".join(right))


@dataclass
class FieldDiff:
    label: str
    old: str
    new: str

    @property
    def changed(self):
        return self.old != self.new

    def sides(self):
        return word_diff(self.old, self.new)


def compare(old, new):
    """The differences between two Snapshots, field by field, as FieldDiffs (all fields)."""
    users = get_user_model().objects.in_bulk(set(old.author_ids) | set(new.author_ids))
    tags = Tag.objects.in_bulk(set(old.tag_ids) | set(new.tag_ids))
    entity_ids = {m["entity_id"] for m in old.mentions + new.mentions}
    entities = Entity.objects.in_bulk(entity_ids)
    section_ids = {old.fields.get("section_id"), new.fields.get("section_id")} - {None}
    sections = Section.objects.in_bulk(section_ids)

    def name(objects, pk, missing):
        obj = objects.get(pk)
        return str(obj) if obj is not None else missing

    def person(pk):
        user = users.get(pk)
        return (user.get_full_name() or user.get_username()) if user else f"(deleted user {pk})"

    def people(snapshot):
        return "\n".join(person(pk) for pk in snapshot.author_ids)

    def sources(snapshot):
        return "\n".join(
            f"{row['title']} — {row['url']}"
            + (f" ({row['publisher_name']})" if row["publisher_name"] else "")
            for row in snapshot.citations
        )

    def mentioned(snapshot):
        return "\n".join(
            sorted(name(entities, m["entity_id"], "(deleted entity)") for m in snapshot.mentions)
        )

    def section(snapshot):
        pk = snapshot.fields.get("section_id")
        return name(sections, pk, "(deleted section)") if pk else ""

    labels = {f.name: f.verbose_name[:1].upper() + f.verbose_name[1:] for f in Story._meta.fields}
    diffs = []
    for name_ in Snapshot.TEXT_FIELDS:
        old_value, new_value = old.fields.get(name_, ""), new.fields.get(name_, "")
        if name_ in ("summary", "body"):
            old_value, new_value = readable_text(old_value), readable_text(new_value)
        diffs.append(FieldDiff(labels[name_], old_value or "", new_value or ""))
    diffs += [
        FieldDiff("Slug", old.fields.get("slug", ""), new.fields.get("slug", "")),
        FieldDiff("Section", section(old), section(new)),
        FieldDiff("Authors", people(old), people(new)),
        FieldDiff(
            "Tags",
            ", ".join(sorted(name(tags, pk, "") for pk in old.tag_ids)),
            ", ".join(sorted(name(tags, pk, "") for pk in new.tag_ids)),
        ),
        FieldDiff("Sources cited", sources(old), sources(new)),
        FieldDiff("Entities mentioned", mentioned(old), mentioned(new)),
    ]
    return diffs
