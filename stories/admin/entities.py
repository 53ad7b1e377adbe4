"""Entities in the admin, with merging."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import ngettext

from stories.admin.base import external_link
from stories.forms import EntityForm
from stories.models import (
    Entity,
    Mention,
    count_per_row,
)


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
            .annotate(story_count=count_per_row(Mention.objects.all(), "entity", distinct="story"))
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
