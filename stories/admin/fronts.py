"""The fronts in the admin: what leads the home page and each section front, in what
order, from when until when; and the site-wide alert strip. Ordering is by number, typed
or changed in the list itself: every control works from the keyboard, no dragging."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from stories.models import Alert, Placement, Section


class FrontFilter(admin.SimpleListFilter):
    title = "front"
    parameter_name = "front"

    def lookups(self, request, model_admin):
        return [("home", "Home page"), *((s.pk, s.name) for s in Section.objects.all())]

    def queryset(self, request, queryset):
        if self.value() == "home":
            return queryset.filter(section__isnull=True)
        if self.value():
            return queryset.filter(section=self.value())
        return queryset


class ShowingFilter(admin.SimpleListFilter):
    title = "showing"
    parameter_name = "showing"

    def lookups(self, request, model_admin):
        return [("now", "Now"), ("later", "Later"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.model.objects.filter(pk__in=queryset.values("pk")).current()
        if self.value() == "later":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["story", "front", "slot", "position", "starts_at", "ends_at", "showing"]
    list_display_links = ["story"]
    list_editable = ["position"]
    list_filter = [FrontFilter, "slot", ShowingFilter]
    list_select_related = ["story", "section"]
    ordering = ["section__path", "slot", "position", "-starts_at"]
    autocomplete_fields = ["story", "section"]
    fields = ["story", "section", "slot", "position", "starts_at", "ends_at"]
    search_fields = ["story__headline"]

    def get_queryset(self, request):
        # Which lead each front shows now, so the list says which of several leads leads:
        # the one picks() takes (lowest number, then the latest start).
        leader = (
            Placement.objects.current()
            .filter(slot=Placement.Slot.LEAD)
            .annotate(front_key=Coalesce("section", Value(0)))
            .filter(front_key=Coalesce(OuterRef("section"), Value(0)))
            .order_by("position", "-starts_at", "-pk")
            .values("pk")[:1]
        )
        return super().get_queryset(request).annotate(front_leader=Subquery(leader))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
            # The form's start is pre-filled with when it was opened, to the second; a
            # new placement "from" a moment already past starts as it is saved, so a lead
            # placed now leads over one placed while the form was open.
            obj.starts_at = max(obj.starts_at, timezone.now())
        super().save_model(request, obj, form, change)

    @admin.display(description="front", ordering="section__path")
    def front(self, placement):
        return placement.section.name if placement.section_id else "Home page"

    @admin.display(description="showing now", boolean=True)
    def showing(self, placement):
        if placement.slot == Placement.Slot.LEAD:
            return placement.front_leader == placement.pk
        return placement.is_current


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "starts_at", "ends_at", "showing"]
    autocomplete_fields = ["story"]
    fields = ["label", "text", "story", "starts_at", "ends_at"]

    @admin.display(description="showing now", boolean=True)
    def showing(self, alert):
        now = timezone.now()
        return alert.starts_at <= now < alert.ends_at
