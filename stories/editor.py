"""The admin's writing tools: the rich-text editor and the story form's small helpers.

The editor is django-prose-editor's build of Tiptap (ProseMirror), served from the
site's own static files. Its schema is richtext.EDITOR_SCHEMA, passed to the page in
a data attribute: the site's CSP allows no inline script, so neither the package's
import map nor an inline configuration block is used; stories/admin/richtext.js
imports the editor module by the URL given here.
"""

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.widgets import Script
from django.templatetags.static import static

from stories import richtext

EDITOR_MODULE = "django_prose_editor/editor.js"

# What search engines show of a page's title and description before cutting it short
# (about 60 and 155 characters on a desktop results page).
TITLE_LENGTH_SHOWN = 60
DESCRIPTION_LENGTH_SHOWN = 155

# An empty paragraph or subheading (pressing Enter twice): nothing for a reader.
_EMPTY_BLOCK = re.compile(r"<(p|h2|h3)>(?:\s|&nbsp;|<br>)*</\1>")


class RichTextEditor(forms.Textarea):
    """A textarea the editor replaces in the browser; without script, the HTML itself."""

    def __init__(self, *, label, attrs=None):
        self.label = label
        super().__init__(attrs={"rows": 12, "class": "vLargeTextField", **(attrs or {})})

    @property
    def media(self):
        return forms.Media(
            css={"all": ["stories/admin/richtext.css"]},
            js=[Script("stories/admin/richtext.js", type="module")],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        config = {
            "label": self.label,
            "extensions": list(richtext.EDITOR_SCHEMA),
            "headings": sorted(int(tag[1]) for tag in richtext.EDITOR_SCHEMA["Heading"]),
            "schemes": sorted(richtext.ALLOWED_URL_SCHEMES),
        }
        context["widget"]["attrs"]["data-richtext"] = json.dumps(config, separators=(",", ":"))
        context["widget"]["attrs"]["data-richtext-module"] = static(EDITOR_MODULE)
        return context


class RichTextField(forms.CharField):
    """Rich text as the editor sends it; a save that changes nothing keeps the bytes stored.

    The editor writes the same content in other bytes than an import does (no line
    break between blocks), and browsers send CRLF: unchanged content counts as
    unchanged (has_changed), so the history names only what a writer changed.
    """

    def __init__(self, *, label, **kwargs):
        kwargs.setdefault("widget", RichTextEditor(label=label))
        super().__init__(label=label, strip=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value).replace("\r\n", "\n")
        return _EMPTY_BLOCK.sub("", value).strip()

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            data = self.to_python(data)
        except ValidationError:
            return True
        return not richtext.same_content(initial or "", data)


def length_advice(*, shown, what):
    """Attributes for a text input whose length story_form.js counts against `shown`."""
    return {"data-length-shown": shown, "data-length-what": what}
