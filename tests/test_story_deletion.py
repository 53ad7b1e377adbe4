"""A story readers have been given is withdrawn, not deleted: only a superuser deletes it.

Deleting one would turn its address from 410 Gone into 404 and lose its record. The
refusal says to withdraw it instead, from the model, the admin's delete page and its
"Delete selected stories" action alike.
"""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from stories.models import Story

pytestmark = pytest.mark.django_db

S = Story.Status


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def chief(django_user_model):
    return django_user_model.objects.create_superuser("chief")


@pytest.fixture
def stories(make_story):
    withdrawn = make_story("Withdrawn harbour story", published=True)
    withdrawn.change_status(S.WITHDRAWN)
    return {
        "draft": make_story("Draft harbour story"),
        "published": make_story("Published harbour story", published=True),
        "withdrawn": withdrawn,
    }


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("state", ["published", "withdrawn"])
def test_an_editor_may_not_delete_a_story_readers_have_seen(stories, editor, state):
    story = stories[state]

    with pytest.raises(PermissionDenied) as refused:
        story.delete(by=editor)

    assert story.headline in str(refused.value)
    assert Story.objects.filter(pk=story.pk).exists()
    assert story.delete_refusal(editor) in str(refused.value)


def test_the_refusal_of_a_published_story_says_to_withdraw_it(stories, editor):
    assert "withdraw it instead" in stories["published"].delete_refusal(editor)


def test_an_editor_may_delete_a_draft_and_a_superuser_any_story(stories, editor, chief):
    stories["draft"].delete(by=editor)
    stories["published"].delete(by=chief)
    stories["withdrawn"].delete(by=chief)

    assert not Story.objects.exists()


def test_the_admin_delete_page_sends_an_editor_back_saying_to_withdraw(client, stories, editor):
    client.force_login(editor)
    story = stories["published"]
    delete = reverse("admin:stories_story_delete", args=[story.pk])

    for response in (client.get(delete), client.post(delete, {"post": "yes"})):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:stories_story_change", args=[story.pk])
        assert any("withdraw it instead" in message for message in messages_of(response))
    assert Story.objects.filter(pk=story.pk).exists()
    change_form = client.get(reverse("admin:stories_story_change", args=[story.pk]))
    assert delete not in change_form.content.decode()


def test_the_bulk_delete_action_deletes_nothing_when_a_selected_story_was_published(
    client, stories, editor
):
    client.force_login(editor)
    selected = [stories["draft"].pk, stories["published"].pk]

    response = client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    assert response.status_code == 302
    [refusal] = messages_of(response)
    assert stories["published"].headline in refusal and "withdraw it instead" in refusal
    assert Story.objects.filter(pk__in=selected).count() == 2


def test_the_bulk_delete_action_still_deletes_drafts(client, stories, editor):
    client.force_login(editor)

    response = client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "delete_selected", "_selected_action": [stories["draft"].pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Story.objects.filter(pk=stories["draft"].pk).exists()


def test_a_superuser_deletes_a_published_story_in_the_admin(client, stories, chief):
    client.force_login(chief)
    story = stories["published"]

    response = client.post(reverse("admin:stories_story_delete", args=[story.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Story.objects.filter(pk=story.pk).exists()
    assert client.get(story.get_absolute_url()).status_code == 404
