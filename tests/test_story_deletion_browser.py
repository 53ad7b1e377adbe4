"""Deleting a published story in a real browser: the editor is told to withdraw it."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from stories.models import Section, Story
from tests.test_editorial_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_in_the_browser_an_editor_deleting_a_published_story_is_told_to_withdraw_it(
    browser, live_server, screenshots, django_user_model
):
    # Transactional tests empty the database, groups included: made again as the
    # migration makes them.
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    # Made here, not by make_story: its fixtures would make this test non-transactional.
    story = Story.objects.create(
        title="Published harbour story",
        headline="Published harbour story",
        dek="A story that is published.",
        body="<p>Readers can see it.</p>",
        section=Section.objects.create(name="World", slug="world"),
    )
    story.publish()
    page = signed_in(browser, live_server, editor)

    page.goto(live_server.url + reverse("admin:stories_story_changelist"))
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.select_option("select[name=action]", "delete_selected")
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()

    page.screenshot(path=screenshots / "bulk-delete-refused.png", full_page=True)
    error = page.locator(".messagelist .error")
    assert "withdraw it instead" in error.inner_text()
    assert Story.objects.filter(pk=story.pk).exists()
