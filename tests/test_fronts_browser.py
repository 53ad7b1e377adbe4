"""The fronts in a real browser: an editor places a lead in the admin and readers see it
lead at their next request; a placement that ends leaves by itself, cached pages and
all; and home, section front and story page, at phone and desktop widths, leave no
column empty. Screenshots go to the test's folder under var/screenshots/."""

import io
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as Picture
from PIL import ImageDraw

from stories.models import Alert, Contributor, Image, Placement, Section, Story
from tests.reader_world import build_reader_world
from tests.test_editorial_browser import signed_in
from tests.test_fronts import editor  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 768, "laptop": 1024, "desktop": 1280}
COLOURS = [(38, 84, 124), (120, 60, 40), (52, 110, 72), (150, 110, 30), (90, 60, 120)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(n):
    """A made-up landscape: sky, hills and a sun, in colours of its own."""
    picture = Picture.new("RGB", (1600, 1000), COLOURS[n % len(COLOURS)])
    draw = ImageDraw.Draw(picture)
    draw.ellipse([1100 - 60 * n, 120, 1300 - 60 * n, 320], fill=(240, 200, 90))
    draw.polygon([(0, 1000), (0, 640), (500, 420 + 30 * n), (1000, 700), (1600, 500),
                  (1600, 1000)], fill=(30, 60 + 20 * n, 50))  # fmt: skip
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    upload = SimpleUploadedFile(f"photo-{n}.jpg", out.getvalue(), content_type="image/jpeg")
    return Image.objects.create_from_upload(
        upload, alt_text=f"Hills under a summer sun, view {n + 1}", credit="Newsroom staff"
    )


def pictured_world():
    """The reader world, most of its stories with a lead image."""
    pages = build_reader_world()
    for n, story in enumerate(Story.objects.published()[:8]):
        story.lead_image = photo(n)
        story.save()
    Contributor.objects.filter(name="Rita Porter").update(photo=photo(9))
    return pages


def lead_headline(page):
    return page.locator(".story-card-lead .card-headline").inner_text()


def test_an_editor_places_a_lead_and_it_leads_at_the_next_request(
    browser,
    live_server,
    screenshots,
    editor,  # noqa: F811 - the fixture imported above
):
    build_reader_world()
    oldest = Story.objects.published().order_by("published_at").first()
    reader = browser.new_page()
    reader.goto(live_server.url + "/")
    assert lead_headline(reader) != oldest.headline

    edna = signed_in(browser, live_server, editor)
    edna.goto(live_server.url + reverse("admin:stories_placement_add"))
    # The story is picked from the keyboard: focus the picker, type, Enter.
    edna.locator("#id_story").locator("xpath=..").locator(".select2-selection").focus()
    edna.keyboard.press("Enter")
    # Typed once the picker's search box is open and has the focus, not before.
    edna.locator(".select2-container--open .select2-search__field:focus").wait_for()
    edna.keyboard.type(oldest.headline[:12])
    # Enter takes the highlighted result: wait until the results of the whole query are
    # in (those of its first letters come first, and highlight another story).
    edna.locator(".select2-results__option--highlighted", has_text=oldest.headline).wait_for()
    edna.keyboard.press("Enter")
    edna.screenshot(path=screenshots / "1-placing-a-lead.png", full_page=True)
    with edna.expect_navigation():
        edna.get_by_role("button", name="Save", exact=True).press("Enter")
    assert "was added successfully" in edna.content()
    edna.screenshot(path=screenshots / "2-placements.png", full_page=True)

    reader.reload()
    assert lead_headline(reader) == oldest.headline
    reader.screenshot(path=screenshots / "3-home-with-the-placed-lead.png", full_page=True)


def test_a_placement_that_ends_drops_off_by_itself(browser, live_server, settings):
    settings.NEWSROOM_PAGE_CACHE = True
    build_reader_world()
    oldest = Story.objects.published().order_by("published_at").first()
    ends = timezone.now() + timedelta(seconds=4)
    Placement.objects.create(story=oldest, ends_at=ends)
    Alert.objects.create(text="Storm warning for the coast", ends_at=ends)
    reader = browser.new_page()

    reader.goto(live_server.url + "/")
    assert lead_headline(reader) == oldest.headline
    assert "Storm warning" in reader.locator(".site-alert").inner_text()
    reader.reload()
    assert lead_headline(reader) == oldest.headline  # from the page cache, still placed

    time.sleep(max(0, (ends - timezone.now()).total_seconds()) + 0.5)
    reader.reload()
    assert lead_headline(reader) != oldest.headline
    assert "Storm warning" not in reader.content()


# For each grid on the page: how many columns it lays out and how many cards fill them.
GRIDS = """() => [...document.querySelectorAll(
    '.front-top, .story-grid, .story-list, .story-card-lead')].map(grid => {
  const style = getComputedStyle(grid);
  const columns = style.display === 'grid'
    ? style.gridTemplateColumns.split(' ').filter(Boolean).length : 1;
  const cards = [...grid.children].filter(c => c.getBoundingClientRect().width > 0);
  return {grid: grid.className, columns, cards: cards.length};
})"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_home_section_and_story_leave_no_column_empty(browser, live_server, screenshots, width):
    pages = pictured_world()
    section = Section.objects.get(path="world")
    placed = Story.objects.published().filter(section=section).order_by("published_at").first()
    Placement.objects.create(story=placed, section=section)
    Alert.objects.create(
        text="Harbour closed until the storm passes", ends_at=timezone.now() + timedelta(hours=1)
    )
    story = Story.objects.published().exclude(lead_image=None).first()
    reader = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})

    empty = {}
    urls = {"home": pages["home"], "section": section.get_absolute_url(),
            "story": story.get_absolute_url(), "author": pages["author"]}  # fmt: skip
    for name, url in urls.items():
        reader.goto(live_server.url + url)
        reader.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
        for grid in reader.evaluate(GRIDS):
            if grid["columns"] > grid["cards"]:
                empty.setdefault(name, []).append(grid)
        assert not reader.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        # Every picture on the page has loaded.
        broken = reader.evaluate(
            "() => [...document.images].filter(i => i.complete && !i.naturalWidth).length"
        )
        assert broken == 0, name
    assert not empty, empty

    # The lead picture is not held to the text's measure on a wide screen.
    reader.goto(live_server.url + story.get_absolute_url())
    picture = reader.locator(".lead-image").bounding_box()["width"]
    text = reader.locator(".story-header").bounding_box()["width"]
    assert picture >= text - 1
    if WIDTHS[width] >= 1024:
        assert picture > text * 1.2
