"""Renditions: each use cut around the focal point, at a few widths, in WebP and JPEG, once."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from PIL import ImageDraw, JpegImagePlugin

from stories import images
from stories.models import Image
from tests.images_support import (
    SRGB_PROFILE,
    encode,
    image_bytes,
    personal_exif,
    picture,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db

MARK = (255, 0, 0)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def with_mark_at(size, centre, radius=12):
    """A grey picture with a red disc at `centre`: the subject the focal point is put on."""
    image = picture(size, (128, 128, 128))
    x, y = centre
    ImageDraw.Draw(image).ellipse((x - radius, y - radius, x + radius, y + radius), fill=MARK)
    return image


def shows_mark(image):
    """Whether the red disc is in `image` (after lossy encoding and scaling)."""
    colours = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    return any(r > 180 and g < 80 and b < 80 for _, (r, g, b) in colours)


def open_rendition(image, use, width, fmt):
    (entry,) = [e for e in image.renditions["uses"][use] if e["width"] == width]
    with image.file.storage.open(entry[fmt][0], "rb") as fileobj:
        rendition = PILImage.open(io.BytesIO(fileobj.read()))
        rendition.load()
    return rendition


def create(data, **fields):
    return Image.objects.create_from_upload(upload(data, "picture.png"), **fields)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    ratio=st.sampled_from([(16, 9), (1, 1), (4, 3), (9, 16)]),
    focal_x=st.floats(0, 1),
    focal_y=st.floats(0, 1),
)
def test_a_crop_is_the_largest_box_of_its_ratio_and_holds_the_focal_point(
    width, height, ratio, focal_x, focal_y
):
    left, top, right, bottom = images.crop_box((width, height), ratio, (focal_x, focal_y))

    assert 0 <= left < right <= width
    assert 0 <= top < bottom <= height
    assert right - left == width or bottom - top == height  # as large as it can be
    # The proportions are right to within a pixel of rounding.
    assert abs((right - left) * ratio[1] - (bottom - top) * ratio[0]) <= max(ratio)
    assert left <= focal_x * width <= right
    assert top <= focal_y * height <= bottom


# A large JPEG is decoded at a reduced scale (6000 → 3000 pixels wide here); the crops
# must land in the same place.
@pytest.mark.parametrize(
    ("fmt", "size", "subject", "radius"),
    [("PNG", (1200, 400), (1160, 200), 12), ("JPEG", (6000, 1800), (5800, 900), 40)],
)
def test_the_focal_point_near_an_edge_stays_in_every_cropped_rendition(
    fmt, size, subject, radius, monkeypatch
):
    decoded = []  # the sizes JPEGs were decoded at
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(image, *args):
        result = draft(image, *args)
        decoded.append(image.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    # The subject stands at the far right of a wide picture, half-way down.
    data = encode(with_mark_at(size, subject, radius=radius), fmt, quality=95)
    centred = create(data)
    focused = create(data, focal_x=subject[0] / size[0], focal_y=subject[1] / size[1])

    thumbnail = open_rendition(focused, "thumbnail", 160, "jpeg")
    assert thumbnail.size == (160, 160)
    assert shows_mark(thumbnail)
    assert shows_mark(open_rendition(focused, "thumbnail", 160, "webp"))
    assert shows_mark(open_rendition(focused, "lead", 480, "jpeg"))
    # Which it would not be had the crop been taken from the centre.
    assert not shows_mark(open_rendition(centred, "thumbnail", 160, "jpeg"))
    if fmt == "JPEG":
        assert (3000, 900) in decoded  # at half the size, which still covers every rendition


def test_each_use_has_its_proportions_at_widths_capped_by_the_original():
    image = create(image_bytes("PNG", size=(1000, 750)))

    uses = image.renditions["uses"]
    assert [(e["width"], e["height"]) for e in uses["lead"]] == [
        (480, 270),
        (800, 450),
        (1000, 562),
    ]
    # A 1:1 crop of a 1000×750 picture is 750 pixels wide at most.
    assert [(e["width"], e["height"]) for e in uses["thumbnail"]] == [
        (160, 160),
        (320, 320),
        (480, 480),
    ]
    assert [(e["width"], e["height"]) for e in uses["inline"]] == [
        (480, 360),
        (800, 600),
        (1000, 750),
    ]


def test_a_small_original_gets_one_rendition_per_use_at_its_own_size():
    image = create(image_bytes("PNG", size=(300, 120)))

    uses = image.renditions["uses"]
    assert [(e["width"], e["height"]) for e in uses["lead"]] == [(213, 120)]
    assert [(e["width"], e["height"]) for e in uses["thumbnail"]] == [(120, 120)]
    assert [(e["width"], e["height"]) for e in uses["inline"]] == [(300, 120)]


@pytest.mark.parametrize(("fmt", "size"), [("PNG", (900, 600)), ("JPEG", (4000, 2000))])
def test_renditions_are_webp_and_jpeg_files_of_the_listed_size_in_storage(fmt, size):
    image = create(image_bytes(fmt, size=size))
    assert image.renditions["uses"]["lead"][-1]["width"] == min(1600, size[0])

    for use, entries in image.renditions["uses"].items():
        for entry in entries:
            for fmt, pillow_format in [("webp", "WEBP"), ("jpeg", "JPEG")]:
                name, size = entry[fmt]
                assert name.startswith(f"images/renditions/{image.pk}/{use}-{entry['width']}w-")
                assert image.file.storage.size(name) == size
                rendition = open_rendition(image, use, entry["width"], fmt)
                assert rendition.format == pillow_format
                assert rendition.size == (entry["width"], entry["height"])


def test_renditions_are_made_once(media_root, monkeypatch):
    image = create(image_bytes("PNG", size=(900, 600)))
    files = stored_files(media_root)
    table = image.renditions

    encoded = []
    monkeypatch.setattr(images, "encode", lambda *args: encoded.append(args))
    image.alt_text = "Boats"
    image.save()
    Image.objects.get(pk=image.pk).save()

    assert encoded == []
    assert stored_files(media_root) == files
    image.refresh_from_db()
    assert image.renditions == table


def test_moving_the_focal_point_makes_new_crops_and_drops_the_old_ones(
    media_root, django_capture_on_commit_callbacks
):
    image = create(image_bytes("PNG", size=(900, 600)))
    before = image.renditions["uses"]

    with django_capture_on_commit_callbacks(execute=True):
        image.focal_x, image.focal_y = 0.1, 0.9
        image.save()

    image.refresh_from_db()
    after = image.renditions["uses"]
    assert image.renditions["focal"] == [0.1, 0.9]
    for use in ("lead", "thumbnail"):
        old = images.rendition_names({use: before[use]})
        new = images.rendition_names({use: after[use]})
        assert old.isdisjoint(new)
        assert old.isdisjoint(stored_files(media_root))
        assert new <= set(stored_files(media_root))
    # The uncropped inline renditions do not depend on the focal point.
    assert after["inline"] == before["inline"]


def test_rendition_names_are_the_same_for_the_same_image_and_focal_point():
    image = create(image_bytes("PNG", size=(900, 600)), focal_x=0.25)
    table = image.renditions

    image.renditions = {}
    image.save()

    image.refresh_from_db()
    assert image.renditions == table


def test_deleting_an_image_deletes_its_files(media_root, django_capture_on_commit_callbacks):
    image = create(image_bytes("PNG", size=(900, 600)))
    assert stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()

    assert stored_files(media_root) == []


def test_transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg():
    clear = PILImage.new("RGBA", (600, 400), (0, 0, 0, 0))
    image = create(encode(clear, "PNG"))

    webp = open_rendition(image, "inline", 480, "webp")
    jpeg = open_rendition(image, "inline", 480, "jpeg")
    assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0
    assert jpeg.getpixel((10, 10)) == (255, 255, 255)


def test_renditions_carry_the_colour_profile_and_no_personal_metadata():
    data = encode(picture((600, 400)), "JPEG", exif=personal_exif(), icc_profile=SRGB_PROFILE)
    image = create(data)

    for fmt in ("webp", "jpeg"):
        rendition = open_rendition(image, "lead", 480, fmt)
        assert not rendition.getexif()
        assert rendition.info.get("icc_profile") == SRGB_PROFILE


def test_a_cmyk_jpeg_is_rendered_in_rgb():
    cmyk = PILImage.new("CMYK", (600, 400), (0, 255, 255, 0))  # red in print colours
    image = create(encode(cmyk, "JPEG"))

    rendition = open_rendition(image, "inline", 480, "jpeg")
    assert rendition.mode == "RGB"
    red, green, blue = rendition.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60


def test_the_rendition_list_gives_urls_without_touching_the_database(
    django_assert_num_queries,
):
    image = create(image_bytes("PNG", size=(900, 600)))
    image = Image.objects.get(pk=image.pk)

    with django_assert_num_queries(0):
        lead = image.rendition_list("lead")
        shared = image.share_rendition()

    assert [entry["width"] for entry in lead] == [480, 800, 900]
    assert lead[0]["webp"]["url"].startswith(f"/media/images/renditions/{image.pk}/lead-480w-")
    assert lead[0]["webp"]["url"].endswith(".webp")
    assert shared["url"] == lead[-1]["jpeg"]["url"]  # 900 wide is the nearest to 1200
    assert shared["type"] == "image/jpeg"
    assert (shared["width"], shared["height"]) == (900, 506)
