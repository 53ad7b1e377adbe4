"""`make run` gives a newcomer a working demo site and tells them how to log in."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from stories.models import Story

pytestmark = pytest.mark.django_db


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_the_demo_has_published_stories_in_several_sections_with_sources_and_entities(client):
    run("load_demo")
    published = Story.objects.published()
    assert published.count() >= 3
    assert published.values("section").distinct().count() >= 2
    for story in published:
        assert story.citations.exists(), story
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert story.headline in response.text
    assert Story.objects.filter(mentions__isnull=False).distinct().count() >= 3
    home = client.get("/")
    assert home.text.count("<article") >= published.count()


def test_loading_the_demo_again_leaves_the_site_as_it_is():
    run("load_demo")
    story = Story.objects.published().first()
    story.headline = "Edited by an editor"
    story.save()
    assert "demo content not loaded" in run("load_demo")
    story.refresh_from_db()
    assert story.headline == "Edited by an editor"
    assert Story.objects.count() == 4


def test_the_first_run_creates_an_administrator_and_prints_the_password(client):
    output = run("ensure_demo_admin", "--url", "http://127.0.0.1:8000")
    password = output.split("Password:")[1].split()[0]
    assert "http://127.0.0.1:8000/admin/" in output
    assert client.login(username="admin", password=password)
    assert client.get("/admin/").status_code == 200


def test_later_runs_create_no_account_and_reveal_no_password():
    get_user_model().objects.create_superuser("editor", password="a-long-password-1")
    output = run("ensure_demo_admin")
    assert "Password" not in output
    assert get_user_model().objects.count() == 1
