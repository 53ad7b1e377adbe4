"""Publishers, sources and the sources inbox in the admin."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.db.models import F
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext

from stories.admin.base import external_link, short_time
from stories.forms import PublisherForm, SourceForm
from stories.models import (
    Citation,
    Publisher,
    Source,
    SourceInbox,
    Story,
    count_per_row,
)


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    form = PublisherForm
    list_display = ["name", "domain", "homepage_link", "source_count"]
    search_fields = ["name", "domain"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(source_count=count_per_row(Source.objects.all(), "publisher"))
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
            .annotate(
                story_count=count_per_row(Citation.objects.all(), "source", distinct="story")
            )
        )

    @admin.display(description="canonical URL", ordering="url")
    def url_link(self, source):
        return external_link(source.url)

    @admin.display(description="citing stories", ordering="story_count")
    def story_count(self, source):
        return source.story_count


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
