"""The editorial workflow in the story admin: roles, status buttons, history, sharing.

StoryWorkflowAdmin is mixed into StoryAdmin (stories/admin.py). Every rule it applies
is asked of the story itself (Story.can(), Story.check_change(), change_status()), so
a hidden button, a crafted POST and a bulk action all meet the same refusal.
"""

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from reversion.models import Version

from stories.admin.base import StoryRowsInline
from stories.admin.desk import LabelledCellsMixin
from stories.admin.merging import merge
from stories.dates import local_time
from stories.history import compare
from stories.models import ACTION, ACTIONS, Correction, Snapshot, Story

# The workflow buttons by the value each posts as "transition": (its action, the status
# it moves the story to, the button).
BUTTONS = {
    button.value: (action, Story.Status(action.to), button)
    for action in ACTIONS
    for button in action.buttons
}


def refusal(exc):
    """The words of a PermissionDenied or ValidationError raised by the workflow."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "Your role does not allow this."


class Conflict:
    """Someone saved the story after the version a form was opened at."""

    def __init__(self, story, seen_version):
        self.story = story
        self.seen_version = seen_version
        later, self.seen = [], None
        # Newest first: the revisions saved since, down to the one the form was opened at.
        for version in Version.objects.get_for_object(story).select_related("revision__user"):
            number = version.field_dict.get("version") or 0
            if number > seen_version:
                later.append(version.revision)
                continue
            if number == seen_version:
                self.seen = version
            break
        self.revisions = later

    @property
    def editors(self):
        names = []
        for revision in self.revisions:
            user = revision.user
            name = (user.get_full_name() or user.get_username()) if user else "someone"
            if name not in names:
                names.append(name)
        return names or ["someone"]

    @property
    def when(self):
        return local_time(self.revisions[0].date_created) if self.revisions else ""

    def message(self):
        when = f" at {self.when}" if self.when else ""
        return (
            f"{' and '.join(self.editors)} saved this story{when}, after you opened it, so "
            "your save was refused to keep their changes. What they changed is shown "
            "above; your own text is still in the form below. Copy what you need, then "
            "reload the story and make your changes to the current version."
        )

    clashes = ()

    def clash_message(self):
        names = ", ".join(clash.label for clash in self.clashes)
        when = f" at {self.when}" if self.when else ""
        return (
            f"{' and '.join(self.editors)} saved this story{when}, after you opened it. "
            f"Their other changes are merged with yours; you both changed: {names}. "
            "Choose below whose text to keep for each, then save again."
        )

    def merged_message(self, taken, labels):
        kept = (
            f" Their changes to {', '.join(labels[n] for n in taken)} are kept." if taken else ""
        )
        return (
            f"{' and '.join(self.editors)} saved this story after you opened it; your "
            f"changes were merged with theirs.{kept}"
        )

    def changes(self):
        if self.seen is None:
            return []
        return [d for d in compare(Snapshot.of_version(self.seen), Snapshot.of_story(self.story))
                if d.changed]  # fmt: skip


def revision_label(version):
    """How a revision is named in a comparison: who saved it and when; "Now" for None."""
    if version is None:
        return "Now"
    user = version.revision.user
    by = (user.get_full_name() or user.get_username()) if user else "the system"
    return f"Saved {local_time(version.revision.date_created, 'j M Y, H:i:s')} by {by}"


WORKFLOW_FIELDS = {"edit_version", "transition", "transition_comment", "publish_at"}


class StoryWorkflowForm(forms.Form):
    """The change form's workflow fields, part of the story's admin form."""

    edit_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    transition = forms.ChoiceField(required=False, choices=[(value, value) for value in BUTTONS])
    transition_comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text="Goes with the status change; needed when sending a story back.",
    )
    publish_at = forms.SplitDateTimeField(
        label="Publication time",
        required=False,
        widget=AdminSplitDateTime,
        help_text="For “Save and schedule”.",
    )

    user = None  # who is editing: set by StoryAdmin.get_form()
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields["edit_version"].initial = instance.version
        self.fields["publish_at"].label = f"Publication time ({timezone.get_current_timezone()})"
        # The admin's split widget writes "Date:" and "Time:" as text, not labels.
        date, time = self.fields["publish_at"].widget.widgets
        date.attrs["aria-label"], time.attrs["aria-label"] = "Publication date", "Publication time"

    @cached_property
    def changed_data(self):
        # What a save changed in the story, for its history: not the buttons' own fields.
        return [name for name in super().changed_data if name not in WORKFLOW_FIELDS]

    def clean(self):
        cleaned = super().clean()
        self._check_version(cleaned)
        self._check_transition(cleaned)
        return cleaned

    def _check_version(self, cleaned):
        story = self.instance
        if story.pk is None:
            return
        # Locked until the save commits, so a save racing this one waits, then is refused.
        current = Story.objects.select_for_update().get(pk=story.pk)
        seen = cleaned.get("edit_version")
        if seen is None:
            raise ValidationError(
                "This form did not say which version of the story it was opened at, so it "
                "cannot be saved safely; reload the story and make your changes again."
            )
        if seen != current.version:
            conflict = Conflict(current, seen)
            if conflict.seen is None:  # no record of the version opened: nothing to merge
                self.conflict = conflict
                raise ValidationError(conflict.message())
            taken, conflict.clashes = merge(self, cleaned, current, conflict.seen)
            if conflict.clashes:
                self.conflict = conflict
                raise ValidationError(conflict.clash_message())
            self.merged = (conflict, taken)  # saved over theirs; for the admin's message

    def _check_transition(self, cleaned):
        value = cleaned.get("transition")
        if not value:
            return
        story = self.instance
        when = None
        if value == "scheduled":
            when = cleaned.get("publish_at")
            if when is None or when <= timezone.now():
                self.add_error(
                    "publish_at",
                    f"To schedule the story, give a publication time in the future "
                    f"({timezone.get_current_timezone()}).",
                )
                return
        action, to, button = BUTTONS[value]
        try:
            story.check_change(to, by=self.user, comment=cleaned.get("transition_comment", ""))
        except (PermissionDenied, ValidationError) as exc:
            field = "transition_comment" if action.needs_comment else None
            self.add_error(field, f"The status was not changed: {refusal(exc)}")
            return
        self.change = (to, when, button)


class CorrectionInline(LabelledCellsMixin, StoryRowsInline):
    """Corrections and updates readers see under a published story; added, never edited."""

    model = Correction
    template = "admin/stories/story/corrections_inline.html"
    fields = ["kind", "text", "at", "by"]
    readonly_fields = ["at", "by"]
    extra = 0
    can_delete = False
    verbose_name = "correction or update"
    verbose_name_plural = "corrections and updates (shown to readers)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.is_published
            and obj.can(request.user, "correct")
            and super().has_add_permission(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0


class StatusFilter(admin.SimpleListFilter):
    """The status as editors speak of it: scheduled apart from published."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("in_review", "In review"),
            ("approved", "Approved"),
            ("scheduled", "Scheduled"),
            ("published", "Published"),
            ("withdrawn", "Withdrawn"),
        ]

    def queryset(self, request, queryset):
        if self.value() in dict(self.lookup_choices):
            return queryset.in_state(self.value())
        return queryset


class StoryWorkflowAdmin:
    """StoryAdmin's workflow: permission hooks, status buttons, history, sharing, presence."""

    change_form_template = "admin/stories/story/change_form.html"
    object_history_template = "admin/stories/story/object_history.html"

    # Permission hooks: the story decides.

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return obj.can(request.user, "change")

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and obj.can(request.user, "change") and not obj.delete_refusal(request.user)

    # Deleting a published story: refused with the reason (withdraw it instead), on its
    # own or among the selected, whoever but a superuser asks.

    def delete_view(self, request, object_id, extra_context=None):
        story = self.get_object(request, unquote(object_id))
        if story is not None and (refusal := story.delete_refusal(request.user)):
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        obj.delete(by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (type(self).delete_selected_stories, name, description)
        return actions

    def delete_selected_stories(self, request, queryset):
        refusals = [why for story in queryset if (why := story.delete_refusal(request.user))]
        for refusal in refusals:
            self.message_user(request, refusal, messages.ERROR)
        if refusals:
            return None
        return delete_selected(self, request, queryset)

    def has_publish_permission(self, request):
        return request.user.has_perm("stories.publish_story")

    def has_approve_permission(self, request):
        return request.user.has_perm("stories.approve_story")

    def has_withdraw_permission(self, request):
        return request.user.has_perm("stories.withdraw_story")

    def get_list_filter(self, request):
        return [StatusFilter if f == "status" else f for f in super().get_list_filter(request)]

    # Saving: all in one revision. StoryAdmin.save_related() calls
    # save_byline_and_status() once the story's rows are saved.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message() or "Added.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message() or "Saved unchanged.")
        return entry

    def save_byline_and_status(self, request, form, change):
        """A reporter's new story gets their byline; then the status change the button
        asked for, refused with a message (the story stays saved) if it may not be."""
        story = form.instance
        if not change and not request.user.has_perm("stories.edit_any_story"):
            story.authors.add(request.user)
        requested = getattr(form, "change", None)
        if requested is None:
            return
        to, when, button = requested
        try:
            story.change_status(
                to, by=request.user, comment=form.cleaned_data["transition_comment"], when=when
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, f"The story was saved, but its status was not changed: "
                           f"{refusal(exc)}")  # fmt: skip
        else:
            form.status_changed = button.value  # for the history's line (construct_change_message)
            messages.success(request, button.done.format(when=local_time(story.published_at)))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        for correction in formset.save(commit=False):
            try:
                form.instance.correct(correction.text, kind=correction.kind, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"The correction was not added: {refusal(exc)}")
        return None

    # The change form: presence, workflow buttons, preview and share links.

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._workflow_context(request, Story())}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        story = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if story is not None and request.method == "GET":
            extra_context["also_open"] = story.open_for(request.user)
            if not Version.objects.get_for_object(story).exists():
                # A story made outside the admin (an import) gets a first revision, so
                # the changes of whoever saves next can always be shown.
                with reversion.create_revision():
                    reversion.add_to_revision(story)
                    reversion.set_comment("As it was when first opened in the admin.")
        if story is not None:
            extra_context.update(self._workflow_context(request, story))
        response = super().change_view(request, object_id, form_url, extra_context)
        if story is not None and request.method == "POST" and response.status_code == 302:
            story.close_for(request.user)
        return response

    def _workflow_context(self, request, story):
        allowed = story.allowed_transitions(request.user)
        buttons = [
            {"value": button.value, "label": button.label, "action": name}
            for name in allowed.values()
            for button in ACTION[name].buttons
        ]
        if story.is_scheduled:
            state = f"Scheduled for {local_time(story.published_at)}"
        elif story.is_published:
            state = f"Published {local_time(story.published_at)}"
        else:
            state = story.get_status_display()
        last = story.status_changes.select_related("by").first() if story.pk else None
        return {
            "workflow_state": state,
            "workflow_buttons": buttons,
            "workflow_needs_comment": any(ACTION[name].needs_comment for name in allowed.values()),
            "workflow_can_schedule": "publish" in allowed.values(),
            "workflow_last_change": last,
            "workflow_sent_back": last if last and last.action == "send_back" else None,
            "can_preview": story.can(request.user, "preview"),
            "can_share": story.can(request.user, "share"),
            "time_zone": timezone.get_current_timezone_name(),
        }

    # Extra pages: history comparison and restore, share links.

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/history/compare/", view(self.compare_view),
                 name="stories_story_compare"),
            path("<path:object_id>/history/<int:version_id>/restore/", view(self.restore_view),
                 name="stories_story_restore"),
            path("<path:object_id>/share/", view(self.share_view), name="stories_story_share"),
            path("<path:object_id>/share/<int:link_id>/revoke/", view(self.revoke_view),
                 name="stories_story_revoke_share"),
        ]  # fmt: skip
        return urls + super().get_urls()

    def _story_for(self, request, object_id, action):
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("There is no such story; it may have been deleted.")
        if not story.can(request.user, action):
            raise PermissionDenied
        return story

    def _versions(self, story):
        return Version.objects.get_for_object(story).select_related("revision__user")

    def history_view(self, request, object_id, extra_context=None):
        story = self._story_for(request, object_id, "view")
        versions = list(self._versions(story))
        extra_context = {
            **(extra_context or {}),
            "versions": versions,
            "can_restore": story.can(request.user, "restore"),
            "time_zone": timezone.get_current_timezone_name(),
        }
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id):
        """Two revisions side by side, or one against the story as it is now."""
        story = self._story_for(request, object_id, "view")
        versions = self._versions(story)

        def pick(name):
            value = request.GET.get(name, "current")
            if value == "current":
                return None, Snapshot.of_story(story)
            if not value.isdigit():
                raise Http404(f"“{value}” is not a revision of this story.")
            version = get_object_or_404(versions, pk=int(value))
            return version, Snapshot.of_version(version)

        old_version, old = pick("from")
        new_version, new = pick("to")
        if old_version and new_version and old_version.pk > new_version.pk:
            (old_version, old), (new_version, new) = (new_version, new), (old_version, old)
        diffs = compare(old, new)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Changes to “{story}”",
            "old_label": revision_label(old_version),
            "new_label": revision_label(new_version),
            "old_version": old_version,
            "new_version": new_version,
            "diffs": diffs,
            "changed": [d for d in diffs if d.changed],
            "can_restore": story.can(request.user, "restore"),
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/stories/story/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        """GET: what restoring the revision would change; POST: restore it as a new one."""
        story = self._story_for(request, object_id, "restore")
        version = get_object_or_404(self._versions(story), pk=version_id)
        if request.method == "POST":
            with transaction.atomic():
                story.restore(version, by=request.user)
            messages.success(
                request,
                f"Restored the text of {local_time(version.revision.date_created)} as a new "
                "revision; the status was left as it was.",
            )
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))
        diffs = compare(Snapshot.of_story(story), Snapshot.of_version(version))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Restore “{story}” as of {local_time(version.revision.date_created)}?",
            "version": version,
            "changed": [d for d in diffs if d.changed],
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/stories/story/restore.html", context)

    def share_view(self, request, object_id):
        """The story's share links; POST makes a new one."""
        story = self._story_for(request, object_id, "share")
        if request.method == "POST":
            link = story.share(by=request.user)
            url = request.build_absolute_uri(link.get_absolute_url())
            messages.success(
                request,
                f"New share link, valid until {local_time(link.expires_at)}: {url}",
            )
            return HttpResponseRedirect(request.path)
        links = story.share_links.select_related("created_by", "revoked_by")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Share links to “{story}”",
            "links": [
                (link, request.build_absolute_uri(link.get_absolute_url())) for link in links
            ],
            "hours": settings.NEWSROOM_SHARE_LINK_HOURS,
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/stories/story/share.html", context)

    @method_decorator(require_POST)
    def revoke_view(self, request, object_id, link_id):
        story = self._story_for(request, object_id, "share")
        link = get_object_or_404(story.share_links, pk=link_id)
        link.revoke(by=request.user)
        messages.success(request, "The share link was revoked; it no longer opens the preview.")
        return HttpResponseRedirect(reverse("admin:stories_story_share", args=[story.pk]))

    # Bulk actions: the same change_status(), the same refusals, story by story.

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._change_status(request, queryset, Story.Status.IN_REVIEW, "Submitted")

    @admin.action(description="Approve", permissions=["approve"])
    def approve(self, request, queryset):
        self._change_status(request, queryset, Story.Status.APPROVED, "Approved")

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._change_status(request, queryset, Story.Status.PUBLISHED, "Published")

    @admin.action(description="Withdraw", permissions=["withdraw"])
    def withdraw(self, request, queryset):
        self._change_status(request, queryset, Story.Status.WITHDRAWN, "Withdrew")

    def _change_status(self, request, queryset, to, verb):
        changed = 0
        for story in queryset:
            try:
                story.change_status(to, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"“{story}” was left as it was: {refusal(exc)}")
            else:
                changed += 1
        if changed:
            messages.success(
                request, ngettext("%s %d story.", "%s %d stories.", changed) % (verb, changed)
            )
