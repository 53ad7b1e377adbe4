"""Pieces the model admins share: section pickers, list filters, dates by index."""

import copy
from datetime import datetime, timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import dateformat, timezone
from django.utils.html import format_html

from stories.models import (
    Image,
    Section,
    Story,
)


def sections_with_ancestors():
    """Every section by pk, each linked to its parent among them: one query in all.

    Section.__str__ walks up the parents, which costs a query per level per section
    unless the parents are already loaded.
    """
    sections = Section.objects.in_bulk()
    for section in sections.values():
        if section.parent_id in sections:
            section.parent = sections[section.parent_id]
    return sections


def link_sections(objects, field):
    """Point each object's section foreign key `field` at a section with its ancestors loaded."""
    sections = sections_with_ancestors()
    for obj in objects:
        section = sections.get(getattr(obj, f"{field}_id"))
        if section is not None:
            setattr(obj, field, section)


def short_time(value):
    # The default format ("Nov. 27, 2026, 3:59 a.m.") makes list columns too wide.
    return dateformat.format(timezone.localtime(value), "j M Y, H:i") if value else None


def external_link(url, text=None):
    if not url:
        return None
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, text or url
    )


class SectionPickerMixin:
    """No red cross beside a section or image picker.

    It looks like "clear this field" but opens the deletion of the whole section (or
    of the image, from the library).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        picks = db_field.related_model in (Section, Image)
        if picks and hasattr(formfield.widget, "can_delete_related"):
            formfield.widget.can_delete_related = False
        return formfield


class AuthorListFilter(admin.SimpleListFilter):
    """The stories with a person's byline, or with none.

    Unlike a filter on the authors field, which joins every story to its bylines and
    so needs SELECT DISTINCT over whole stories, each story is looked up among the
    bylines; and only people with a byline are offered.
    """

    title = "authors"
    parameter_name = "author"
    NONE = "none"

    def lookups(self, request, model_admin):
        people = get_user_model().objects.filter(Exists(self.bylines(user=OuterRef("pk"))))
        return [
            *((str(person.pk), str(person)) for person in people.order_by("username")),
            (self.NONE, "No byline"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.exclude(Exists(self.bylines(story=OuterRef("pk"))))
        if self.value():
            if not self.value().isdigit():
                raise IncorrectLookupParameters(f"No author {self.value()!r}.")
            return queryset.filter(Exists(self.bylines(story=OuterRef("pk"), user=self.value())))
        return queryset

    @staticmethod
    def bylines(**lookups):
        return Story.authors.through.objects.filter(**lookups)


def periods_in_use(times, kind):
    """The start of each year, month or day (`kind`) in which `times` has a time.

    `times` is a values_list() of one DateTimeField. Oldest first, in the current time
    zone, as QuerySet.datetimes() gives them; but found by one indexed lookup per period
    (the first time from the start of the next period on), not by truncating the time
    of every row.
    """
    field = times.query.values_select[0]
    times = times.filter(**{f"{field}__isnull": False}).order_by(field)
    found, later = [], times
    while (first := later.first()) is not None:
        local = timezone.localtime(first)
        start = {
            "year": datetime(local.year, 1, 1),
            "month": datetime(local.year, local.month, 1),
            "day": datetime(local.year, local.month, local.day),
        }[kind]
        found.append(timezone.make_aware(start))
        following = {
            "year": datetime(start.year + 1, 1, 1),
            "month": datetime(start.year + start.month // 12, start.month % 12 + 1, 1),
            "day": start + timedelta(days=1),
        }[kind]
        # The new bound first: of several, SQLite starts reading the index at the first.
        bound = times.model.objects.filter(**{f"{field}__gte": timezone.make_aware(following)})
        bound = bound.values_list(field, flat=True)
        later = (bound.distinct() if times.query.distinct else bound) & times
    return found


class IndexedDates:
    """What the admin's date hierarchy asks of the listed stories, answered from an index.

    Django's date_hierarchy() asks the change list's queryset for the first and last
    times (one aggregate, which SQLite answers by reading the whole index) and for the
    distinct years, months or days (which truncates the time of every listed row).
    """

    def __init__(self, queryset, field):
        self.times = queryset.values_list(field, flat=True)
        self.field = field
        self.empty = False

    def aggregate(self, **kwargs):
        ordered = self.times.filter(**{f"{self.field}__isnull": False}).order_by(self.field)
        first = ordered.first()
        # Nothing listed has a time: no need to look for the last one, or for any period.
        self.empty = first is None
        return {"first": first, "last": None if self.empty else ordered.last()}

    def datetimes(self, field_name, kind, **kwargs):
        return [] if self.empty else periods_in_use(self.times, kind)

    @classmethod
    def change_list(cls, cl):
        """A copy of the change list `cl` whose queryset the date hierarchy reads so."""
        cl = copy.copy(cl)
        cl.queryset = cls(cl.queryset, cl.date_hierarchy)
        return cl


class StoryRowsInline(admin.TabularInline):
    """Rows of a story, changed only by who may change the story itself (Story.can()).

    Django asks an inline's permissions with the story as `obj`, and shows its rows
    read-only, with no empty form, when they are all refused.
    """

    def may_change_story(self, request, obj):
        return obj is None or obj.can(request.user, "change")

    def has_add_permission(self, request, obj=None):
        return self.may_change_story(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_change_story(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_change_story(request, obj) and super().has_delete_permission(request, obj)


class SectionListFilter(admin.RelatedFieldListFilter):
    """Sections listed by their full names, in tree order."""

    def field_choices(self, field, request, model_admin):
        choices = ((pk, str(section)) for pk, section in sections_with_ancestors().items())
        return sorted(choices, key=lambda choice: choice[1])
