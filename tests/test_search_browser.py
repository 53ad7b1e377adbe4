"""The search page in Chromium, on a phone and on a desktop: a reader searches, filters,
pages through results, and the page stays accessible and valid."""

import json
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from stories import richtext, search
from stories.models import Entity, Mention, Section
from tests.reader_world import build_reader_world
from tests.test_accessibility import AXE_RULES, axe_source, describe, vnu_command  # noqa: F401

WIDTHS = {"phone": 360, "desktop": 1280}


def body(*paragraphs):
    return richtext.blocks_to_html(richtext.Block("p", text) for text in paragraphs)


@pytest.fixture
def newsroom(make_story):
    """The demo newsroom and enough ferry stories to fill more than one page of results."""
    build_reader_world()
    europe = Section.objects.get(path="world/europe")
    entity = Entity.objects.create(name="Harbour Ferry Company")
    for n in range(search.PER_PAGE + 2):
        story = make_story(
            f"Ferry crossing number {n} runs on batteries",
            published=True,
            section=europe if n % 2 else None,
            dek="A quiet crossing for the harbour’s commuters.",
            body=body(
                "The timetable is the same as last year.",
                f"Crossing {n} of the electric ferries leaves Montréal’s old port at dawn, "
                "carrying commuters and a few tourists across the grey water.",
            ),
        )
        if n % 3 == 0:
            Mention.objects.create(story=story, entity=entity)
    return {"europe": europe, "entity": entity}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_reader_searches_from_the_header_filters_and_pages(
    live_server,
    browser,
    screenshots,
    axe_source,  # noqa: F811 - the fixture imported above
    newsroom,
    width,
):
    context = browser.new_context(
        viewport={"width": WIDTHS[width], "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.goto(live_server.url + "/")

    # The header's search box leads to the search page.
    page.locator(".site-search input[name=q]").fill("electric ferry montreal")
    page.locator(".site-search button").click()
    page.wait_for_url("**/search/?q=*")
    status = page.get_by_role("status").first.inner_text()
    assert f"{search.PER_PAGE + 2} stories found" in status
    assert page.locator(".search-snippet mark").count() >= search.PER_PAGE
    assert page.locator("main input[name=q]").input_value() == "electric ferry montreal"
    page.screenshot(path=screenshots / "results.png", full_page=True)

    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", AXE_RULES
    )
    assert not result["violations"], describe(result["violations"])
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    # Next page, then a section filter from the filter panel.
    page.get_by_role("link", name="More results →").click()
    page.wait_for_url("**page=2*")
    assert page.locator("ol.search-results > li").count() == 2
    page.locator(".search-filters summary").click()
    page.locator("select[name=section]").select_option("world/europe")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**section=world%2Feurope*")
    assert "11 stories found" in page.get_by_role("status").first.inner_text()
    page.screenshot(path=screenshots / "filtered.png", full_page=True)

    # A hostile query still gives a page, with nothing broken on it.
    page.goto(live_server.url + reverse("stories:search") + '?q="unclosed+-+AND+(')
    assert page.locator("h1").inner_text() == "Search"
    page.screenshot(path=screenshots / "hostile.png", full_page=True)

    # Dates and an unknown entity: named plainly.
    page.goto(
        live_server.url
        + reverse("stories:search")
        + "?q=ferry&entity=nobody&since=2026-02-01&until=2026-01-01"
    )
    alert = page.get_by_role("alert").inner_text()
    assert "There is no entity “nobody”" in alert
    assert "before the “From” date" in alert
    page.screenshot(path=screenshots / "errors.png", full_page=True)
    context.close()


@pytest.mark.django_db
def test_the_search_page_is_valid_html(client, tmp_path, newsroom, vnu_command):  # noqa: F811
    url = reverse("stories:search")
    files = []
    for name, params in {
        "results": {"q": "ferry"},
        "filtered": {"q": "ferry", "section": "world/europe", "entity": newsroom["entity"].slug},
        "errors": {"q": "ferry", "since": "nonsense", "entity": "nobody"},
        "empty": {},
        "nothing": {"q": "qqqxxx"},
    }.items():
        response = client.get(url, params)
        assert response.status_code == 200
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)

    checked = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    errors = [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}"
        for m in json.loads(checked.stdout)["messages"]
        if m["type"] == "error"
    ]
    assert not errors, "\n".join(errors)
