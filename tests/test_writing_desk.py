"""The writing desk: the story form a journalist works in, without a browser.

Rich text is kept as the editor makes it and the sanitiser keeps it (the browser tests
in test_writing_desk_browser.py drive the editor itself); a save tells the writer what
the sanitiser removed; content said in other bytes is not a change.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django_prose_editor.config import allowlist_from_extensions

from stories import richtext
from stories.editor import RichTextEditor
from stories.forms import StoryForm

ROOT = Path(__file__).resolve().parent.parent


def test_the_editor_schema_is_the_sanitisers_allowlist():
    # django-prose-editor's own table of what each of its extensions writes, for the
    # editor as the story form configures it...
    configured = {name: True for name in richtext.EDITOR_SCHEMA}
    configured["Heading"] = {"levels": [2, 3]}
    library = allowlist_from_extensions(configured)["tags"]
    # ...is what the sanitiser keeps, but for the old spellings of bold and italic, which
    # the editor reads and writes as <strong> and <em>.
    assert library == richtext.ALLOWED_TAGS - {"b", "i"}
    widget = RichTextEditor(label="Body").render("body", "<p>x</p>")
    assert 'data-richtext="{&quot;label&quot;:&quot;Body&quot;' in widget
    assert "&quot;headings&quot;:[2,3]" in widget
    assert "&quot;schemes&quot;:[&quot;http&quot;,&quot;https&quot;]" in widget
    assert 'data-richtext-module="/static/django_prose_editor/editor.js"' in widget


def test_what_the_sanitiser_removes_is_said_in_words():
    assert richtext.removed_markup("<h2>Votes</h2><p>Kept <strong>as</strong> is.</p>") == []
    removed = richtext.removed_markup(
        '<p style="color:red">Votes</p><table><tr><td>Votes</td><td>212</td></tr></table>'
        '<iframe src="https://video.example/"></iframe><script>alert(1)</script>'
        '<a href="javascript:alert(1)">click</a>'
    )
    assert removed == [
        "<script> with everything in it (code and styling are never kept)",
        "<iframe>, <table>, keeping their text (only paragraphs, subheadings, bold, italic, "
        "links, lists and quotes are kept)",
        "the link to “javascript:alert(1)”, keeping its text (links go to web pages: http:// "
        "or https:// only)",
        "the attribute style (the site sets layout and styling itself)",
    ]


def test_the_same_content_in_other_bytes_is_the_same():
    stored = "<p>One &amp; two.</p>\n<h2>Then</h2>\n<p><b>Three</b></p>"
    assert richtext.same_content(
        stored, "<p>One &amp; two.</p><h2>Then</h2><p><strong>Three</strong></p>"
    )
    assert richtext.same_content(stored, stored.replace("\n", "\r\n"))
    assert not richtext.same_content(stored, stored.replace("Three", "Four"))
    assert not richtext.same_content(stored, stored.replace("<h2>Then</h2>", "<p>Then</p>"))


@pytest.mark.django_db
def test_a_save_that_changes_no_content_keeps_the_stored_bytes(make_story):
    story = make_story("Zeppelins", dek="Line one.\nLine two.")
    story.body = "<p>First.</p>\n<h2>Sub</h2>\n<p>Second.</p>"
    story.save()
    data = {
        "title": story.title,
        "headline": story.headline,
        # As the browser sends them: CRLF, and the editor's way of writing the blocks.
        "dek": "Line one.\r\nLine two.",
        "story_line": story.story_line,
        "summary": story.summary.replace("\n", "\r\n"),
        "full_headline": story.full_headline,
        "body": "<p>First.</p><h2>Sub</h2><p>Second.</p>",
        "section": story.section_id,
        "tags": "",
        "slug": story.slug,
    }
    form = StoryForm(data, instance=story)
    assert form.is_valid(), form.errors
    assert form.changed_data == []
    form.save()
    story.refresh_from_db()
    assert story.body == "<p>First.</p>\n<h2>Sub</h2>\n<p>Second.</p>"
    assert story.dek == "Line one.\nLine two."

    form = StoryForm(
        {**data, "body": "<p>First!</p><h2>Sub</h2><p>Second.</p><p></p>"}, instance=story
    )
    assert form.is_valid(), form.errors
    assert form.changed_data == ["body"]
    assert form.cleaned_data["body"] == "<p>First!</p><h2>Sub</h2><p>Second.</p>"
    assert form.markup_removed == {}

    form = StoryForm(
        {**data, "body": "<p>First.</p><table><tr><td>212</td></tr></table>"}, instance=story
    )
    assert form.is_valid(), form.errors
    assert list(form.markup_removed) == ["Body"]


@pytest.mark.django_db
def test_the_title_is_the_headline_unless_given(world):
    form = StoryForm({"headline": "Tug runs on hydrogen", "tags": "", "section": world.pk})
    assert form.is_valid(), form.errors
    assert form.save().title == "Tug runs on hydrogen"


def settings_value(name, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import newsroom.settings as s; print(s.{name})"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_emails_carry_absolute_links_in_development_too():
    assert settings_value("NEWSROOM_SITE_URL", DJANGO_DEBUG="1").stdout.strip() == (
        "http://127.0.0.1:8000"
    )
    given = settings_value(
        "NEWSROOM_SITE_URL", DJANGO_DEBUG="1", NEWSROOM_SITE_URL="http://127.0.0.1:8080/"
    )
    assert given.stdout.strip() == "http://127.0.0.1:8080"
    wrong = settings_value(
        "NEWSROOM_SITE_URL", DJANGO_DEBUG="1", NEWSROOM_SITE_URL="news.example.org"
    )
    assert wrong.returncode != 0
    assert "NEWSROOM_SITE_URL 'news.example.org' must be an absolute address" in wrong.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert 'NEWSROOM_SITE_URL="$${NEWSROOM_SITE_URL:-http://127.0.0.1:$(PORT)}"' in makefile
