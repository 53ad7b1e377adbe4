"""Who else has a story open, and who is typing, answered to the form's heartbeat."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from stories import page_cache
from stories.models import Autosave, Presence

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(django_user_model):
    people = []
    for username, first in (("anna", "Anna"), ("ben", "Ben")):
        user = django_user_model.objects.create_user(username, first_name=first, is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        people.append(user)
    return people


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_heartbeat_names_the_others_and_who_is_typing(
    editors, make_story, django_assert_max_num_queries
):
    story = make_story("Wetland bird count", published=True)
    anna, ben = editors
    url = reverse("admin:stories_story_presence", args=[story.pk])
    stamp = page_cache.latest_purge()

    assert signed_in(anna).post(url).json() == {"others": []}
    ben_client = signed_in(ben)
    assert ben_client.post(url).json() == {"others": [{"name": "Anna", "typing": False}]}

    Autosave.keep(anna, story, {"dek": ["Typing…"]})
    with django_assert_max_num_queries(16):
        answer = ben_client.post(url).json()
    assert answer == {"others": [{"name": "Anna", "typing": True}]}
    assert page_cache.latest_purge() == stamp  # no cached reader page dropped


def test_leaving_the_page_ends_the_presence(editors, make_story):
    story = make_story("Wetland bird count")
    anna = signed_in(editors[0])
    anna.post(reverse("admin:stories_story_presence", args=[story.pk]))
    assert Presence.objects.filter(story=story).count() == 1
    anna.post(reverse("admin:stories_story_presence_leave", args=[story.pk]))
    assert not Presence.objects.filter(story=story).exists()


def test_signed_out_the_heartbeat_answers_401(make_story):
    story = make_story("Wetland bird count")
    response = Client().post(reverse("admin:stories_story_presence", args=[story.pk]))
    assert response.status_code == 401
