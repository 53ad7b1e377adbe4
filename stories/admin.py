import copy
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from stories import images, search
from stories.admin_workflow import StoryWorkflowAdmin
from stories.forms import CitationForm, EntityForm, PublisherForm, SourceForm, StoryForm
from stories.models import (
    Citation,
    Entity,
    Image,
    Mention,
    Publisher,
    Section,
    Source,
    SourceInbox,
    StatusChange,
    Story,
)

admin.site.site_header = format_lazy("{} administration", settings.NEWSROOM_SITE_NAME)
admin.site.site_title = format_lazy("{} admin", settings.NEWSROOM_SITE_NAME)
# The story list needs the width more than editors need a second list of models.
admin.site.enable_nav_sidebar = False


def count_of(queryset, fk, *, counted="pk"):
    """How many rows of `queryset` point at the outer row through `fk`, as a subquery.

    A subquery per column, unlike Count() over joins, keeps two counts on one list
    from multiplying each other and needs no GROUP BY on the listed rows.
    """
    rows = (
        queryset.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count(counted, distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


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


class SectionListFilter(admin.RelatedFieldListFilter):
    """Sections listed by their full names, in tree order."""

    def field_choices(self, field, request, model_admin):
        choices = ((pk, str(section)) for pk, section in sections_with_ancestors().items())
        return sorted(choices, key=lambda choice: choice[1])


@admin.register(Section)
class SectionAdmin(SectionPickerMixin, admin.ModelAdmin):
    list_display = ["full_name", "path", "parent", "position", "story_count"]
    list_display_links = ["full_name"]
    list_editable = ["position"]
    list_select_related = []  # link_sections() supplies the parents
    # By path, so that subsections follow their parent.
    ordering = ["path"]
    search_fields = ["name", "slug", "path"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    fields = ["name", "slug", "parent", "position", "description", "path"]
    readonly_fields = ["path"]

    def get_queryset(self, request):
        # The parents are for the names shown by autocomplete, which walk up the tree.
        return (
            super()
            .get_queryset(request)
            .select_related("parent__parent")
            .annotate(story_count=count_of(Story.objects, "section"))
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        link_sections(changelist.result_list, "parent")
        return changelist

    @admin.display(description="section", ordering="path")
    def full_name(self, section):
        return str(section)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, section):
        return section.story_count


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    form = PublisherForm
    list_display = ["name", "domain", "homepage_link", "source_count"]
    search_fields = ["name", "domain"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(source_count=count_of(Source.objects, "publisher"))
        )

    @admin.display(description="homepage", ordering="homepage")
    def homepage_link(self, publisher):
        return external_link(publisher.homepage)

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, publisher):
        return publisher.source_count


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["title", "url_link", "publisher", "published_on", "story_count"]
    list_select_related = ["publisher"]
    list_filter = ["publisher", "published_on"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["publisher"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=count_of(Citation.objects, "source", counted="story"))
        )

    @admin.display(description="canonical URL", ordering="url")
    def url_link(self, source):
        return external_link(source.url)

    @admin.display(description="citing stories", ordering="story_count")
    def story_count(self, source):
        return source.story_count


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = EntityForm
    list_display = ["name", "kind", "wikidata_link", "story_count"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["wikidata_link"]
    actions = ["merge_entities"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(story_count=count_of(Mention.objects, "entity", counted="story"))
        )

    @admin.display(description="Wikidata", ordering="wikidata_id")
    def wikidata_link(self, entity):
        return external_link(entity.wikidata_url, entity.wikidata_id)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, entity):
        return entity.story_count

    def has_merge_permission(self, request):
        # Merging changes one entity and deletes the others: it takes both rights.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected entities into one…", permissions=["merge"])
    def merge_entities(self, request, queryset):
        """Asks which of the selected entities to keep, then merges the others into it."""
        entities = list(
            queryset.annotate(mention_total=Coalesce(Sum("mentions__count"), 0)).order_by(
                "-story_count", "pk"
            )
        )
        if len(entities) < 2:
            messages.error(
                request,
                "Select the duplicates and the entity to keep them in: at least two entities.",
            )
            return None
        error = None
        if request.POST.get("post") == "yes":
            survivor = next(
                (e for e in entities if str(e.pk) == request.POST.get("survivor")), None
            )
            if survivor is None:
                error = "Choose the entity to keep."
            else:
                duplicates = [e for e in entities if e.pk != survivor.pk]
                with transaction.atomic():
                    for duplicate in duplicates:
                        duplicate.merge_into(survivor)
                messages.success(
                    request,
                    f"Merged {', '.join(f'“{d}”' for d in duplicates)} into “{survivor}”, "
                    f"which is now mentioned in {survivor.mentions.count()} "
                    f"{ngettext('story', 'stories', survivor.mentions.count())}.",
                )
                url = reverse("admin:stories_entity_change", args=[survivor.pk])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge entities",
            "subtitle": None,
            "opts": self.model._meta,
            "entities": entities,
            "default_survivor": entities[0],
            "error": error,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "merge_entities",
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/stories/entity/merge.html", context)


class CitationInline(admin.TabularInline):
    model = Citation
    form = CitationForm
    fields = ["position", "title", "url", "publisher_name", "published_on", "source_link"]
    readonly_fields = ["source_link"]
    ordering = ["position", "pk"]
    extra = 1
    verbose_name = "citation"
    verbose_name_plural = "sources cited"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    @admin.display(description="shared source")
    def source_link(self, citation):
        if citation.source_id is None:
            return ""  # found when the citation is saved
        url = reverse("admin:stories_source_change", args=[citation.source_id])
        return format_html('<a href="{}">{}</a>', url, citation.source)


class MentionInline(admin.TabularInline):
    model = Mention
    fields = ["entity", "count", "in_headline", "first_position", "salience"]
    # How often and where an entity is named is measured from the text, not chosen.
    readonly_fields = ["count", "in_headline", "first_position", "salience"]
    autocomplete_fields = ["entity"]
    extra = 1
    verbose_name_plural = "entities mentioned"


class StatusChangeInline(admin.TabularInline):
    """The story's status history; written only by Story.change_status()."""

    model = StatusChange
    fields = ["from_status", "to_status", "by", "at", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "status history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntitySuggestionsMixin:
    """The story change page's panel of suggested entities, accepted or dismissed in a click.

    The panel's buttons submit the change form to views of their own (formaction), so
    they carry the form's CSRF token and need no form of their own inside it.
    """

    suggestions_fieldset = (
        "Suggested entities",
        {
            "classes": ["entity-suggestions-fieldset"],
            "description": "Found in the saved text: entities already known, and names "
            "that may be new ones. Link or dismiss each; a dismissed one is not suggested "
            "for this story again. Known entities are linked by themselves on import.",
            "fields": ["entity_suggestions"],
        },
    )

    @property
    def media(self):
        return super().media + forms.Media(js=["stories/admin/entity_suggestions.js"])

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "entity_suggestions"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        # Right after the text it is found in.
        at = next((i + 1 for i, (name, _) in enumerate(fieldsets) if name == "Text"), None)
        fieldsets.insert(len(fieldsets) if at is None else at, self.suggestions_fieldset)
        return fieldsets

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/entities/link/",
                self.admin_site.admin_view(self.link_suggestion_view),
                name="stories_story_link_suggestion",
            ),
            path(
                "<path:object_id>/entities/dismiss/",
                self.admin_site.admin_view(self.dismiss_suggestion_view),
                name="stories_story_dismiss_suggestion",
            ),
            path(
                "<path:object_id>/entities/restore/",
                self.admin_site.admin_view(self.restore_suggestion_view),
                name="stories_story_restore_suggestion",
            ),
        ]
        return urls + super().get_urls()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Mentions added by hand, and all of them after the text changed, are measured.
        form.instance.refresh_mentions()

    @admin.display(description="Suggestions")
    def entity_suggestions(self, story):
        if story.pk is None:
            return "Suggestions appear once the story is saved."
        return render_to_string(
            "admin/stories/story/entity_suggestions.html",
            {
                "suggestions": story.entity_suggestions(),
                "kinds": Entity.Kind.choices,
                "link_url": reverse("admin:stories_story_link_suggestion", args=[story.pk]),
                "dismiss_url": reverse("admin:stories_story_dismiss_suggestion", args=[story.pk]),
                "restore_url": reverse("admin:stories_story_restore_suggestion", args=[story.pk]),
                "dismissed": story.dismissals.order_by("name"),
            },
        )

    def _suggestion_target(self, request, object_id):
        """The story a suggestion button was pressed for, if the user may change it."""
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("There is no such story; it may have been deleted.")
        if not self.has_change_permission(request, story):
            raise PermissionDenied
        return story

    def _back_to_story(self, story):
        url = reverse("admin:stories_story_change", args=[story.pk])
        return HttpResponseRedirect(f"{url}#entity-suggestions")

    def _suggested(self, request, story):
        """The known entity or new name the button was for, or None (with a message)."""
        suggestions = story.entity_suggestions()
        if entity_id := request.POST.get("entity"):
            for entity, _ in suggestions.known:
                if str(entity.pk) == entity_id:
                    return entity
        elif name := request.POST.get("candidate"):
            for candidate in suggestions.new:
                if candidate.name == name:
                    return candidate
        messages.error(
            request,
            "That suggestion is no longer made for this story: it was linked or dismissed "
            "already, or the saved text no longer names it.",
        )
        return None

    @method_decorator(require_POST)
    def link_suggestion_view(self, request, object_id):
        story = self._suggestion_target(request, object_id)
        suggested = self._suggested(request, story)
        if suggested is None:
            return self._back_to_story(story)
        if isinstance(suggested, Entity):
            entity = suggested
            mention = story.link_entity(entity)
        else:
            # A new name becomes an entity: that needs the right to add entities too.
            if not request.user.has_perm("stories.add_entity"):
                raise PermissionDenied
            kind = request.POST.get(f"kind:{suggested.name}", suggested.kind)
            if kind not in Entity.Kind.values:
                messages.error(request, f"“{kind}” is not a kind of entity; nothing was linked.")
                return self._back_to_story(story)
            with transaction.atomic():
                entity = Entity.objects.for_name(
                    suggested.name, kind=kind, aliases=list(suggested.aliases)
                )
                mention = story.link_entity(entity)
        messages.success(
            request,
            format_html(
                'Linked <a href="{}">{}</a> ({}).',
                reverse("admin:stories_entity_change", args=[entity.pk]),
                entity,
                ngettext("named %d time", "named %d times", mention.count) % mention.count,
            ),
        )
        return self._back_to_story(story)

    @method_decorator(require_POST)
    def dismiss_suggestion_view(self, request, object_id):
        story = self._suggestion_target(request, object_id)
        suggested = self._suggested(request, story)
        if suggested is None:
            return self._back_to_story(story)
        if isinstance(suggested, Entity):
            story.dismiss_suggestion(suggested.name, entity=suggested, by=request.user)
        else:
            story.dismiss_suggestion(suggested.name, by=request.user)
        messages.success(
            request, f"Dismissed “{suggested.name}”; it is not suggested for this story again."
        )
        return self._back_to_story(story)

    @method_decorator(require_POST)
    def restore_suggestion_view(self, request, object_id):
        """Undoes a dismissal: the name may be suggested for this story again."""
        story = self._suggestion_target(request, object_id)
        dismissal = story.dismissals.filter(pk=request.POST.get("dismissal", "")).first()
        if dismissal is None:
            messages.error(request, "That dismissal was undone already.")
        else:
            dismissal.delete()
            messages.success(request, f"“{dismissal.name}” may be suggested again.")
        return self._back_to_story(story)


@admin.register(Story)
class StoryAdmin(StoryWorkflowAdmin, EntitySuggestionsMixin, SectionPickerMixin, admin.ModelAdmin):
    form = StoryForm
    list_display = [
        "headline",
        "section",
        "status_label",
        "publication_time",
        "updated",
        "source_count",
        "entity_count",
    ]
    list_select_related = []  # link_sections() supplies the sections
    # Work not yet published first (whatever the database does with NULLs), then newest:
    # the order of the story_newest_first index, so a page is read from it, not sorted.
    ordering = [F("published_at").desc(nulls_first=True), "-created_at"]
    list_filter = [
        "status",
        ("section", SectionListFilter),
        AuthorListFilter,
        "published_at",
    ]
    # Only shows the search box: get_search_results() searches the full-text index.
    search_fields = ["headline"]
    # Drawn from the index by the change list template (see IndexedDates).
    date_hierarchy = "published_at"
    # "N results (Show all)" under a filter: a second count of every story costs more
    # than the page itself at 100,000 stories.
    show_full_result_count = False
    autocomplete_fields = ["section", "authors", "lead_image"]
    save_on_top = True
    fieldsets = [
        (
            "Text",
            {
                "description": "In the order of the story text format.",
                "fields": [
                    "title",
                    "headline",
                    "dek",
                    "story_line",
                    "summary",
                    "full_headline",
                    "body",
                ],
            },
        ),
        ("Filing", {"fields": ["section", "lead_image", "tags", "authors"]}),
        (
            "Publication",
            {
                "description": "The status changes only through the workflow buttons "
                "at the foot of this page and the actions on the list of stories, which "
                "record who did it.",
                "fields": [
                    "status_label",
                    "published_at",
                    "slug",
                    "created_at",
                    "updated_at",
                    "import_name",
                ],
            },
        ),
    ]
    readonly_fields = ["status_label", "published_at", "created_at", "updated_at", "import_name"]
    inlines = [CitationInline, MentionInline, StatusChangeInline]
    actions = ["submit_for_review", "approve", "publish_now", "withdraw"]

    def get_inlines(self, request, obj):
        # A story being added has no history yet.
        return self.inlines if obj else [CitationInline, MentionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                source_count=count_of(Citation.objects, "story"),
                entity_count=count_of(Mention.objects, "story"),
            )
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        link_sections(changelist.result_list, "section")
        return changelist

    def get_search_results(self, request, queryset, search_term):
        # The readers' index and query language, across every state.
        if not search_term.strip():
            return queryset, False
        return search.search(search_term, published_only=False, stories=queryset).matching, False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Tags and mentions are saved after the story itself: index them as they are now.
        search.index_story(form.instance)

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            search.index_stories(ids)  # takes the deleted stories out of the index

    def view_on_site(self, story):
        # Readers cannot see a story before it is published, so neither link to it.
        return story.get_absolute_url() if story.is_published else None

    @admin.display(description="status", ordering="status")
    def status_label(self, story):
        if story.is_scheduled:
            return "Scheduled"
        return story.get_status_display()

    @admin.display(description="publication time", ordering="published_at")
    def publication_time(self, story):
        return short_time(story.published_at)

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, story):
        return short_time(story.updated_at)

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, story):
        return story.source_count

    @admin.display(description="entities", ordering="entity_count")
    def entity_count(self, story):
        return story.entity_count


@admin.register(SourceInbox)
class SourceInboxAdmin(admin.ModelAdmin):
    """Sources no story cites yet (ingested from feeds, or added by hand), newest first."""

    form = SourceForm
    list_display = ["title", "url_link", "publisher", "published_on", "added"]
    list_select_related = ["publisher"]
    list_filter = [("publisher", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "url"]
    ordering = ["-created_at", F("published_on").desc(nulls_last=True), "-pk"]
    autocomplete_fields = ["publisher"]
    actions = ["create_story"]

    def get_queryset(self, request):
        return super().get_queryset(request).uncited()

    # Working the inbox is working with sources: the Source permissions apply.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("stories.view_source") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("stories.change_source")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("stories.delete_source")

    def has_add_permission(self, request):
        return False  # sources are added under Sources, or by ingest_sources

    def has_create_story_permission(self, request):
        return request.user.has_perm("stories.add_story")

    @admin.display(description="canonical URL", ordering="url")
    def url_link(self, source):
        return external_link(source.url)

    @admin.display(description="added", ordering="created_at")
    def added(self, source):
        return short_time(source.created_at)

    @admin.action(description="Create story from selected sources", permissions=["create_story"])
    def create_story(self, request, queryset):
        chosen = queryset.select_related("publisher")
        if request.POST.get("select_across") == "1":
            sources = list(chosen)
        else:
            # In the order the editor saw them listed.
            by_pk = chosen.in_bulk()
            pks = [unquote(pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)]
            sources = [by_pk[int(pk)] for pk in pks if pk.isdigit() and int(pk) in by_pk]
        story = Story.objects.draft_from_sources(sources, author=request.user)
        messages.success(
            request,
            ngettext(
                "A new draft cites the %d source; write its headline and text.",
                "A new draft cites the %d sources in the order listed; write its headline "
                "and text.",
                len(sources),
            )
            % len(sources),
        )
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = [
            "file",
            "alt_text",
            "caption",
            "credit",
            "copyright_holder",
            "focal_x",
            "focal_y",
        ]
        widgets = {
            "file": forms.ClearableFileInput(attrs={"accept": images.ACCEPTED_TYPES}),
            "alt_text": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "caption": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "focal_x": forms.NumberInput(attrs={"min": 0, "max": 1, "step": "any"}),
            "focal_y": forms.NumberInput(attrs={"min": 0, "max": 1, "step": "any"}),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # no new upload: the image already stored stays
        # What is saved is the checked, re-encoded copy, never the upload as sent.
        clean = images.clean_upload(upload)
        self.instance.width, self.instance.height = clean.width, clean.height
        return clean.as_file(upload.name)


def image_tag(url, *, width, height, css_class="", alt="", loading="lazy"):
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" class="{}" loading="{}">',
        url,
        width,
        height,
        alt,
        css_class,
        loading,
    )


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "description", "credit", "dimensions", "use_count", "created"]
    list_display_links = ["thumbnail", "description"]
    search_fields = ["alt_text", "caption", "credit", "copyright_holder", "file"]
    date_hierarchy = "created_at"
    readonly_fields = ["dimensions", "focal_point_picker", "crops", "used_in", "created_at"]
    fieldsets = [
        (None, {"fields": ["file", "dimensions"]}),
        ("Description", {"fields": ["alt_text", "caption", "credit", "copyright_holder"]}),
        (
            "Focal point",
            {
                "description": "Click on the subject of the picture, or type its position; "
                "crops are cut around it.",
                "fields": ["focal_point_picker", ("focal_x", "focal_y"), "crops"],
            },
        ),
        ("Use", {"fields": ["used_in", "created_at"]}),
    ]

    class Media:
        js = ["admin/js/focal_point.js"]
        css = {"all": ["admin/css/images.css"]}

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # A new image has no size, crops or uses to show yet.
        return [
            (None, {"fields": ["file"]}),
            self.fieldsets[1],
            ("Focal point", {"fields": [("focal_x", "focal_y")]}),
        ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(use_count=count_of(Story.objects, "lead_image"))
        )

    @admin.display(description="image")
    def thumbnail(self, image):
        square = image.rendition_list("thumbnail")
        url = square[0]["jpeg"]["url"] if square else image.file.url
        return image_tag(url, width=80, height=80, css_class="image-thumbnail")

    @admin.display(description="alt text or caption", ordering="alt_text")
    def description(self, image):
        return str(image)

    @admin.display(description="size")
    def dimensions(self, image):
        return f"{image.width} × {image.height} pixels" if image.width else "—"

    @admin.display(description="lead image of", ordering="use_count")
    def use_count(self, image):
        return ngettext("%d story", "%d stories", image.use_count) % image.use_count

    @admin.display(description="uploaded", ordering="created_at")
    def created(self, image):
        return short_time(image.created_at)

    @admin.display(description="picture")
    def focal_point_picker(self, image):
        if not image.pk:
            return "Save the image first; then click on it here to set its focal point."
        whole = image.rendition_list("inline")
        # The widest rendition up to 800 pixels: enough to aim at, quick to load.
        fitting = [entry for entry in whole if entry["width"] <= 800] or whole[:1]
        if fitting:
            entry = fitting[-1]
            url, width, height = entry["jpeg"]["url"], entry["width"], entry["height"]
        else:
            url, width, height = image.file.url, image.width, image.height
        return format_html(
            '<div class="focal-point-picker" data-focal-point-picker '
            'data-input-x="id_focal_x" data-input-y="id_focal_y">{}'
            '<span class="focal-point-marker" hidden></span></div>',
            image_tag(url, width=width, height=height, alt=f"The image: {image}", loading="eager"),
        )

    @admin.display(description="crops as saved")
    def crops(self, image):
        previews = []
        for use, label in [("lead", "Lead, 16:9"), ("thumbnail", "Thumbnail, 1:1")]:
            entries = image.rendition_list(use)
            if entries:
                entry = entries[0]
                previews.append(
                    format_html(
                        "<figure>{}<figcaption>{}</figcaption></figure>",
                        image_tag(
                            entry["jpeg"]["url"], width=entry["width"], height=entry["height"]
                        ),
                        label,
                    )
                )
        if not previews:
            return "Made when the image is saved."
        joined = format_html_join("", "{}", ((preview,) for preview in previews))
        return format_html('<div class="image-crops">{}</div>', joined)

    @admin.display(description="lead image of")
    def used_in(self, image):
        if not image.pk:
            return "—"
        stories = image.lead_stories.order_by("-created_at")
        if not stories:
            return "No story yet."
        return format_html(
            '<ul class="image-uses">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:stories_story_change", args=[story.pk]),
                        story.headline,
                        story.get_status_display().lower(),
                    )
                    for story in stories
                ),
            ),
        )
