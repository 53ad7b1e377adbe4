"""An editor works the suggested entities and merges duplicates in a real browser."""

import pytest
from django.contrib.auth import get_user_model

from stories import richtext
from stories.models import Entity, Mention

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long passphrase"


@pytest.fixture
def logged_in(live_server, page):
    get_user_model().objects.create_superuser("editor", password=PASSWORD)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


@pytest.fixture
def story(make_story):
    Entity.objects.create(name="Hamas", kind=Entity.Kind.ORGANIZATION)
    Entity.objects.create(name="Qatar", kind=Entity.Kind.PLACE)
    body = richtext.blocks_to_html(
        [
            richtext.Block("p", "Hamas answered the mediators in Qatar on Monday."),
            richtext.Block(
                "p", "Dr. Ismail al-Thawabta, Director General of the Gaza Government Media "
                "Office, dismissed the remarks of US Special Envoy for Peace Missions, Steve "
                "Witkoff."
            ),
        ]
    )  # fmt: skip
    return make_story("Hamas answers mediators", body=body)


def panel(page):
    return page.locator("#entity-suggestions")


def test_an_editor_links_and_dismisses_suggestions(live_server, logged_in, story, screenshots):
    page = logged_in
    page.goto(f"{live_server.url}/admin/stories/story/{story.pk}/change/")
    suggestions = panel(page)
    suggestions.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "suggestions.png", full_page=True)
    assert suggestions.get_by_role("button", name="Link Hamas").is_visible()

    # The form posts once the autosave has what was typed, so wait for that page.
    with page.expect_navigation():
        suggestions.get_by_role("button", name="Link Hamas").click()
    assert page.url.endswith("#entity-suggestions")
    # The page comes back at the panel, which repeats the message from the page's top.
    assert panel(page).locator(".messagelist").inner_text().startswith("Linked Hamas")
    assert panel(page).locator(".messagelist").is_visible()
    assert Mention.objects.filter(story=story, entity__name="Hamas").exists()

    # A new name, linked as the kind the editor picks.
    panel(page).get_by_label("Kind of Steve Witkoff").select_option("person")
    with page.expect_navigation():
        panel(page).get_by_role("button", name="Create and link Steve Witkoff").click()
    assert Entity.objects.get(name="Steve Witkoff").kind == Entity.Kind.PERSON

    with page.expect_navigation():
        panel(page).get_by_role("button", name="Dismiss Qatar").click()
    assert "Dismissed “Qatar”" in panel(page).locator(".messagelist").inner_text()
    assert not panel(page).get_by_role("button", name="Link Qatar").count()
    page.screenshot(path=screenshots / "after.png", full_page=True)


def test_unsaved_edits_disable_the_buttons_and_say_why(live_server, logged_in, story, screenshots):
    page = logged_in
    page.goto(f"{live_server.url}/admin/stories/story/{story.pk}/change/")
    note = panel(page).locator("[data-unsaved-note]")
    assert not note.is_visible()
    # Choosing a kind in the panel is not an edit of the story.
    panel(page).get_by_label("Kind of Steve Witkoff").select_option("organization")
    assert panel(page).get_by_role("button", name="Link Hamas").is_enabled()

    page.fill("#id_dek", "A new dek, not saved yet.")
    assert note.is_visible()
    assert panel(page).get_by_role("button", name="Link Hamas").is_disabled()
    note.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "unsaved.png")


def test_an_editor_merges_a_duplicate(live_server, logged_in, make_story, screenshots):
    page = logged_in
    witkoff = Entity.objects.create(name="Steve Witkoff", kind=Entity.Kind.PERSON)
    duplicate = Entity.objects.create(name="Witkoff", aliases=["Special Envoy Witkoff"])
    for n, entity in enumerate([witkoff, witkoff, duplicate]):
        Mention.objects.create(story=make_story(f"Story {n}"), entity=entity, count=n + 1)
    named = sum(Mention.objects.values_list("count", flat=True))

    page.goto(f"{live_server.url}/admin/stories/entity/?q=Witkoff")
    for entity in (witkoff, duplicate):
        page.check(f"input[name=_selected_action][value='{entity.pk}']")
    page.select_option("select[name=action]", "merge_entities")
    page.click("button[name=index]")
    page.wait_for_load_state()
    page.screenshot(path=screenshots / "merge.png", full_page=True)
    assert page.locator("h1").inner_text() == "Merge entities"
    assert page.get_by_label("Steve Witkoff").is_checked()

    page.get_by_role("button", name="Merge into the one chosen").click()
    page.wait_for_load_state()
    assert "Merged “Witkoff” into “Steve Witkoff”" in page.locator(".messagelist").inner_text()
    assert list(Entity.objects.values_list("name", flat=True)) == ["Steve Witkoff"]
    assert sum(Mention.objects.values_list("count", flat=True)) == named
    page.screenshot(path=screenshots / "merged.png", full_page=True)
