"""Working copies in a real browser: an editor changes a live story, readers see it only
once the changes are published, and cached reader pages show them at the next request."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from stories import richtext
from stories.models import Autosave, Section, Story, WorkingCopy
from tests.test_accessibility import AXE, AXE_RULES, INSTALL, describe
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


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} ({INSTALL})")
    return AXE.read_text(encoding="utf-8")


def axe_problems(page, axe_source):
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", AXE_RULES
    )
    return describe(result["violations"])


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_new_parts_of_the_story_form_are_accessible(
    browser, live_server, screenshots, newsroom_people, live_story, axe_source, width
):
    _, edna = newsroom_people
    otto = type(edna).objects.create_user("otto", first_name="Otto", is_staff=True)
    otto.groups.set(edna.groups.all())
    WorkingCopy.keep(live_story, {"headline": "Harbour ferries go electric in June"}, by=edna)
    Autosave.keep(edna, live_story, {"dek": ["A dek typed but never saved."]})
    live_story.open_for(otto)
    found = {}

    page = signed_in(browser, live_server, edna, width=width, bypass_csp=True)
    page.goto(admin_url(live_server, "change", live_story.pk))
    editor(page, "body")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshots / f"1-live-story-form-{width}.png", full_page=True)
    if problems := axe_problems(page, axe_source):
        found["live story form"] = problems
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found["live story form width"] = "the page scrolls sideways"

    # A clash: Otto publishes a new dek after the form was opened; Edna saves hers.
    other = signed_in(browser, live_server, otto)
    other.goto(admin_url(live_server, "change", live_story.pk))
    other.fill("#id_dek", "Otto's dek.")
    press(other, "Save and publish changes")
    page.fill("#id_dek", "Edna's dek.")
    press(page, "Save changes (not live)")
    page.locator(".merge-clashes").wait_for()
    page.screenshot(path=screenshots / f"2-clash-{width}.png", full_page=True)
    if problems := axe_problems(page, axe_source):
        found["clash"] = problems
    assert not found, found
