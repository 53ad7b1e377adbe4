"""Developing stories in a real browser: an editor marks an update and readers see it; a
reader's open live page gains new updates by itself; a thread's page and its stories
link the developments in time order. Screenshots at phone and desktop widths."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from stories.models import Citation, LiveUpdate, Story, Thread
from tests.test_editorial_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture
def editor(django_user_model):
    # Transactional tests empty the database after each test, groups included, so
    # the groups are made again here the way the migrations make them.
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    importlib.import_module("stories.migrations.0009_threads").grant_permissions(apps, None)
    user = django_user_model.objects.create_user(
        "edna", first_name="Edna", last_name="Editor", is_staff=True
    )
    user.groups.add(apps.get_model("auth", "Group").objects.get(name="Editor"))
    return user


def reader_page(browser, width="desktop"):
    return browser.new_context(viewport={"width": WIDTHS[width], "height": 900}).new_page()


def test_an_editor_marks_an_update_and_the_reader_sees_it_with_its_note_and_time(
    browser, live_server, screenshots, editor, make_story
):
    story = make_story("Harbour ferries go electric", published=True,
                       published_at=timezone.now() - timedelta(hours=2))  # fmt: skip
    for n, publisher in enumerate(["Example Post", "Wire Service", "Example Post"]):
        Citation.objects.create(
            story=story, position=n, title=f"Report {n}", url=f"https://x{n}.example.org/",
            publisher_name=publisher, published_on=timezone.localdate() - timedelta(days=n),
        )  # fmt: skip
    edna = signed_in(browser, live_server, editor)

    edna.goto(live_server.url + reverse("admin:stories_story_change", args=[story.pk]))
    edna.fill("#id_dek", "The first electric ferry sailed on time.")
    edna.fill("#id_update_note", "Adds the first sailing.")
    edna.screenshot(path=screenshots / "editor-notes-update.png", full_page=True)
    # The note goes live with the changes it describes (tests/test_working_copies.py).
    with edna.expect_navigation():
        edna.get_by_role("button", name="Save and publish changes").click()
    assert "Readers now see it as updated" in edna.content()
    update = story.corrections.get()

    for width in WIDTHS:
        reader = reader_page(browser, width)
        reader.goto(live_server.url + story.get_absolute_url())
        line = reader.locator(".story-updated")
        assert "Adds the first sailing." in line.inner_text()
        time = line.locator("time")
        assert time.get_attribute("datetime") == (
            timezone.localtime(update.at).replace(microsecond=0).isoformat()
        )
        assert time.inner_text() == timezone.localtime(update.at).strftime("%H:%M UTC, %-d %B %Y")
        assert "Adds the first sailing." in reader.locator(".corrections").inner_text()
        assert "by Edna Editor" in reader.locator(".corrections").inner_text()
        reader.locator(".coverage summary").click()  # open the publishers' list
        reader.screenshot(path=screenshots / f"story-{width}.png", full_page=True)
        reader.context.close()
    edna.context.close()


def test_a_readers_open_live_page_shows_a_new_update_within_five_seconds(
    browser, live_server, screenshots, make_story
):
    story = make_story("Storm makes landfall", type_of_work=Story.TypeOfWork.LIVE,
                       published=True)  # fmt: skip
    LiveUpdate.objects.create(story=story, body="<p>Winds rise along the coast.</p>",
                              pinned=True, at=timezone.now() - timedelta(minutes=20))  # fmt: skip
    LiveUpdate.objects.create(story=story, body="<p>Schools close early.</p>",
                              at=timezone.now() - timedelta(minutes=10))  # fmt: skip
    reader = reader_page(browser, "phone")
    errors = []
    reader.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    reader.goto(live_server.url + story.get_absolute_url())
    assert reader.locator(".live-auto").is_visible()
    assert not reader.locator(".live-refresh").is_visible()
    reader.evaluate("window.notReloaded = true")

    new = LiveUpdate.objects.create(story=story, body="<p>The eye passes over the port.</p>")

    reader.locator(f"#update-{new.pk}").wait_for(timeout=5000)
    assert reader.evaluate("window.notReloaded") is True
    first = reader.locator(".live-list article").first
    assert first.get_attribute("id") == f"update-{new.pk}"
    assert "The eye passes over the port." in first.inner_text()
    reader.screenshot(path=screenshots / "live-phone.png", full_page=True)
    assert not errors, errors  # the CSP let the script and its requests through
    reader.context.close()

    desktop = reader_page(browser, "desktop")
    desktop.goto(live_server.url + story.get_absolute_url())
    desktop.screenshot(path=screenshots / "live-desktop.png", full_page=True)
    desktop.context.close()


def test_a_thread_page_lists_its_stories_in_time_order_and_each_links_its_neighbours(
    browser, live_server, screenshots, make_story
):
    talks = Thread.objects.create(
        name="Gaza ceasefire talks", description="Negotiations for a ceasefire in Gaza."
    )
    now = timezone.now()
    stories = [
        make_story(headline, thread=talks, published=True, published_at=now - timedelta(hours=h))
        for h, headline in [(30, "Talks open in Doha"), (20, "Talks stall"), (2, "Talks resume")]
    ]
    for width in WIDTHS:
        page = reader_page(browser, width)
        page.goto(live_server.url + talks.get_absolute_url())
        headlines = page.locator(".timeline-headline").all_inner_texts()
        assert headlines == [s.headline for s in reversed(stories)]
        page.screenshot(path=screenshots / f"thread-{width}.png", full_page=True)
        page.context.close()

    # From the oldest, "next development" walks to the newest; "previous" walks back.
    page = reader_page(browser)
    page.goto(live_server.url + stories[0].get_absolute_url())
    assert not page.locator(".thread-nav a[rel=prev]").count()
    for story in stories[1:]:
        page.locator(".thread-nav a[rel=next]").click()
        page.wait_for_url(live_server.url + story.get_absolute_url())
    assert not page.locator(".thread-nav a[rel=next]").count()
    page.screenshot(path=screenshots / "story-in-thread-desktop.png", full_page=True)
    for story in reversed(stories[:-1]):
        page.locator(".thread-nav a[rel=prev]").click()
        page.wait_for_url(live_server.url + story.get_absolute_url())
    page.locator(".thread-name a").click()
    page.wait_for_url(live_server.url + talks.get_absolute_url())
    page.context.close()
