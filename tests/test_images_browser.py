"""Images in a real browser: the focal point set by a click, a lead image on a story page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from stories.models import Image
from tests.images_support import encode, picture, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_PAGE_CACHE = False
    return settings.MEDIA_ROOT


def harbour_photo(**fields):
    """A 1600×900 picture: sky over sea, and a red boat towards the right."""
    image = picture((1600, 900), (150, 190, 225))
    image.paste((30, 80, 130), (0, 500, 1600, 900))
    image.paste((200, 40, 40), (1180, 430, 1380, 560))
    data = encode(image, "JPEG", quality=90)
    return Image.objects.create_from_upload(upload(data, "harbour.jpg"), **fields)


def log_in(page, live_server):
    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-password")
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-password")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def test_an_editor_sets_the_focal_point_by_clicking_on_the_boat(live_server, page, screenshots):
    image = harbour_photo(alt_text="A red boat in the harbour")
    log_in(page, live_server)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + reverse("admin:stories_image_change", args=[image.pk]))
    picker = page.locator("[data-focal-point-picker] img")
    page.wait_for_function("document.querySelector('[data-focal-point-picker] img').complete")
    assert page.evaluate("document.querySelector('[data-focal-point-picker] img').naturalWidth")
    marker = page.locator(".focal-point-marker")
    assert marker.is_visible()  # at the centre, where the focal point starts
    box = picker.bounding_box()
    # The boat's middle: 1280/1600 across, 495/900 down.
    picker.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.55})

    # To the thousandth, give or take the pixel the click lands on.
    focal = (float(page.input_value("#id_focal_x")), float(page.input_value("#id_focal_y")))
    assert focal == pytest.approx((0.8, 0.55), abs=0.003)
    marker_box = marker.bounding_box()
    assert abs(marker_box["x"] + marker_box["width"] / 2 - (box["x"] + box["width"] * 0.8)) < 2
    page.screenshot(path=screenshots / "focal-point-clicked.png", full_page=True)

    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == focal
    page.screenshot(path=screenshots / "focal-point-saved.png", full_page=True)
    assert errors == []

    page.goto(live_server.url + reverse("admin:stories_image_changelist"))
    page.screenshot(path=screenshots / "image-list.png", full_page=True)


def test_typing_numbers_moves_the_marker(live_server, page):
    image = harbour_photo(alt_text="A red boat in the harbour")
    log_in(page, live_server)

    page.goto(live_server.url + reverse("admin:stories_image_change", args=[image.pk]))
    page.fill("#id_focal_x", "0.25")
    page.fill("#id_focal_y", "0.75")

    picker = page.locator("[data-focal-point-picker] img").bounding_box()
    marker = page.locator(".focal-point-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (picker["x"] + picker["width"] * 0.25)) < 2
    assert abs(marker["y"] + marker["height"] / 2 - (picker["y"] + picker["height"] * 0.75)) < 2


def test_a_reader_sees_the_lead_image_on_the_story_and_the_home_page(
    live_server, page, screenshots, make_story
):
    image = harbour_photo(
        alt_text="A red boat in the harbour",
        caption="The Harbour Queen, the first of the electric ferries, on her trial run.",
        credit="Ana Ruiz",
        copyright_holder="Harbour Press",
        focal_x=0.8,
        focal_y=0.55,
    )
    story = make_story("Harbour ferries go electric", published=True, lead_image=image)
    make_story("Night train returns", published=True, lead_image=image)

    page.goto(live_server.url + story.get_absolute_url())
    lead = page.locator("figure.lead-image img")
    page.wait_for_function("document.querySelector('figure.lead-image img').complete")
    # The browser chose a WebP rendition and it loaded.
    assert page.evaluate("document.querySelector('figure.lead-image img').naturalWidth") > 0
    assert ".webp" in page.evaluate("document.querySelector('figure.lead-image img').currentSrc")
    width = lead.bounding_box()["width"]
    assert abs(lead.bounding_box()["height"] - width * 9 / 16) < 2
    page.screenshot(path=screenshots / "story.png", full_page=True)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + story.get_absolute_url())
    page.screenshot(path=screenshots / "story-phone.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    page.screenshot(path=screenshots / "home.png", full_page=True)
