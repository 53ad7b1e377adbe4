"""Corrections and updates: appended by editors to a published story, seen by readers,
and moving the story's modified time on."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from stories.models import Correction
from tests.test_admin import form_data


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("edna", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def published(make_story):
    return make_story("Harbour ferries go electric", published=True)


def test_readers_see_corrections_and_updates_under_the_story(client, published, editor):
    published.correct("An earlier version misnamed the harbour.", kind="correction", by=editor)
    published.correct(
        "The first ferry sailed at 09:00 & <b>on time</b>.", kind="update", by=editor
    )

    page = client.get(published.get_absolute_url()).content.decode()

    assert "Corrections and updates" in page
    # The newest update also heads the page (tests/test_update_log.py); the log is below.
    log = page.index("Corrections and updates")
    correction = page.index("An earlier version misnamed the harbour.", log)
    update = page.index("The first ferry sailed at 09:00 &amp; &lt;b&gt;on time&lt;/b&gt;.", log)
    assert correction < update  # oldest first
    assert "<strong>Correction</strong>" in page and "<strong>Update</strong>" in page


def test_a_story_without_corrections_has_no_empty_corrections_section(client, published):
    assert (
        "Corrections and updates" not in client.get(published.get_absolute_url()).content.decode()
    )


def test_a_correction_moves_the_modified_time_on(published, editor, monkeypatch):
    before = published.updated_at
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    correction = published.correct("A fix.", kind="correction", by=editor)
    published.refresh_from_db()
    assert published.updated_at == later > before
    assert correction.at == later


def test_a_correction_shows_as_the_pages_modified_time(client, published, editor, monkeypatch):
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    published.correct("A fix.", kind="correction", by=editor)
    page = client.get(published.get_absolute_url()).content.decode()
    assert f'content="{timezone.localtime(later).replace(microsecond=0).isoformat()}"' in page


def test_only_a_story_readers_can_see_takes_corrections(make_story, editor):
    draft = make_story("Not yet out")
    with pytest.raises(ValidationError, match="Only a story readers can see"):
        draft.correct("A fix.", kind="correction", by=editor)
    assert not Correction.objects.exists()


def test_a_correction_needs_a_text(published, editor):
    with pytest.raises(ValidationError, match="needs a text"):
        published.correct("   ", kind="correction", by=editor)


def test_editors_append_corrections_in_the_change_form_and_cannot_edit_them_after(
    client, published, editor
):
    client.force_login(editor)
    url = reverse("admin:stories_story_change", args=[published.pk])
    data = form_data(
        client.get(url),
        inline_rows={"corrections": [{"kind": "update", "text": "Service now hourly."}]},
    )
    assert client.post(url, data).status_code == 302
    correction = published.corrections.get()
    assert (correction.kind, correction.text, correction.by) == (
        "update",
        "Service now hourly.",
        editor,
    )

    # Once appended, it is shown read-only: no field to change it, no box to delete it.
    page = client.get(url)
    formset = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "corrections"
    )
    assert not formset.has_change_permission and not formset.has_delete_permission
