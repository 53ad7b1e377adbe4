"""What is typed into a story's form is kept on the server, for that person only, until saved."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from stories import page_cache
from stories.models import Autosave, Story
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


def person(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(django_user_model):
    return person(django_user_model, "edna", "Editor")


@pytest.fixture
def other_editor(django_user_model):
    return person(django_user_model, "otto", "Editor")


def signed_in(user):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def autosave_url(story):
    return reverse("admin:stories_story_autosave", args=[story.pk])


def change_url(story):
    return reverse("admin:stories_story_change", args=[story.pk])


def test_typing_is_kept_for_its_writer_alone_and_is_no_revision(
    make_story, editor, other_editor, django_assert_num_queries
):
    story = make_story("Harbour ferries go electric")
    client = signed_in(editor)
    data = form_data(client.get(change_url(story)))
    data["headline"] = "Harbour ferries go electric in June"
    version = story.version
    stamp = page_cache.latest_purge()

    # The session (read, and written back: SESSION_SAVE_EVERY_REQUEST), the user, the
    # story, the user's two permission lists, the upsert with its savepoints: a fixed
    # number, whatever the story holds.
    with django_assert_num_queries(14):
        response = client.post(autosave_url(story), data)

    assert response.status_code == 200
    assert "time" in response.json()
    kept = Autosave.objects.get(user=editor, story=story)
    assert kept.data["headline"] == ["Harbour ferries go electric in June"]
    assert "csrfmiddlewaretoken" not in kept.data
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Harbour ferries go electric", version)
    assert page_cache.latest_purge() == stamp
    # The other editor is offered nothing.
    assert signed_in(other_editor).get(change_url(story)).context["autosave_kept"] is None


def test_reopening_offers_to_restore_and_restoring_fills_the_form(make_story, editor):
    story = make_story("Harbour ferries go electric")
    client = signed_in(editor)
    data = form_data(client.get(change_url(story)))
    client.post(autosave_url(story), {**data, "dek": "A dek typed but never saved."})

    offered = client.get(change_url(story))
    assert "You have unsaved changes from" in offered.content.decode()
    assert offered.context["adminform"].form["dek"].value() == story.dek

    restored = client.get(change_url(story) + "?restore=autosave")
    assert restored.context["adminform"].form["dek"].value() == "A dek typed but never saved."
    assert "Restored your unsaved changes" in restored.content.decode()

    # Saving drops what was kept.
    data = form_data(restored)
    assert client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.dek == "A dek typed but never saved."
    assert not Autosave.objects.exists()


def test_a_signed_out_autosave_answers_json_not_the_sign_in_page(make_story, editor):
    story = make_story("Harbour ferries go electric")
    client = signed_in(editor)
    data = form_data(client.get(change_url(story)))
    client.logout()

    response = client.post(autosave_url(story), data)

    assert response.status_code == 401
    assert response.json()["login"] == reverse("admin:login")
    assert not Autosave.objects.exists()


def test_who_may_not_change_the_story_cannot_keep_changes_to_it(make_story, django_user_model):
    reporter = person(django_user_model, "rita", "Reporter")
    story = make_story("Someone else's draft", status=Story.Status.DRAFT)
    response = signed_in(reporter).post(autosave_url(story), {"headline": "Mine now"})
    assert response.status_code == 403
    assert not Autosave.objects.exists()


def test_a_new_story_is_kept_too_and_restored_on_the_add_form(editor):
    client = signed_in(editor)
    client.post(reverse("admin:stories_story_autosave_new"), {"headline": "Unsaved scoop"})
    page = client.get(reverse("admin:stories_story_add") + "?restore=autosave")
    assert page.context["adminform"].form["headline"].value() == "Unsaved scoop"


def test_discarding_drops_what_was_kept(make_story, editor):
    story = make_story("Harbour ferries go electric")
    client = signed_in(editor)
    client.post(autosave_url(story), {"headline": "Never mind"})
    response = client.post(reverse("admin:stories_story_autosave_discard", args=[story.pk]))
    assert response.status_code == 302
    assert not Autosave.objects.exists()
