"""The editorial workflow in a real browser, from the first draft to the reader's page.

A reporter writes a story and submits it; an editor sends it back with a comment; the
reporter fixes it and resubmits; the editor approves and publishes it; a reader sees the
page. Screenshots of the admin at each step go to the test's screenshots folder.
"""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from stories.models import Section, Story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def newsroom_people(django_user_model):
    # Transactional tests empty the database after each test, groups included, so
    # the groups are made again here the way the migration makes them.
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    Group = apps.get_model("auth", "Group")

    def make(name, first, group):
        user = django_user_model.objects.create_user(
            name, f"{name}@example.com", first_name=first, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make("rita", "Rita", "Reporter"), make("edna", "Edna", "Editor")


def signed_in(browser, live_server, user):
    """A browser page with `user` signed in (by session cookie, as the admin would)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    return context.new_page()


def write(page, field, text):
    """Types `text` in place of what the rich-text field `field` holds."""
    surface = page.locator(f".field-{field} [role=textbox]")
    surface.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def pick_section(page, name):
    page.locator(".field-section .select2-selection").click()
    page.locator(".select2-search__field").fill(name)
    page.locator(".select2-results__option", has_text=name).click()


def press(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def test_a_story_goes_from_reporter_to_reader(browser, live_server, screenshots, newsroom_people):
    reporter, editor = newsroom_people
    Section.objects.create(name="Travel", slug="travel")
    rita = signed_in(browser, live_server, reporter)
    edna = signed_in(browser, live_server, editor)

    def admin(name, *args):
        return live_server.url + reverse(f"admin:stories_story_{name}", args=args)

    # The reporter writes a story and submits it.
    rita.goto(admin("add"))
    rita.fill("#id_headline", "Zeppelin flights return over the lake")
    rita.fill("#id_dek", "Sightseeing flights resume after twenty years.")
    write(rita, "summary", "Flights resume in May.")
    write(rita, "body", "The airship will fly twice a day.")
    pick_section(rita, "Travel")
    rita.screenshot(path=screenshots / "1-reporter-writes.png", full_page=True)
    press(rita, "Save and submit for review")
    assert "Submitted for review" in rita.content()
    rita.screenshot(path=screenshots / "2-reporter-submitted.png", full_page=True)
    story = Story.objects.get(headline="Zeppelin flights return over the lake")
    assert story.status == Story.Status.IN_REVIEW
    assert list(story.authors.all()) == [reporter]

    # The editor finds it on the desk and sends it back with a comment.
    edna.goto(live_server.url + reverse("admin:index"))
    edna.screenshot(path=screenshots / "3-editor-desk.png", full_page=True)
    edna.get_by_role("link", name=story.headline).click()
    edna.wait_for_url(admin("change", story.pk))
    edna.fill("#id_transition_comment", "Add the timetable and the ticket price.")
    edna.screenshot(path=screenshots / "4-editor-sends-back.png", full_page=True)
    press(edna, "Save and send back")
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT

    # The reporter sees the comment, fixes the story and resubmits it.
    rita.goto(admin("change", story.pk))
    assert (
        "Add the timetable and the ticket price."
        in rita.locator(".workflow-sent-back").inner_text()
    )
    write(rita, "body", "The airship will fly at 10:00 and 15:00; tickets cost 90 euros.")
    rita.screenshot(path=screenshots / "5-reporter-fixes.png", full_page=True)
    press(rita, "Save and submit for review")
    story.refresh_from_db()
    assert story.status == Story.Status.IN_REVIEW

    # The editor approves it, then publishes it.
    edna.goto(admin("change", story.pk))
    press(edna, "Save and approve")
    edna.goto(admin("change", story.pk))
    edna.screenshot(path=screenshots / "6-editor-approved.png", full_page=True)
    press(edna, "Save and publish now")
    assert "Published: readers can see it now." in edna.content()
    edna.screenshot(path=screenshots / "7-editor-published.png", full_page=True)
    story.refresh_from_db()
    assert story.is_published
    assert [c.action for c in story.status_changes.order_by("at", "pk")] == [
        "submit", "send_back", "submit", "approve", "publish"
    ]  # fmt: skip

    # A reader, signed in to nothing, sees the page.
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(live_server.url + story.get_absolute_url())
    assert reader.locator("h1").inner_text() == story.headline
    assert "tickets cost 90 euros" in reader.content()
    reader.screenshot(path=screenshots / "8-reader-sees-the-page.png", full_page=True)
    for page in (rita, edna, reader):
        page.context.close()
