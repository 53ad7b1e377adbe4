"""Working copies in the story admin: saving a live story's form keeps its changes apart.

The form of a published story saves a WorkingCopy instead of the story; it opens with
the working copy's values and shows how they differ from what readers see. Editors
publish the changes (now or at a time), reporters submit them for review. The rows
under the form (sources cited, entities, corrections) are saved as before.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from taggit.models import Tag
from taggit.utils import edit_string_for_tags

from stories import tasks
from stories.admin.workflow import refusal
from stories.dates import local_time
from stories.history import compare
from stories.models import Snapshot, Story, WorkingCopy

# What the buttons of a live story's form post as "_changes".
PUBLISH, SCHEDULE, SUBMIT = "publish", "schedule", "submit"
# The story form's fields a working copy keeps besides the Story's own.
EXTRA_FIELDS = {"update_note"}


def story_field_names():
    return {
        field.name
        for field in Story._meta.get_fields()
        if getattr(field, "editable", False) and not field.auto_created
    }


class WorkingCopyForm(forms.Form):
    """Opens a live story's form with its working copy's values, and checks the time
    the changes are to be published at."""

    # Which working copy the form was opened with, to refuse a save over a newer one.
    copy_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    live = False  # set by WorkingCopyAdmin.get_form()
    working_copy = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.working_copy is None:
            return
        self.fields["copy_seen"].initial = self.working_copy.saved_at.isoformat()
        for name, value in self.working_copy.initial().items():
            if name not in self.fields:
                continue
            if name == "tags":
                value = edit_string_for_tags([Tag(name=tag) for tag in value])
            self.initial[name] = value

    @property
    def changed_data(self):
        return [name for name in super().changed_data if name != "copy_seen"]

    def clean(self):
        cleaned = super().clean()
        self._check_copy_seen(cleaned)
        if self.live and self.data.get("_changes") == SCHEDULE:
            when = cleaned.get("publish_at")
            if when is None or when <= timezone.now():
                self.add_error(
                    "publish_at",
                    f"To schedule the changes, give a publication time in the future "
                    f"({timezone.get_current_timezone()}).",
                )
        return cleaned

    def _check_copy_seen(self, cleaned):
        if not self.live:
            return
        current = (
            WorkingCopy.objects.filter(story=self.instance).select_related("saved_by").first()
        )
        seen = cleaned.get("copy_seen") or ""
        if current is None or seen == current.saved_at.isoformat():
            return
        by = current.saved_by
        name = (by.get_full_name() or by.get_username()) if by else "Someone"
        raise ValidationError(
            f"{name} saved changes to this live story at {local_time(current.saved_at)}, "
            "after you opened it, so your save was refused to keep theirs. Your text is "
            "still in the form below (and kept by autosave): open the story in a new tab "
            "to see their changes, then bring over what you need."
        )

    def working_values(self):
        """The values a working copy keeps: the story's fields and the update note."""
        names = story_field_names() | EXTRA_FIELDS
        return {name: self.cleaned_data.get(name) for name in self.fields if name in names}


class WorkingCopyAdmin:
    """StoryAdmin's working copies: kept on save, shown, published, submitted, discarded."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and WorkingCopy.may_prepare(obj, request.user):
            return True
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.live = obj is not None and WorkingCopy.is_wanted(obj)
        # A story withdrawn with changes waiting opens with them, and saves them.
        form.working_copy = WorkingCopy.objects.filter(story=obj).first() if obj else None
        return form

    def save_model(self, request, obj, form, change):
        if merged := getattr(form, "merged", None):
            conflict, taken = merged
            labels = {name: str(form.fields[name].label or name).lower() for name in taken}
            messages.info(request, conflict.merged_message(taken, labels))
        if not getattr(form, "live", False):
            if obj.pk is not None:
                WorkingCopy.objects.filter(story=obj).delete()
            return super().save_model(request, obj, form, change)
        form.working_copy = WorkingCopy.keep(obj, form.working_values(), by=request.user)
        request.working_copy_kept = True
        # What follows (the rows, the mentions, the status) works on the live story.
        obj.refresh_from_db()
        return None

    def save_related_to_live(self, request, form, formsets, change):
        """StoryAdmin.save_related() for a live story: its rows as ever (they are not
        in the working copy), then the status and what the buttons asked of the copy."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        if any(formset.has_changed() for formset in formsets):
            # Indexed and purged once the save commits (stories/effects.py).
            form.instance.refresh_mentions()
        self.save_byline_and_status(request, form, change)
        if not form.instance.is_published:
            # Withdrawn in the same post: what was typed with it is the story's text.
            form.working_copy.write(by=request.user)
            return None
        self._act_on_changes(request, form)
        return None

    def message_user(self, request, message, *args, **kwargs):
        # Not "The story was changed successfully": the story was not; the copy says so.
        if getattr(request, "working_copy_kept", False):
            return
        super().message_user(request, message, *args, **kwargs)

    def _act_on_changes(self, request, form):
        copy = form.working_copy
        action = request.POST.get("_changes")
        try:
            if action == PUBLISH:
                note = (copy.fields.get("update_note") or "").strip()
                copy.publish_changes(by=request.user)
                messages.success(request, "Published the changes: readers see them now.")
                if note:
                    messages.success(request, f"Readers now see it as updated: “{note}”.")
                return
            if action == SCHEDULE:
                copy.schedule(form.cleaned_data["publish_at"], by=request.user)
                tasks.schedule_changes(copy.publish_at)
                messages.success(
                    request,
                    f"The changes will be published at {local_time(copy.publish_at)}; "
                    "until then readers see the story as it is.",
                )
                return
            if action == SUBMIT:
                copy.submit(by=request.user)
                messages.success(request, "Your changes were submitted for review.")
                return
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, f"Your changes were kept, but not published: {refusal(exc)}")
            return
        messages.info(
            request,
            "Your changes are kept as a working copy: readers see the published story "
            "until someone publishes them.",
        )

    def _workflow_context(self, request, story):
        context = super()._workflow_context(request, story)
        if not WorkingCopy.is_wanted(story):
            return context
        copy = (
            WorkingCopy.objects.filter(story=story)
            .select_related("saved_by", "submitted_by")
            .first()
        )
        may_publish = story.can(request.user, "publish")
        if may_publish:
            buttons = [
                (PUBLISH, "Save and publish changes"),
                (SCHEDULE, "Save and schedule changes"),
            ]
        else:
            buttons = [(SUBMIT, "Save and submit changes for review")]
        context.update(
            {
                "live_story": True,
                "working_copy": copy,
                "working_changes": [
                    diff
                    for diff in compare(Snapshot.of_story(story), copy.snapshot())
                    if diff.changed
                ]
                if copy
                else [],
                "changes_buttons": [{"value": v, "label": label} for v, label in buttons],
                "workflow_can_schedule": context["workflow_can_schedule"] or may_publish,
            }
        )
        return context

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/changes/discard/", view(self.discard_changes_view),
                 name="stories_story_discard_changes"),
        ]  # fmt: skip
        return urls + super().get_urls()

    @method_decorator(require_POST)
    def discard_changes_view(self, request, object_id):
        story = self._story_for(request, object_id, "view")
        if not WorkingCopy.may_prepare(story, request.user):
            raise PermissionDenied
        WorkingCopy.objects.filter(story=story).delete()
        messages.success(request, "The changes were discarded; the form shows the live story.")
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))
