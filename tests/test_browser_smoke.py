"""The demo site in a real browser: a reader opens the home page and follows a story."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_follows_a_story_from_the_home_page(live_server, page, screenshots, make_story):
    story = make_story("Harbour ferries go electric", published=True)
    page.goto(live_server.url + "/")
    page.screenshot(path=screenshots / "home.png", full_page=True)
    page.get_by_role("link", name=story.headline).click()
    page.wait_for_url(f"**{story.get_absolute_url()}")
    assert page.locator("h1").inner_text() == story.headline
    assert page.evaluate("getComputedStyle(document.body).fontFamily")
    page.screenshot(path=screenshots / "story.png", full_page=True)
