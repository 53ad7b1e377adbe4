"""Image uploads checked and cleaned with Pillow, and renditions cut around a focal point.

Nothing here touches the database: the Image model (stories.models) calls in with its
file and focal point, and stores what comes back.
"""

import hashlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

# Pillow format name → the file extension the cleaned original is stored under.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ACCEPTED_TYPES = "image/jpeg,image/png,image/webp,image/gif"
ACCEPTED_NAMES = "JPEG, PNG, WebP or GIF"

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000

# What a re-encoded original keeps of its source's metadata: how to play an animation,
# which palette entry is transparent, and the colour profile. EXIF (GPS, camera serial
# numbers, the owner's name), XMP and comments are left behind.
KEPT_INFO = ("transparency", "duration", "loop", "background")

# Bumped when renditions are encoded differently, so that new names replace the old files.
RENDITION_VERSION = 1


def max_bytes():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels():
    return getattr(settings, "NEWSROOM_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def megapixels(pixels):
    return f"{pixels / 1_000_000:.3g} megapixels"


@dataclass(frozen=True)
class CleanImage:
    """An accepted upload, re-encoded without its personal metadata."""

    content: bytes
    format: str
    width: int
    height: int
    frames: int

    @property
    def extension(self):
        return ACCEPTED_FORMATS[self.format]

    def as_file(self):
        """The content as a file of a random name, with the extension of its real format.

        Not the uploaded file's name: stored files are public at their URLs, and
        "minister-resigns.jpg" would give away a story before it is published.
        """
        return ContentFile(self.content, name=f"{secrets.token_hex(16)}.{self.extension}")


def looks_like_svg(head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and b"<svg" in text


def clean_upload(upload):
    """The upload `upload` (a file object) checked and re-encoded, as a CleanImage.

    Raises ValidationError saying what is wrong with it. The size, the pixel count in
    the header and the frame count are all checked before any pixel is decoded, so a
    small file that claims to be enormous (a decompression bomb) costs nothing.
    """
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; images may be at most {filesizeformat(limit)}.",
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"The file is larger than {filesizeformat(limit)}, the most an image may be.",
            code="too_large",
        )
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    if looks_like_svg(data[:4096]):
        raise ValidationError(
            f"SVG images are not accepted: they can carry scripts. Upload a {ACCEPTED_NAMES} "
            "image instead.",
            code="svg",
        )
    try:
        # verify() checks what a decoder may not: PNG chunk checksums, for one. It
        # reads no pixels, and leaves the image unusable, hence the second open.
        PILImage.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)).verify()
        opened = PILImage.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except UnidentifiedImageError:
        raise ValidationError(
            f"The file is not a {ACCEPTED_NAMES} image (whatever its name says).",
            code="not_an_image",
        ) from None
    except PILImage.DecompressionBombError:
        raise ValidationError(
            f"The image claims more pixels than the limit of {megapixels(max_pixels())}; "
            "it may be a decompression bomb.",
            code="too_many_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise damaged(exc) from None
    with opened:
        check_pixels(opened)
        return reencode(opened)


def check_pixels(image):
    """Refuse `image` if it has too many pixels, counting every frame, before decoding any."""
    limit = max_pixels()
    width, height = image.size
    if width * height > limit:
        raise ValidationError(
            f"The image is {width}×{height} pixels ({megapixels(width * height)}); "
            f"the limit is {megapixels(limit)}.",
            code="too_many_pixels",
        )
    try:
        # Read from the headers (GIF frames are skipped over, not decoded).
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise damaged(exc) from None
    if width * height * frames > limit:
        raise ValidationError(
            f"The animation has {frames} frames of {width}×{height} pixels, "
            f"{megapixels(width * height * frames)} in all; the limit is {megapixels(limit)}.",
            code="too_many_pixels",
        )


def damaged(exc):
    return ValidationError(
        f"The image is truncated or damaged and cannot be read ({exc}).", code="damaged"
    )


def reencode(image):
    """`image` decoded, turned upright and encoded again in its own format, as a CleanImage."""
    fmt = image.format
    icc_profile = image.info.get("icc_profile")
    loop = image.info.get("loop")
    try:
        # Decoding every frame here is what finds a truncated or corrupt file.
        frames = [ImageOps.exif_transpose(frame) for frame in ImageSequence.Iterator(image)]
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise damaged(exc) from None
    durations = [frame.info.get("duration", 100) for frame in frames]
    for frame in frames:
        frame.info = {key: frame.info[key] for key in KEPT_INFO if key in frame.info}
    options = {"format": fmt}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if fmt == "JPEG":
        options.update(quality=90)
    elif fmt == "WEBP":
        options.update(quality=90, method=4)
    if len(frames) > 1:
        # Pillow hands out every frame fully composited, so each is written whole.
        options.update(save_all=True, append_images=frames[1:], duration=durations)
        if loop is not None:
            options["loop"] = loop
        if fmt == "GIF":
            options["disposal"] = 2
        elif fmt == "PNG":
            options.update(disposal=0, blend=0)
    out = io.BytesIO()
    first = frames[0]
    if fmt == "JPEG" and first.mode not in ("L", "RGB", "CMYK"):
        first = first.convert("RGB")
    first.save(out, **options)
    width, height = first.size
    return CleanImage(
        content=out.getvalue(), format=fmt, width=width, height=height, frames=len(frames)
    )


# Renditions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """Where an image appears, and so how it is cropped and at which widths."""

    name: str
    ratio: tuple[int, int] | None  # None keeps the original's proportions
    widths: tuple[int, ...]


USES = {
    use.name: use
    for use in (
        Use("lead", (16, 9), (480, 800, 1200, 1600)),
        Use("thumbnail", (1, 1), (160, 320, 480)),
        # Front-page grids, and the 4:3 picture search engines ask for beside 16:9 and 1:1.
        Use("card", (4, 3), (320, 640, 960, 1200)),
        Use("inline", None, (480, 800, 1200, 1600)),
    )
}

# Modern browsers take WebP; the JPEG is the <img> fallback, and what feeds and
# social networks are given.
FORMATS = {"webp": ("WEBP", "image/webp"), "jpeg": ("JPEG", "image/jpeg")}


def crop_box(size, ratio, focal):
    """The largest box of proportions `ratio` inside `size`, centred on `focal` where it can be.

    `focal` is (x, y) as fractions of the width and height. The box is moved only as
    far as it must be to stay inside the image, so the focal point is always in it.
    """
    width, height = size
    if ratio is None:
        return (0, 0, width, height)
    ratio_w, ratio_h = ratio
    if width * ratio_h > height * ratio_w:  # wider than wanted: the full height, cut the sides
        box_w, box_h = max(1, min(width, round(height * ratio_w / ratio_h))), height
    else:
        box_w, box_h = width, max(1, min(height, round(width * ratio_h / ratio_w)))
    focal_x, focal_y = focal
    left = min(max(round(focal_x * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal_y * height - box_h / 2), 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def widths_for(use, box_width):
    """The widths to render `use` at: its own widths, none wider than the box it is cut from."""
    return sorted({min(width, box_width) for width in use.widths})


def rendition_digest(source_name, use, focal):
    """A short digest of what a rendition is made from; it goes into the file name."""
    # A focal point moves only cropped renditions; the others keep their names.
    where = f"{focal[0]:.4f},{focal[1]:.4f}" if use.ratio else "whole"
    key = f"{source_name}|{use.name}|{use.ratio}|{where}|{RENDITION_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def open_source(fileobj, *, at_least=None):
    """The first frame of a stored original, decoded, in RGB or RGBA, and its colour profile.

    `at_least` (width, height) lets a JPEG be decoded at a reduced scale still no
    smaller than that: a quarter of the pixels or fewer for a large photo.
    """
    with PILImage.open(fileobj) as image:
        if at_least is not None and image.format == "JPEG":
            image.draft(image.mode, at_least)
        image.load()
        icc_profile = image.info.get("icc_profile")
        mode = image.mode
        if mode == "CMYK" and icc_profile:
            try:
                # Pillow's own CMYK→RGB ignores the profile and gives muddy colours.
                picture = ImageCms.profileToProfile(
                    image,
                    io.BytesIO(icc_profile),
                    ImageCms.createProfile("sRGB"),
                    outputMode="RGB",
                )
                return picture, None
            except ImageCms.PyCMSError:
                pass
        has_alpha = mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        picture = image.convert("RGBA" if has_alpha else "RGB")
    # A profile made for other channels would be wrong on the converted pixels.
    keep_icc = icc_profile if mode in ("RGB", "RGBA", "P") else None
    return picture, keep_icc


def encode(picture, fmt, icc_profile):
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        if picture.mode == "RGBA":
            flat = PILImage.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture.save(out, "JPEG", quality=82, optimize=True, progressive=True, **options)
    else:
        picture.save(out, "WEBP", quality=80, method=4, **options)
    return out.getvalue()


def make_renditions(storage, source_name, *, folder, focal):
    """Every rendition of the original stored as `source_name`, as a table for the Image row.

    Files are named from the original's name, the use and the focal point, so each is
    written once: one already in `storage` is kept as it is. Returns
    {use: [{"width", "height", "webp": [name, bytes], "jpeg": [name, bytes]}, ...]},
    narrowest first.
    """
    written = []
    try:
        return _make_renditions(storage, source_name, folder, focal, written)
    except BaseException:
        for name in written:
            storage.delete(name)
        raise


def _make_renditions(storage, source_name, folder, focal, written):
    # Planned from the header alone: when every file is there already, nothing is decoded.
    with storage.open(source_name, "rb") as fileobj, PILImage.open(fileobj) as header:
        size = header.size
    plan = []  # (use, entry, crop box) for every rendition
    for use in USES.values():
        box = crop_box(size, use.ratio, focal)
        box_w, box_h = box[2] - box[0], box[3] - box[1]
        digest = rendition_digest(source_name, use, focal)
        for width in widths_for(use, box_w):
            entry = {"width": width, "height": max(1, round(width * box_h / box_w))}
            for key in FORMATS:
                extension = "jpg" if key == "jpeg" else key
                entry[key] = [f"{folder}/{use.name}-{width}w-{digest}.{extension}", None]
            plan.append((use, entry, box))
    missing = [
        item for item in plan if not all(storage.exists(item[1][key][0]) for key in FORMATS)
    ]
    if missing:
        # The least scale at which every missing rendition still has a pixel per pixel.
        scale = max(entry["width"] / (box[2] - box[0]) for _, entry, box in missing)
        at_least = (round(size[0] * scale), round(size[1] * scale))
        with storage.open(source_name, "rb") as fileobj:
            picture, icc_profile = open_source(fileobj, at_least=at_least)
        ratio_x, ratio_y = picture.width / size[0], picture.height / size[1]
        for _, entry, box in missing:
            scaled = (box[0] * ratio_x, box[1] * ratio_y, box[2] * ratio_x, box[3] * ratio_y)
            resized = picture.resize(
                (entry["width"], entry["height"]),
                PILImage.Resampling.LANCZOS,
                box=scaled,
                reducing_gap=3,
            )
            for key, (fmt, _) in FORMATS.items():
                name = entry[key][0]
                if not storage.exists(name):
                    name = storage.save(name, ContentFile(encode(resized, fmt, icc_profile)))
                    written.append(name)
                    entry[key][0] = name
    table = {use.name: [] for use in USES.values()}
    for use, entry, _ in plan:
        for key in FORMATS:
            entry[key][1] = storage.size(entry[key][0])
        table[use.name].append(entry)
    return table


def rendition_names(table):
    return {entry[key][0] for entries in table.values() for entry in entries for key in FORMATS}
