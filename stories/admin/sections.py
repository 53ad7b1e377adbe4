"""Sections in the admin."""

from django.contrib import admin

from stories.admin.base import SectionPickerMixin, link_sections
from stories.models import (
    Section,
    Story,
    count_per_row,
)


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
            .annotate(story_count=count_per_row(Story.objects.all(), "section"))
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
