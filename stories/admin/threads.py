"""Developing stories in the admin: threads, live updates, and the story form's type of
work, thread (with suggestions), live coverage and update note."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from stories.admin.workflow import refusal
from stories.models import Correction, LiveUpdate, Story, Thread

UPDATE_NOTE_MAX = 300


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "published_count", "latest"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        published = Q(stories__in=Story.objects.published())
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_count=Count("stories", filter=published, distinct=True),
                latest=Max("stories__published_at", filter=published),
            )
        )

    @admin.display(description="published stories", ordering="published_count")
    def published_count(self, thread):
        return thread.published_count

    @admin.display(description="latest story", ordering="latest")
    def latest(self, thread):
        return thread.latest


class DevelopingStoryForm(forms.Form):
    """The story form's developing-story fields: the threads suggested for the story go
    under its thread field, a form posted without a type of work (one opened before
    there was one, a script) keeps the story's, and the update note is there only for
    who may note one on a published story."""

    update_note = forms.CharField(
        label="Mark as an update",
        required=False,
        max_length=UPDATE_NOTE_MAX,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
        help_text="For readers: one line saying what changed, e.g. “Adds the "
        "minister's statement”. Shown as “Updated” at the top of the story and "
        "in its log of updates; leave empty for a change readers need not be "
        "told of, such as a typo.",
    )

    # Set by StoryAdmin.get_form().
    thread_suggestions = ""
    may_note_update = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.may_note_update:
            del self.fields["update_note"]
        if "type_of_work" in self.fields:
            # Left out of the data, the model's value (news, for a new story) stands.
            self.fields["type_of_work"].required = False
        if self.thread_suggestions and "thread" in self.fields:
            field = self.fields["thread"]
            field.help_text = f"{self.thread_suggestions} {field.help_text}"


class DevelopingStoryAdmin:
    """StoryAdmin's part for developing stories: the type of work and thread fields, the
    threads suggested from shared entities, and the update note on published stories."""

    developing_fields = ["type_of_work", "thread"]

    def may_note_update(self, request, obj):
        return obj is not None and obj.is_published and obj.can(request.user, "correct")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = list(self.developing_fields)
        if obj is not None and obj.type_of_work == Story.TypeOfWork.LIVE:
            fields += ["live_ended_at", "live_updates_link"]
        if self.may_note_update(request, obj):
            fields.append("update_note")
        # After the filing, before the publication details.
        at = next((i + 1 for i, (name, _) in enumerate(fieldsets) if name == "Filing"), None)
        fieldsets.insert(
            len(fieldsets) if at is None else at, ("Developing story", {"fields": fields})
        )
        return fieldsets

    def thread_suggestions(self, obj):
        """What the thread field's help says of the threads suggested for story `obj`."""
        suggested = Thread.objects.suggested_for(obj) if obj is not None else []
        if not suggested:
            return ""
        names = "; ".join(
            f"{t.name} ({t.shared} shared entit{'y' if t.shared == 1 else 'ies'})"
            for t in suggested
        )
        return f"Suggested from recent stories naming the same entities: {names}."

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "live_updates_link"]

    @admin.display(description="Live updates")
    def live_updates_link(self, story):
        if story.pk is None:
            return "-"
        count = story.live_updates.count()
        listed = reverse("admin:stories_liveupdate_changelist")
        return format_html(
            '<a href="{}?story={}">Post a live update</a> · <a href="{}?story__id__exact={}">'
            "{} posted</a>",
            reverse("admin:stories_liveupdate_add"),
            story.pk,
            listed,
            story.pk,
            count,
        )

    def save_update_note(self, request, form):
        """The update note, if one was given, as an update readers see."""
        note = (form.cleaned_data.get("update_note") or "").strip()
        if not note:
            return
        try:
            form.instance.correct(note, kind=Correction.Kind.UPDATE, by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(
                request, f"The story was saved, but the update was not noted: {refusal(exc)}"
            )
        else:
            messages.success(request, f"Readers now see it as updated: “{note}”.")


@admin.register(LiveUpdate)
class LiveUpdateAdmin(admin.ModelAdmin):
    """Live updates are posted on their own form, not the story's: several editors can
    post at once without one save refusing another's as out of date."""

    list_display = ["__str__", "story", "pinned", "by"]
    list_filter = ["pinned"]
    list_select_related = ["story", "by"]
    search_fields = ["body", "story__headline"]
    autocomplete_fields = ["story", "image"]
    fields = ["story", "body", "image", "pinned", "at", "by"]
    readonly_fields = ["by"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("at", timezone.now())
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "story":
            kwargs["queryset"] = Story.objects.filter(type_of_work=Story.TypeOfWork.LIVE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.story.can(request.user, "change"))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.story.can(request.user, "change"))

    def save_model(self, request, obj, form, change):
        if not obj.story.can(request.user, "change"):
            raise PermissionDenied(f"{request.user.get_username()} may not change this story.")
        if not change:
            obj.by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # Back to another blank update for the same story: the next one is coming.
        if "_addanother" in request.POST:
            messages.success(request, f"Posted on “{obj.story}”. Post the next one here.")
            url = reverse("admin:stories_liveupdate_add")
            return HttpResponseRedirect(f"{url}?story={obj.story_id}")
        return super().response_add(request, obj, post_url_continue)
