"""Autosave in a real browser: typing survives a closed browser and an expired session."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from stories import richtext
from stories.models import Autosave, Section, Story
from tests.test_writing_desk_browser import admin_url, editor, newsroom_people, press, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["newsroom_people"]  # the fixture, used by name


@pytest.fixture
def draft(db):
    section = Section.objects.create(name="World", slug="world")
    return Story.objects.create(
        headline="Harbour ferries go electric",
        dek="The port's first battery ferry.",
        section=section,
        body=richtext.blocks_to_html([richtext.Block("p", "The first ferry sails in May.")]),
    )


def type_at_end_of_body(page, text):
    editor(page, "body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def wait_until_kept(page):
    page.locator("#autosave-status", has_text="Unsaved changes kept at").wait_for(timeout=10_000)


def test_typing_survives_closing_the_browser_and_restoring_brings_it_back(
    browser, live_server, screenshots, newsroom_people, draft
):
    _, edna = newsroom_people
    page = signed_in(browser, live_server, edna)
    page.goto(admin_url(live_server, "change", draft.pk))
    type_at_end_of_body(page, " Tickets go on sale in April.")
    wait_until_kept(page)
    page.screenshot(path=screenshots / "1-kept-while-typing.png")
    # Leaving with unsaved changes asks first.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Home").first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/{draft.pk}/change/")
    assert not page.problems, page.problems
    page.context.close()  # the browser crashed; nothing was saved
    # (Its goodbye to the presence list is sent as it closes: let the test server,
    # one in-memory SQLite database shared by its threads, answer it first.)
    time.sleep(1)
    draft.refresh_from_db()
    assert "April" not in draft.body

    again = signed_in(browser, live_server, edna)
    again.goto(admin_url(live_server, "change", draft.pk))
    offer = again.locator(".autosave-offer")
    assert "You have unsaved changes from" in offer.inner_text()
    again.screenshot(path=screenshots / "2-offered-on-reopening.png")
    with again.expect_navigation():
        offer.get_by_role("link", name="Restore them").click()
    assert "Tickets go on sale in April." in editor(again, "body").inner_text()
    again.screenshot(path=screenshots / "3-restored.png")
    press(again, "Save")
    draft.refresh_from_db()
    assert "Tickets go on sale in April." in draft.body
    assert not Autosave.objects.exists()
    assert not again.problems, again.problems


def test_an_expired_session_while_typing_loses_nothing(
    browser, live_server, screenshots, newsroom_people, draft
):
    _, edna = newsroom_people
    page = signed_in(browser, live_server, edna)
    page.goto(admin_url(live_server, "change", draft.pk))
    type_at_end_of_body(page, " Tickets go on sale in April.")
    wait_until_kept(page)

    Session.objects.all().delete()  # the session expires
    page.fill("#id_dek", "The port's first battery ferry, typed after the session ended.")
    signed_out = page.locator("#autosave-status", has_text="You were signed out")
    signed_out.wait_for(timeout=10_000)
    # Saving now would meet the sign-in page: the form waits instead.
    page.get_by_role("button", name="Save", exact=True).first.click()
    signed_out.wait_for()
    page.screenshot(path=screenshots / "1-signed-out-save-held.png")
    draft.refresh_from_db()
    assert draft.dek == "The port's first battery ferry."

    # Signed in again in another tab of the same browser.
    client = Client()
    client.force_login(edna)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    wait_until_kept(page)
    press(page, "Save")
    draft.refresh_from_db()
    assert draft.dek == "The port's first battery ferry, typed after the session ended."
    assert "Tickets go on sale in April." in draft.body
    page.screenshot(path=screenshots / "2-saved-after-signing-in.png")
    # The 401s of the signed-out autosaves were the script's to handle.
    assert all("401" in problem for problem in page.problems), page.problems


def test_the_preview_shows_the_typed_text_at_desktop_and_phone_widths(
    browser, live_server, screenshots, newsroom_people, draft
):
    _, edna = newsroom_people
    page = signed_in(browser, live_server, edna)
    page.goto(admin_url(live_server, "change", draft.pk))
    type_at_end_of_body(page, " Tickets go on sale in April.")

    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview (unsaved)").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert "Tickets go on sale in April." in preview.locator("main").inner_text()
    assert "Preview of the text in the form" in preview.inner_text("body")
    preview.screenshot(path=screenshots / "1-preview-desktop.png", full_page=True)
    preview.set_viewport_size({"width": 390, "height": 844})
    assert not preview.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    preview.screenshot(path=screenshots / "2-preview-phone.png", full_page=True)
    draft.refresh_from_db()
    assert "April" not in draft.body
    # The form is still there, still keeping the typing.
    wait_until_kept(page)
    assert not page.problems, page.problems
