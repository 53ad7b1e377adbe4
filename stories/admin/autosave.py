"""Autosave in the story admin: the form's script keeps what is typed on the server.

The endpoint answers JSON, never the login page: a script told "401, signed out" holds
the writer's save until they have signed in again (static/stories/admin/autosave.js),
so that nothing typed is lost to an expired session. The change form offers to restore
what was kept; a successful save drops it.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from stories.dates import local_time
from stories.models import Autosave, WorkingCopy

RESTORE = "autosave"  # ?restore=autosave opens the form with what was kept
# Posted fields that are no part of what the writer typed.
NOT_KEPT = {"csrfmiddlewaretoken", "edit_version", "copy_seen", "transition", "_changes"}


class AutosaveForm(forms.Form):
    """Opens the form with the kept values when asked to restore them."""

    restore = None  # the Autosave to restore, set by AutosaveAdmin.get_form()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.restore is None or self.is_bound:
            return
        for name, values in self.restore.data.items():
            field = self.fields.get(name)
            if field is None or name in NOT_KEPT:
                continue
            many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
            self.initial[name] = values if many else (values[-1] if values else "")


class AutosaveAdmin:
    """StoryAdmin's autosave: the endpoint, the offer to restore, dropping it on save."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.restore = None
        if request.method == "GET" and request.GET.get("restore") == RESTORE:
            form.restore = Autosave.of(request.user, obj)
        return form

    def save_model(self, request, obj, form, change):
        Autosave.drop(request.user, obj if change else None)
        return super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        story = self.get_object(request, unquote(object_id)) if object_id else None
        if request.method == "GET" and (object_id is None or story is not None):
            kept = Autosave.of(request.user, story)
            restoring = request.GET.get("restore") == RESTORE
            extra_context.update(
                autosave_kept=kept,
                autosave_restoring=restoring and kept is not None,
                autosave_time=local_time(kept.saved_at, "H:i:s") if kept else "",
            )
        extra_context["autosave_url"] = (
            reverse("admin:stories_story_autosave", args=[story.pk])
            if story is not None
            else reverse("admin:stories_story_autosave_new")
        )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = [
            path("autosave/", self.autosave_view, name="stories_story_autosave_new"),
            path("autosave/discard/", self.admin_site.admin_view(self.discard_autosave_view),
                 name="stories_story_autosave_discard_new"),
            path("<path:object_id>/autosave/", self.autosave_view,
                 name="stories_story_autosave"),
            path("<path:object_id>/autosave/discard/",
                 self.admin_site.admin_view(self.discard_autosave_view),
                 name="stories_story_autosave_discard"),
        ]  # fmt: skip
        return urls + super().get_urls()

    def _autosave_story(self, request, object_id):
        """The story whose form `request` comes from (None: a new one), if they may edit it."""
        if object_id is None:
            if not request.user.has_perm("stories.add_story"):
                raise PermissionDenied
            return None
        story = self.get_object(request, unquote(object_id))
        if story is None or not WorkingCopy.may_prepare(story, request.user):
            raise PermissionDenied
        return story

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def autosave_view(self, request, object_id=None):
        """POST the form's fields: kept for this person and story. JSON either way."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return JsonResponse(
                {"error": "You are signed out; sign in again to keep your changes.",
                 "login": reverse("admin:login")},
                status=401,
            )  # fmt: skip
        try:
            story = self._autosave_story(request, object_id)
        except PermissionDenied:
            return JsonResponse({"error": "You may not change this story."}, status=403)
        data = {name: values for name, values in request.POST.lists() if name not in NOT_KEPT}
        kept = Autosave.keep(user, story, data)
        return JsonResponse({"saved_at": kept.saved_at.isoformat(),
                             "time": local_time(kept.saved_at, "H:i:s")})  # fmt: skip

    @method_decorator(require_POST)
    def discard_autosave_view(self, request, object_id=None):
        story = self._autosave_story(request, object_id)
        Autosave.drop(request.user, story)
        messages.success(request, "Your unsaved changes were discarded.")
        if story is None:
            return HttpResponseRedirect(reverse("admin:stories_story_add"))
        return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))
