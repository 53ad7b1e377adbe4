"""The writing desk: the story form a journalist works in, without a browser.

Rich text is kept as the editor makes it and the sanitiser keeps it (the browser tests
in test_writing_desk_browser.py drive the editor itself); a save tells the writer what
the sanitiser removed; content said in other bytes is not a change.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.config import allowlist_from_extensions
from reversion.models import Version

from stories import richtext
from stories.editor import RichTextEditor
from stories.forms import StoryForm
from stories.models import Story
from tests.test_admin import form_data, messages_of

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


# --- The story form in the admin -------------------------------------------------------

S = Story.Status


@pytest.fixture
def rita(db, django_user_model):
    """A reporter: only put in the Reporter group, which is enough to sign in."""
    user = django_user_model.objects.create_user("rita", "rita@example.com", first_name="Rita")
    user.groups.add(Group.objects.get(name="Reporter"))
    return user


@pytest.fixture
def edna(db, django_user_model):
    user = django_user_model.objects.create_user("edna", "edna@example.com", first_name="Edna")
    Group.objects.get(name="Editor").user_set.add(user)
    return user


def test_being_a_reporter_or_editor_is_enough_to_sign_in(client, rita, edna):
    rita.refresh_from_db()
    edna.refresh_from_db()
    assert rita.is_staff and edna.is_staff
    client.force_login(rita)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def headline_only(db, rita):
    """What "Create story from selected sources" makes: a headline and nothing else."""
    story = Story.objects.create(title="Port cranes", headline="Port cranes")
    story.authors.add(rita)
    return story


CHECKLIST = [
    "The dek is empty: write the one-sentence standfirst under the headline.",
    "The body has no paragraph: write the story's text.",
    "No section is chosen: file the story in a section.",
]


def test_a_headline_only_story_cannot_be_published_or_scheduled_by_any_path(
    client, headline_only, edna
):
    story = headline_only
    # The checklist, each item naming its field.
    assert story.publication_problems() == CHECKLIST
    assert [p.field for p in story.publication_problems()] == ["dek", "body", "section"]
    # The model method, now and at a time.
    for when in (None, timezone.now() + timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            story.publish(by=edna, when=when)
        assert refused.value.messages == CHECKLIST

    client.force_login(edna)
    change = reverse("admin:stories_story_change", args=[story.pk])
    page = client.get(change)
    # Shown on the form, each item a link to its field.
    assert page.context["publication_problems"] == CHECKLIST
    assert '<a href="#id_dek">The dek is empty' in page.text
    data = form_data(page)
    # The form's buttons: publish now, schedule.
    for button, extra in [
        ("published", {}),
        ("scheduled", {"publish_at_0": "2099-01-01", "publish_at_1": "10:00"}),
    ]:
        response = client.post(change, {**data, "transition": button, **extra})
        assert response.status_code == 200
        errors = " ".join(response.context["adminform"].form.non_field_errors())
        assert errors == "The status was not changed: " + " ".join(CHECKLIST)
    # The bulk action.
    response = client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "publish_now", "_selected_action": [story.pk]},
    )
    assert messages_of(response) == [
        ("error", "“Port cranes” was left as it was: " + " ".join(CHECKLIST))
    ]
    story.refresh_from_db()
    assert story.status == S.DRAFT and story.published_at is None
    assert not Story.objects.published().exists()


def test_history_names_only_the_fields_whose_content_changed(client, make_story, rita):
    story = make_story("Zeppelins", dek="Line one.\nLine two.")
    story.authors.add(rita)
    client.force_login(rita)
    change = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(change))
    # As a browser posts it: CRLF in every textarea, the body as the editor writes it.
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    data["story_line"] = "Zeppelins are back"
    data["body"] = data["body"].replace("\r\n", "")
    data["transition"] = "in_review"
    response = client.post(change, data)
    assert response.status_code == 302
    entry = LogEntry.objects.filter(object_id=str(story.pk)).latest("action_time")
    assert entry.get_change_message() == "Changed the story line. Submitted for review."
    story.refresh_from_db()
    assert story.dek == "Line one.\nLine two."
    assert Version.objects.get_for_object(story).first().revision.comment == (
        "Changed the story line. Submitted for review."
    )


def test_a_save_says_what_the_sanitiser_removed_instead_of_success(client, make_story, rita):
    story = make_story("Votes")
    story.authors.add(rita)
    client.force_login(rita)
    change = reverse("admin:stories_story_change", args=[story.pk])
    data = form_data(client.get(change))
    data["body"] = "<p>The count:</p><table><tr><td>Votes</td><td>212</td></tr></table>"
    response = client.post(change, {**data, "_continue": "Save"})
    assert messages_of(response) == [
        (
            "warning",
            "The story was saved, but not all of what was sent could be kept. Removed from the "
            "body: <table>, keeping its text (only paragraphs, subheadings, bold, italic, links, "
            "lists and quotes are kept). Check the text below.",
        )
    ]
    story.refresh_from_db()
    assert story.body == "<p>The count:</p>Votes212"


def test_tags_are_suggested_from_those_in_use(client, make_story, rita, django_assert_num_queries):
    make_story("One").tags.add("energy", "Energiewende", "shipping")
    make_story("Two").tags.add("energy")
    client.force_login(rita)
    url = reverse("admin:stories_story_tag_suggestions")
    add = client.get(reverse("admin:stories_story_add")).text
    assert f'data-tag-suggestions="{url}"' in add
    # The session and user, their permissions (two), the tags; the session's new expiry
    # (three: it expires after inactivity).
    with django_assert_num_queries(8):
        response = client.get(url, {"q": "ENER"})
    assert response.json() == {"tags": ["energy", "Energiewende"]}
    assert client.get(url, {"q": ""}).json() == {"tags": []}
    client.logout()
    assert client.get(url, {"q": "e"}).status_code == 302  # to the sign-in page


def test_a_reporter_adds_co_authors_but_stays_one(client, make_story, rita, django_user_model):
    colleague = django_user_model.objects.create_user("carl", first_name="Carl", last_name="Cole")
    colleague.groups.add(Group.objects.get(name="Reporter"))
    django_user_model.objects.create_user("reader")  # not in the newsroom: not offered
    story = make_story("Bridges")
    story.authors.add(rita)
    client.force_login(rita)
    change = reverse("admin:stories_story_change", args=[story.pk])
    page = client.get(change)
    offered = page.context["adminform"].form.fields["authors"]
    assert [offered.label_from_instance(u) for u in offered.queryset] == [
        "Carl Cole (carl)",
        "Rita (rita)",
    ]
    data = form_data(page)
    response = client.post(change, {**data, "authors": [rita.pk, colleague.pk]})
    assert response.status_code == 302
    assert set(story.authors.all()) == {rita, colleague}
    response = client.post(change, {**form_data(client.get(change)), "authors": [colleague.pk]})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["authors"] == [
        "Keep yourself among the authors: reporters edit only the stories they write."
    ]
