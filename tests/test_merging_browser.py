"""Two editors on one story in real browsers: different fields merge, the same field is
settled by a per-field choice, and nobody retypes anything."""

import pytest
from django.contrib.auth.models import Group

from stories.models import Section, Story
from tests.test_writing_desk_browser import admin_url, press, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_editors(django_user_model):
    import importlib

    from django.apps import apps

    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    people = []
    for name, first in (("anna", "Anna"), ("ben", "Ben")):
        user = django_user_model.objects.create_user(name, first_name=first, is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        people.append(user)
    return people


@pytest.fixture
def story(db):
    section = Section.objects.create(name="World", slug="world")
    return Story.objects.create(
        headline="Wetland bird count", dek="Volunteers count the geese.", section=section
    )


def test_two_editors_merge_different_fields_and_choose_for_the_same_one(
    browser, live_server, screenshots, two_editors, story
):
    anna, ben = (signed_in(browser, live_server, user) for user in two_editors)
    url = admin_url(live_server, "change", story.pk)
    anna.goto(url)
    ben.goto(url)

    ben.fill("#id_headline", "Record bird count")
    press(ben, "Save")
    anna.fill("#id_dek", "Twice as many geese as last year.")
    press(anna, "Save")
    anna.screenshot(path=screenshots / "1-merged.png")
    assert anna.get_by_text("your changes were merged with theirs").is_visible()
    story.refresh_from_db()
    assert (story.headline, story.dek) == (
        "Record bird count",
        "Twice as many geese as last year.",
    )

    ben.goto(url)
    anna.goto(url)
    ben.fill("#id_dek", "Ben's dek.")
    press(ben, "Save")
    anna.fill("#id_dek", "Anna's dek.")
    anna.fill("#id_story_line", "Geese") if anna.locator("#id_story_line").is_visible() else None
    press(anna, "Save")
    clash = anna.locator(".merge-clashes")
    assert clash.get_by_role("row", name="Dek").is_visible()
    anna.screenshot(path=screenshots / "2-same-field-choice.png", full_page=True)
    clash.get_by_role("radio", name="Theirs").check()
    press(anna, "Save")
    story.refresh_from_db()
    assert story.dek == "Ben's dek."
    assert story.headline == "Record bird count"
    assert not anna.problems and not ben.problems, (anna.problems, ben.problems)


def test_who_else_has_the_story_open_and_types_shows_without_reloading(
    browser, live_server, screenshots, two_editors, story
):
    anna, ben = (signed_in(browser, live_server, user) for user in two_editors)
    url = admin_url(live_server, "change", story.pk)
    anna.goto(url)
    notice = anna.locator("#presence")
    assert notice.is_hidden()

    ben.goto(url)
    notice.get_by_text("Also open: Ben has this story open.").wait_for(timeout=15_000)
    ben.fill("#id_dek", "Ben is typing a new dek.")
    notice.get_by_text("Ben (typing now)").wait_for(timeout=20_000)
    anna.screenshot(path=screenshots / "1-ben-typing.png")

    ben.close()  # leaving says goodbye
    notice.wait_for(state="hidden", timeout=15_000)
    assert not anna.problems, anna.problems
