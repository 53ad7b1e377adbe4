"""Editors manage the image library; reporters add images and pick lead images."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(django_user_model):
    def make(username, group):
        user = django_user_model.objects.create_user(username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


def test_an_editor_can_open_and_add_to_the_image_library(client, member):
    client.force_login(member("editor", "Editor"))
    assert client.get("/admin/stories/image/").status_code == 200
    assert client.get("/admin/stories/image/add/").status_code == 200


def test_a_reporter_can_add_images_but_not_delete_them(client, member):
    reporter = member("reporter", "Reporter")
    client.force_login(reporter)
    assert client.get("/admin/stories/image/add/").status_code == 200
    assert reporter.has_perm("stories.view_image")
    assert not reporter.has_perm("stories.delete_image")
