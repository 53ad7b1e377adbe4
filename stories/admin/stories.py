"""Stories in the admin: the list, the form and its inlines."""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from stories import search
from stories.admin.autosave import AutosaveAdmin, AutosaveForm
from stories.admin.base import (
    AuthorListFilter,
    SectionListFilter,
    SectionPickerMixin,
    StoryRowsInline,
    link_sections,
    short_time,
)
from stories.admin.desk import LabelledCellsMixin, StoryDeskAdmin
from stories.admin.drafts import WorkingCopyAdmin, WorkingCopyForm
from stories.admin.live_preview import LivePreviewAdmin
from stories.admin.presence import PresenceAdmin
from stories.admin.suggestions import EntitySuggestionsMixin
from stories.admin.threads import DevelopingStoryAdmin, DevelopingStoryForm
from stories.admin.workflow import CorrectionInline, StoryWorkflowAdmin, StoryWorkflowForm
from stories.forms import CitationForm, StoryForm
from stories.models import (
    Citation,
    Mention,
    StatusChange,
    Story,
    count_per_row,
)


class StoryAdminForm(
    AutosaveForm, WorkingCopyForm, StoryWorkflowForm, DevelopingStoryForm, StoryForm
):
    """The story's form in the admin: its fields, the developing story's, the workflow's."""


class CitationInline(LabelledCellsMixin, StoryRowsInline):
    model = Citation
    form = CitationForm
    fields = ["position", "title", "url", "publisher_name", "published_on", "source_link"]
    readonly_fields = ["source_link"]
    ordering = ["position", "pk"]
    extra = 1
    verbose_name = "citation"
    verbose_name_plural = "sources cited"
    desk_after = "Story"  # where the story form shows it (change_form.html)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    @admin.display(description="shared source")
    def source_link(self, citation):
        if citation.source_id is None:
            return ""  # found when the citation is saved
        url = reverse("admin:stories_source_change", args=[citation.source_id])
        return format_html('<a href="{}">{}</a>', url, citation.source)


class MentionInline(LabelledCellsMixin, StoryRowsInline):
    model = Mention
    fields = ["entity", "count", "in_headline", "first_position", "salience"]
    # How often and where an entity is named is measured from the text, not chosen.
    readonly_fields = ["count", "in_headline", "first_position", "salience"]
    autocomplete_fields = ["entity"]
    extra = 1
    verbose_name_plural = "entities mentioned"
    desk_after = "Filing"


class StatusChangeInline(LabelledCellsMixin, admin.TabularInline):
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


@admin.register(Story)
class StoryAdmin(
    PresenceAdmin,
    LivePreviewAdmin,
    AutosaveAdmin,
    WorkingCopyAdmin,
    StoryDeskAdmin,
    StoryWorkflowAdmin,
    DevelopingStoryAdmin,
    EntitySuggestionsMixin,
    SectionPickerMixin,
    admin.ModelAdmin,
):
    form = StoryAdminForm
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
    autocomplete_fields = ["section", "lead_image"]
    save_on_top = True
    # The form's order is StoryDeskAdmin.fieldsets: text, sources, filing, entities, byline,
    # lead image, then what search engines show (folded).
    readonly_fields = ["status_label", "published_at", "created_at", "updated_at", "import_name"]
    inlines = [CitationInline, MentionInline, StatusChangeInline]
    actions = ["submit_for_review", "approve", "publish_now", "withdraw"]

    def get_inlines(self, request, obj):
        # A story being added has no history yet. The corrections are there, even while
        # empty and hidden, so that a form opened before the story was published still
        # posts what the formset expects.
        return [*self.inlines, CorrectionInline] if obj else [CitationInline, MentionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                source_count=count_per_row(Citation.objects.all(), "story"),
                entity_count=count_per_row(Mention.objects.all(), "story"),
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # modelform_factory() makes a class of its own on every call: what is set on it
        # here is this request's alone.
        form.user = request.user
        form.may_note_update = self.may_note_update(request, obj)
        if "thread" in form.base_fields:
            form.thread_suggestions = self.thread_suggestions(obj)
        return form

    def save_related(self, request, form, formsets, change):
        """After the story itself, in this order: its tags, authors and rows; what is
        measured from them; the update note; its byline and status. A live story's text
        went to its working copy instead. Indexing and cache purges follow once the whole
        save commits (stories/effects.py)."""
        if form.live:
            return self.save_related_to_live(request, form, formsets, change)
        super().save_related(request, form, formsets, change)
        story = form.instance
        # Mentions added by hand, and all of them after the text changed, are measured.
        story.refresh_mentions()
        self.save_update_note(request, form)
        self.save_byline_and_status(request, form, change)

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
