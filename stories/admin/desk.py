"""The story form as a journalist works in it: its order, its helpers, its messages.

StoryDeskAdmin is mixed into StoryAdmin (stories/admin/stories.py). The form itself
(rich text, counters) is stories.forms.StoryForm; the editor, stories/editor.py.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.text import get_text_list
from taggit.models import Tag

from stories.models import Story

# A status change made with a save, as the story's history says it.
STATUS_HISTORY = {
    "in_review": "Submitted for review.",
    "draft": "Sent back to the authors.",
    "approved": "Approved.",
    "published": "Published.",
    "scheduled": "Scheduled.",
    "unscheduled": "Unscheduled.",
    "withdrawn": "Withdrawn.",
    "reopened": "Reopened as a draft.",
}
# How many existing tags the tag field offers at a time.
TAG_SUGGESTIONS = 20


class NewsroomPeopleField(forms.ModelMultipleChoiceField):
    """The newsroom's people by name, for a byline."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()


def newsroom_people():
    """Everyone who writes here: staff, reporters and editors, and anyone with a byline."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_staff=True)
            | Q(groups__name__in=["Reporter", "Editor"])
            | Q(authored_stories__isnull=False)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class LabelledCellsMixin:
    """A tabular inline whose inputs say which column they are in, for screen readers.

    Django's table shows each column's label once, in its header; the inputs have none.
    """

    template = "admin/stories/story/tabular.html"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name, field in formset.form.base_fields.items():
            field.widget.attrs.setdefault("aria-label", str(field.label or name).capitalize())
        return formset


class StoryDeskAdmin:
    """The story form's order, tag suggestions, bylines, checklist and save messages."""

    fieldsets = [
        ("Story", {"fields": ["headline", "dek", "summary", "full_headline", "body"]}),
        # The sources cited (an inline) follow the text; see desk_after.
        ("Filing", {"fields": ["section", "tags"]}),
        # ...then the entities mentioned and suggested...
        # Contributors: people credited who have no account (stories/models/people.py).
        ("Byline", {"fields": ["authors", "contributors"]}),
        ("Lead image", {"fields": ["lead_image"]}),
        (
            "Search engines and listings",
            {
                "classes": ["collapse"],
                "description": "The title and address search engines show, and the short "
                "title lists of stories use. Left blank, the headline serves.",
                "fields": ["title", "story_line", "slug"],
            },
        ),
        (
            "Publication",
            {
                "classes": ["collapse"],
                "description": "The status changes only through the workflow buttons at the "
                "top of this page and the actions on the list of stories, which record who "
                "did it.",
                "fields": [
                    "status_label",
                    "published_at",
                    "created_at",
                    "updated_at",
                    "import_name",
                ],
            },
        ),
    ]
    suggestions_after = "Filing"
    # Where the fieldsets other parts of the admin add go: the entities suggested by the
    # entities mentioned, then the developing story's, before the byline.
    fieldset_order = [
        "Story",
        "Filing",
        "Suggested entities",
        "Developing story",
        "Byline",
        "Lead image",
        "Search engines and listings",
        "Publication",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        order = self.fieldset_order
        after_filing = order.index("Filing") + 0.5
        return sorted(
            fieldsets, key=lambda f: order.index(f[0]) if f[0] in order else after_filing
        )

    # Tags: what the field's script offers while the writer types.

    def get_urls(self):
        urls = [
            path(
                "tags/suggest/",
                self.admin_site.admin_view(self.tag_suggestions_view),
                name="stories_story_tag_suggestions",
            ),
        ]
        return urls + super().get_urls()

    def tag_suggestions_view(self, request):
        """{"tags": [...]}: existing tags starting with ?q=, the most used first."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        typed = request.GET.get("q", "").strip()[:100]
        tags = (
            Tag.objects.filter(name__istartswith=typed)
            .annotate(uses=Count("taggit_taggeditem_items"))
            .order_by("-uses", "name")
            .values_list("name", flat=True)[:TAG_SUGGESTIONS]
            if typed
            else []
        )
        return JsonResponse({"tags": list(tags)})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "tags" and field is not None:
            field.widget.attrs["data-tag-suggestions"] = reverse(
                "admin:stories_story_tag_suggestions"
            )
            field.help_text = (
                "Separated by commas. Existing tags are offered as you type; a new one "
                "is made when the story is saved."
            )
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # The byline is picked from the newsroom's people by name: reporters may not look
        # accounts up, and a list of check boxes reads out better than a search box.
        if db_field.name == "authors":
            kwargs.setdefault("form_class", NewsroomPeopleField)
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
            kwargs.setdefault("queryset", newsroom_people())
            if not request.user.has_perm("stories.edit_any_story"):
                kwargs.setdefault(
                    "help_text", "Add your co-authors; you stay an author of what you write."
                )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # The checklist, shown at the top while writing.

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._desk_context(request, Story())}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        story = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if story is not None:
            extra_context.update(self._desk_context(request, story))
        return super().change_view(request, object_id, form_url, extra_context)

    def _desk_context(self, request, story):
        problems = story.publication_problems() if story.status != Story.Status.PUBLISHED else []
        return {
            "publication_problems": problems,
            "show_checklist": bool(problems) and story.can(request.user, "publish"),
        }

    # Saving: what the sanitiser removed, and history in words.

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request.desk_markup_removed = getattr(form, "markup_removed", {})

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        removed = getattr(request, "desk_markup_removed", None)
        if removed and level == messages.SUCCESS:
            request.desk_markup_removed = None
            what = "; ".join(
                f"from the {field.lower()}: {get_text_list(items, 'and')}"
                for field, items in removed.items()
            )
            message = (
                f"The story was saved, but not all of what was sent could be kept. Removed {what}."
                " Check the text below."
            )
            level = messages.WARNING
        return super().message_user(request, message, level, *args, **kwargs)

    def construct_change_message(self, request, form, formsets, add):
        """The history's line for a save: the fields whose content changed, in words."""
        if add:
            return super().construct_change_message(request, form, formsets, add)
        sentences = []
        changed = [str(form.fields[name].label or name).lower() for name in form.changed_data]
        if changed:
            sentences.append(f"Changed the {get_text_list(changed, 'and')}.")
        rows = [
            entry
            for entry in super().construct_change_message(request, form, formsets, add)
            if "changed" not in entry or "name" in entry["changed"]
        ]
        if rows:
            sentences.append(LogEntry(change_message=json.dumps(rows)).get_change_message())
        if status := getattr(form, "status_changed", ""):
            sentences.append(STATUS_HISTORY[status])
        return " ".join(sentences) or "Saved with no changes."
