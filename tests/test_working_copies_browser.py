"""Working copies in a real browser: an editor changes a live story, readers see it only
once the changes are published, and cached reader pages show them at the next request."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from stories import richtext
from stories.models import Section, Story, WorkingCopy
from tests.test_writing_desk_browser import admin_url, editor, newsroom_people, press, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["newsroom_people"]  # the fixture, used by name


@pytest.fixture
def caching_on(settings):
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_story(db):
    section = Section.objects.create(name="World", slug="world")
    story = Story.objects.create(
        headline="Harbour ferries go electric",
        title="Harbour ferries go electric",
        dek="The port's first battery ferry.",
        story_line="Harbour ferries",
        full_headline="Harbour ferries go electric",
        section=section,
        summary=richtext.blocks_to_html([richtext.Block("p", "Battery ferries are coming.")]),
        body=richtext.blocks_to_html([richtext.Block("p", "The first ferry sails in May.")]),
    )
    story.publish()
    return story


def reader_sees(page, live_server, story):
    """The story page, the feed and the API as a reader (no session) gets them from the
    server: a browser keeps a page a minute itself (max-age), the server's cache longer."""
    urls = {
        "page": story.get_absolute_url(),
        "feed": reverse("stories:feed-rss"),
        "api": reverse("api:story", kwargs={"slug": story.slug}),
    }
    return {name: page.request.get(live_server.url + url).text() for name, url in urls.items()}


def test_an_editor_changes_a_live_story_and_publishes_the_changes(
    browser, live_server, screenshots, newsroom_people, live_story, caching_on
):
    _, edna = newsroom_people
    reader = browser.new_context().new_page()
    before = reader_sees(reader, live_server, live_story)  # cached from here on
    assert "May" in before["page"]

    page = signed_in(browser, live_server, edna)
    page.goto(admin_url(live_server, "change", live_story.pk))
    assert page.get_by_role("heading", name="This story is live").is_visible()
    page.fill("#id_headline", "Harbour ferries go electric in June")
    body = editor(page, "body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Tickets go on sale in April.")
    press(page, "Save changes (not live)")

    assert page.get_by_role("heading", name="Changes not yet live").is_visible()
    assert page.locator(".working-copy ins", has_text="June").first.is_visible()
    page.screenshot(path=screenshots / "1-working-copy-saved.png", full_page=True)
    assert reader_sees(reader, live_server, live_story) == before
    live_story.refresh_from_db()
    assert live_story.headline == "Harbour ferries go electric"
    assert "April" in WorkingCopy.objects.get(story=live_story).fields["body"]

    press(page, "Save and publish changes")
    assert page.get_by_text("Published the changes: readers see them now.").is_visible()
    page.screenshot(path=screenshots / "2-changes-published.png", full_page=True)
    after = reader_sees(reader, live_server, live_story)
    assert "Harbour ferries go electric in June" in after["page"]
    assert "Tickets go on sale in April." in after["page"]
    assert "Harbour ferries go electric in June" in after["feed"]
    assert "Tickets go on sale in April." in after["api"]
    reader = browser.new_context().new_page()
    reader.goto(live_server.url + live_story.get_absolute_url())
    reader.screenshot(path=screenshots / "3-reader-page-after.png", full_page=True)
    assert not page.problems, page.problems
