"""Preview of the story form's unsaved text, as the reader page would show it.

The form posts itself here (a button with formaction, opening a tab of its own); the
story is rendered from the posted text without saving anything: not the story, not a
working copy, not a revision. Kept out of every cache and search engine (preview.private).
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from stories import richtext
from stories.models import Section, WorkingCopy
from stories.preview import as_if_published, private
from stories.views import story_page

# The story's own text fields the preview takes from the form, as posted.
TEXT_FIELDS = ["title", "headline", "dek", "story_line", "full_headline"]
RICH_FIELDS = ["summary", "body"]


def with_posted_text(story, data):
    """`story` (not saved) with the text fields and section posted in `data`."""
    for name in TEXT_FIELDS:
        if name in data:
            setattr(story, name, data[name].replace("\r\n", "\n").strip())
    for name in RICH_FIELDS:
        if name in data:
            setattr(story, name, richtext.sanitise(data[name]))
    section = data.get("section", "")
    if section.isdigit():
        story.section = Section.objects.filter(pk=int(section)).first() or story.section
    return story


class LivePreviewAdmin:
    """StoryAdmin's preview of unsaved text."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.unsaved_preview_view)
        urls = [path("<path:object_id>/preview/", view, name="stories_story_unsaved_preview")]
        return urls + super().get_urls()

    @method_decorator(require_POST)
    def unsaved_preview_view(self, request, object_id):
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("There is no such story; it may have been deleted.")
        if not (
            story.can(request.user, "preview") or WorkingCopy.may_prepare(story, request.user)
        ):
            raise PermissionDenied
        story = as_if_published(with_posted_text(story, request.POST))
        # Rendered, never saved: the instance goes out of scope with the response.
        return private(story_page(request, story, template="stories/preview.html", unsaved=True))
