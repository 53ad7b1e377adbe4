"""Entity suggestions on the story form: link, dismiss or restore what detection found."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from stories.models import (
    Entity,
)


class EntitySuggestionsMixin:
    """The story change page's panel of suggested entities, accepted or dismissed in a click.

    The panel's buttons submit the change form to views of their own (formaction), so
    they carry the form's CSRF token and need no form of their own inside it.
    """

    suggestions_fieldset = (
        "Suggested entities",
        {
            "classes": ["entity-suggestions-fieldset"],
            "description": "Found in the saved text: entities already known, and names "
            "that may be new ones. Link or dismiss each; a dismissed one is not suggested "
            "for this story again. Known entities are linked by themselves on import.",
            "fields": ["entity_suggestions"],
        },
    )

    @property
    def media(self):
        return super().media + forms.Media(js=["stories/admin/entity_suggestions.js"])

    # The fieldset the suggestions follow.
    suggestions_after = "Text"

    def get_readonly_fields(self, request, obj=None):
        return [
            *super().get_readonly_fields(request, obj),
            "entity_suggestions",
            "entity_suggestions_to_link",
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        name, options = self.suggestions_fieldset
        if not request.user.has_perm("stories.add_entity"):
            # Who may not create entities is not offered "Create and link".
            options = {**options, "fields": ["entity_suggestions_to_link"]}
        at = next(
            (i + 1 for i, (n, _) in enumerate(fieldsets) if n == self.suggestions_after), None
        )
        fieldsets.insert(len(fieldsets) if at is None else at, (name, options))
        return fieldsets

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/entities/link/",
                self.admin_site.admin_view(self.link_suggestion_view),
                name="stories_story_link_suggestion",
            ),
            path(
                "<path:object_id>/entities/dismiss/",
                self.admin_site.admin_view(self.dismiss_suggestion_view),
                name="stories_story_dismiss_suggestion",
            ),
            path(
                "<path:object_id>/entities/restore/",
                self.admin_site.admin_view(self.restore_suggestion_view),
                name="stories_story_restore_suggestion",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description="Suggestions")
    def entity_suggestions(self, story, *, may_create=True):
        if story.pk is None:
            return "Suggestions appear once the story is saved."
        return render_to_string(
            "admin/stories/story/entity_suggestions.html",
            {
                "suggestions": story.entity_suggestions(),
                "kinds": Entity.Kind.choices,
                "link_url": reverse("admin:stories_story_link_suggestion", args=[story.pk]),
                "dismiss_url": reverse("admin:stories_story_dismiss_suggestion", args=[story.pk]),
                "restore_url": reverse("admin:stories_story_restore_suggestion", args=[story.pk]),
                "dismissed": story.dismissals.order_by("name"),
                "may_create": may_create,
            },
        )

    @admin.display(description="Suggestions")
    def entity_suggestions_to_link(self, story):
        return self.entity_suggestions(story, may_create=False)

    def _suggestion_target(self, request, object_id):
        """The story a suggestion button was pressed for, if the user may change it."""
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("There is no such story; it may have been deleted.")
        if not self.has_change_permission(request, story):
            raise PermissionDenied
        return story

    def _back_to_story(self, story):
        url = reverse("admin:stories_story_change", args=[story.pk])
        return HttpResponseRedirect(f"{url}#entity-suggestions")

    def _suggested(self, request, story):
        """The known entity or new name the button was for, or None (with a message)."""
        suggestions = story.entity_suggestions()
        if entity_id := request.POST.get("entity"):
            for entity, _ in suggestions.known:
                if str(entity.pk) == entity_id:
                    return entity
        elif name := request.POST.get("candidate"):
            for candidate in suggestions.new:
                if candidate.name == name:
                    return candidate
        messages.error(
            request,
            "That suggestion is no longer made for this story: it was linked or dismissed "
            "already, or the saved text no longer names it.",
        )
        return None

    @method_decorator(require_POST)
    def link_suggestion_view(self, request, object_id):
        story = self._suggestion_target(request, object_id)
        suggested = self._suggested(request, story)
        if suggested is None:
            return self._back_to_story(story)
        if isinstance(suggested, Entity):
            entity = suggested
            mention = story.link_entity(entity)
        else:
            # A new name becomes an entity: that needs the right to add entities too.
            if not request.user.has_perm("stories.add_entity"):
                messages.error(
                    request,
                    f"“{suggested.name}” is not an entity yet, and only editors create "
                    "entities: ask one to create it, then link it here.",
                )
                return self._back_to_story(story)
            kind = request.POST.get(f"kind:{suggested.name}", suggested.kind)
            if kind not in Entity.Kind.values:
                messages.error(request, f"“{kind}” is not a kind of entity; nothing was linked.")
                return self._back_to_story(story)
            with transaction.atomic():
                entity = Entity.objects.for_name(
                    suggested.name, kind=kind, aliases=list(suggested.aliases)
                )
                mention = story.link_entity(entity)
        messages.success(
            request,
            format_html(
                'Linked <a href="{}">{}</a> ({}).',
                reverse("admin:stories_entity_change", args=[entity.pk]),
                entity,
                ngettext("named %d time", "named %d times", mention.count) % mention.count,
            ),
        )
        return self._back_to_story(story)

    @method_decorator(require_POST)
    def dismiss_suggestion_view(self, request, object_id):
        story = self._suggestion_target(request, object_id)
        suggested = self._suggested(request, story)
        if suggested is None:
            return self._back_to_story(story)
        if isinstance(suggested, Entity):
            story.dismiss_suggestion(suggested.name, entity=suggested, by=request.user)
        else:
            story.dismiss_suggestion(suggested.name, by=request.user)
        messages.success(
            request, f"Dismissed “{suggested.name}”; it is not suggested for this story again."
        )
        return self._back_to_story(story)

    @method_decorator(require_POST)
    def restore_suggestion_view(self, request, object_id):
        """Undoes a dismissal: the name may be suggested for this story again."""
        story = self._suggestion_target(request, object_id)
        dismissal = story.dismissals.filter(pk=request.POST.get("dismissal", "")).first()
        if dismissal is None:
            messages.error(request, "That dismissal was undone already.")
        else:
            dismissal.delete()
            messages.success(request, f"“{dismissal.name}” may be suggested again.")
        return self._back_to_story(story)
