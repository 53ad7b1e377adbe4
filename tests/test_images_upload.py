"""Image uploads: only real JPEG, PNG, WebP and GIF images within the limits are kept.

A refused upload says why and leaves nothing behind; what is kept is upright and
carries no personal metadata.
"""

import io
import re
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags
from PIL import Image as PILImage

from stories import images
from stories.images import rendition_names
from stories.models import Image
from tests.images_support import (
    EXTENSIONS,
    FORMATS,
    SRGB_PROFILE,
    XMP,
    animated_gif,
    encode,
    image_bytes,
    open_stored,
    personal_exif,
    picture,
    png_claiming,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def refused(media_root, data, name="photo.jpg"):
    """The message for uploading `data` as `name`, having checked nothing was kept."""
    with pytest.raises(ValidationError) as caught:
        Image.objects.create_from_upload(upload(data, name), alt_text="A picture")
    assert Image.objects.count() == 0
    assert not media_root.exists() or stored_files(media_root) == []
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_real_image_of_each_format_is_kept_in_its_own_format(media_root, fmt):
    # Named .bin: what counts is what the bytes decode as, not the name.
    image = Image.objects.create_from_upload(
        upload(image_bytes(fmt, size=(320, 200)), name="Harbour at dawn.bin"),
        alt_text="Ferries at the quay",
    )

    image.refresh_from_db()
    assert image.file.name.endswith(f".{EXTENSIONS[fmt]}")
    assert (image.width, image.height) == (320, 200)
    stored = open_stored(image.file)
    assert stored.format == fmt
    assert stored.size == (320, 200)
    assert image.file.name in stored_files(media_root)


def test_stored_files_are_named_at_random_not_after_the_upload(media_root):
    """A draft's picture at /media/…/minister-resigns.jpg would give the story away."""
    made = [
        Image.objects.create_from_upload(upload(image_bytes("JPEG"), name="minister-resigns.jpg"))
        for _ in range(2)
    ]

    names = [image.file.name for image in made]
    names += [name for image in made for name in rendition_names(image.renditions["uses"])]
    assert not [name for name in names if "minister" in name or "resigns" in name]
    assert made[0].file.name != made[1].file.name
    stem = PurePosixPath(made[0].file.name).stem
    assert re.fullmatch(r"[0-9a-f]{32}", stem)


def test_an_animated_gif_keeps_its_frames(media_root):
    image = Image.objects.create_from_upload(upload(animated_gif(3), "spinner.gif"))

    stored = open_stored(image.file)
    assert stored.format == "GIF"
    assert stored.n_frames == 3


def test_a_file_named_jpg_that_is_not_an_image_is_refused(media_root):
    message = refused(media_root, b"Minutes of the editorial meeting, not a photo.\n" * 20)

    assert "not a JPEG, PNG, WebP or GIF image" in message


def test_an_image_in_another_format_is_refused_whatever_its_name(media_root):
    message = refused(media_root, encode(picture(), "BMP"), name="photo.png")

    assert "not a JPEG, PNG, WebP or GIF image" in message


@pytest.mark.parametrize("name", ["logo.svg", "logo.png"])
def test_an_svg_is_refused_as_such(media_root, name):
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
    )

    message = refused(media_root, svg, name=name)

    assert "SVG images are not accepted" in message


def test_a_file_over_the_size_limit_is_refused(media_root, settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 2000
    data = image_bytes("PNG", size=(400, 400), compress_level=0)
    assert len(data) > 2000

    message = refused(media_root, data, name="big.png")

    assert "at most 2.0\xa0KB" in message


def test_the_size_limit_defaults_to_20_mb(settings):
    del settings.NEWSROOM_IMAGE_MAX_BYTES
    assert images.max_bytes() == 20 * 1024 * 1024


def test_a_decompression_bomb_is_refused_before_it_is_decoded(media_root):
    # 100 000 × 100 000 pixels claimed by a file of well under a kilobyte.
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 1000

    message = refused(media_root, bomb, name="bomb.png")

    assert "pixels" in message
    assert "limit of 50 megapixels" in message


def test_an_image_with_more_pixels_than_the_limit_is_refused_from_its_header(media_root):
    # 64 megapixels: under Pillow's own bomb threshold, over the newsroom's limit.
    message = refused(media_root, png_claiming(8000, 8000), name="huge.png")

    assert "8000×8000 pixels (64 megapixels); the limit is 50 megapixels" in message


def test_the_pixel_limit_counts_every_frame_of_an_animation(media_root, settings):
    # Each 100×100 frame is within a 25 000-pixel limit; three of them are not.
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 25_000

    message = refused(media_root, animated_gif(3), name="spinner.gif")

    assert "3 frames of 100×100 pixels" in message
    assert "the limit is 0.025 megapixels" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_truncated_image_is_refused(media_root, fmt):
    # Noise compresses badly, so half the file is half the pixel data.
    noise = PILImage.effect_noise((320, 200), 80).convert("RGB")
    data = encode(noise.convert("P") if fmt == "GIF" else noise, fmt)

    message = refused(media_root, data[: len(data) // 2], name=f"cut.{EXTENSIONS[fmt]}")

    assert "truncated or damaged" in message


def test_an_empty_file_is_refused(media_root):
    assert "empty" in refused(media_root, b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_personal_metadata_is_stripped_and_the_colour_profile_kept(media_root, fmt):
    data = encode(
        picture((300, 200)), fmt, exif=personal_exif(), xmp=XMP, icc_profile=SRGB_PROFILE
    )
    original = PILImage.open(io.BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file does have a place

    image = Image.objects.create_from_upload(upload(data, f"p.{EXTENSIONS[fmt]}"))

    with image.file.open("rb") as fileobj:
        stored_bytes = fileobj.read()
    stored = PILImage.open(io.BytesIO(stored_bytes))
    assert not stored.getexif()
    assert "xmp" not in stored.info
    assert b"Secret Village" not in stored_bytes
    assert b"Jane Photographer" not in stored_bytes
    assert b"SN-123456" not in stored_bytes
    assert stored.info.get("icc_profile") == SRGB_PROFILE


def test_a_png_loses_its_text_chunks(media_root):
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Author", "Jane Photographer")
    text.add_itxt("Location", "Secret Village")
    data = encode(picture(), "PNG", pnginfo=text)

    image = Image.objects.create_from_upload(upload(data, "p.png"))

    with image.file.open("rb") as fileobj:
        stored = fileobj.read()
    assert b"Jane Photographer" not in stored
    assert b"Secret Village" not in stored


def test_exif_orientation_is_applied(media_root):
    # A camera held upright stores a landscape frame and says "rotate 90° clockwise" (6).
    sideways = picture((300, 200))
    sideways.paste((255, 0, 0), (0, 0, 30, 30))  # a red mark in the stored top-left corner
    data = encode(sideways, "JPEG", exif=personal_exif(orientation=6), quality=95)

    image = Image.objects.create_from_upload(upload(data))

    assert (image.width, image.height) == (200, 300)
    stored = open_stored(image.file)
    assert stored.size == (200, 300)
    assert ExifTags.Base.Orientation not in stored.getexif()
    # Turned clockwise, the top-left corner is now the top-right one.
    red, green, blue = stored.getpixel((195, 5))
    assert red > 200 and green < 60 and blue < 60


def test_a_refused_model_field_leaves_no_file(media_root):
    with pytest.raises(ValidationError) as caught:
        Image.objects.create_from_upload(upload(image_bytes("PNG")), focal_x=1.5)

    assert "focal_x" in caught.value.message_dict
    assert Image.objects.count() == 0
    assert not media_root.exists() or stored_files(media_root) == []


def test_a_gif_loses_its_comment(media_root):
    data = encode(picture().convert("P"), "GIF", comment=b"Shot at Secret Village")

    image = Image.objects.create_from_upload(upload(data, "p.gif"))

    with image.file.open("rb") as fileobj:
        assert b"Secret Village" not in fileobj.read()
