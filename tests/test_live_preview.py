"""The preview shows the form's unsaved text as readers would see it, and saves nothing."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from stories import page_cache, richtext
from stories.models import Autosave, WorkingCopy
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("edna", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def test_the_preview_renders_the_posted_text_and_saves_nothing(make_story, editor):
    story = make_story("Harbour ferries go electric", published=True)
    client = Client()
    client.force_login(editor)
    data = form_data(client.get(reverse("admin:stories_story_change", args=[story.pk])))
    data["headline"] = "Harbour ferries go electric in June"
    data["body"] = "<p>Typed, not saved.</p><script>alert(1)</script>"
    version, stamp = story.version, page_cache.latest_purge()

    response = client.post(reverse("admin:stories_story_unsaved_preview", args=[story.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Harbour ferries go electric in June" in page
    assert "<p>Typed, not saved.</p>" in page
    assert "alert(1)" not in page  # sanitised as a save would
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    story.refresh_from_db()
    assert (story.headline, story.version) == ("Harbour ferries go electric", version)
    assert story.body == richtext.blocks_to_html(
        [richtext.Block("p", "Body of Harbour ferries go electric.")]
    )
    assert not WorkingCopy.objects.exists() and not Autosave.objects.exists()
    assert page_cache.latest_purge() == stamp


def test_who_may_not_preview_the_story_gets_no_preview(make_story, django_user_model):
    story = make_story("Someone else's draft")
    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    client = Client()
    client.force_login(reporter)
    response = client.post(
        reverse("admin:stories_story_unsaved_preview", args=[story.pk]), {"body": "<p>x</p>"}
    )
    assert response.status_code == 403
