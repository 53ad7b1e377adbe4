"""Live presence in the story form: who else has the story open, and who is typing.

The form's script (static/stories/admin/presence.js) posts a heartbeat every few
seconds and redraws the "Also open" notice from the answer, with no reload; leaving
the page says goodbye. Typing is what autosave sees: someone whose unsaved changes
to this story were kept in the last TYPING_SECONDS. Nothing here touches the story.
"""

from datetime import timedelta

from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from stories.models import Autosave, WorkingCopy

# Autosave posts every few seconds of typing: kept this recently, they are typing.
TYPING_SECONDS = 12


def who_is_there(story, user):
    """The others with `story` open (noting that `user` has it open), and who types."""
    others = story.open_for(user)
    typing = set(
        Autosave.objects.filter(
            story=story,
            user__in=[presence.user_id for presence in others],
            saved_at__gte=timezone.now() - timedelta(seconds=TYPING_SECONDS),
        ).values_list("user_id", flat=True)
    )
    return [
        {
            "name": presence.user.get_full_name() or presence.user.get_username(),
            "typing": presence.user_id in typing,
        }
        for presence in others
    ]


class PresenceAdmin:
    """StoryAdmin's presence endpoints."""

    def get_urls(self):
        urls = [
            path("<path:object_id>/presence/", self.presence_view, name="stories_story_presence"),
            path("<path:object_id>/presence/leave/", self.presence_leave_view,
                 name="stories_story_presence_leave"),
        ]  # fmt: skip
        return urls + super().get_urls()

    def _present_story(self, request, object_id):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return None, JsonResponse(
                {"error": "You are signed out.", "login": reverse("admin:login")}, status=401
            )
        story = self.get_object(request, unquote(object_id))
        if story is None or not (story.can(user, "view") or WorkingCopy.may_prepare(story, user)):
            return None, JsonResponse({"error": "You may not see this story."}, status=403)
        return story, None

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def presence_view(self, request, object_id):
        """A heartbeat from the form: answers who else has the story open."""
        story, refused = self._present_story(request, object_id)
        if refused:
            return refused
        return JsonResponse({"others": who_is_there(story, request.user)})

    @method_decorator(require_POST)
    def presence_leave_view(self, request, object_id):
        story, refused = self._present_story(request, object_id)
        if refused:
            return refused
        story.close_for(request.user)
        return JsonResponse({"left": True})
