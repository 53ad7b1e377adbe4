"""Images made with Pillow for the image tests, and a look at what storage holds."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, ImageCms
from PIL import Image as PILImage

FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def picture(size=(320, 200), colour=(40, 90, 160), mode="RGB"):
    return PILImage.new(mode, size, colour)


def encode(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def image_bytes(fmt, size=(320, 200), **options):
    image = picture(size)
    if fmt == "GIF":
        image = image.convert("P")
    return encode(image, fmt, **options)


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def personal_exif(orientation=None):
    """EXIF naming a place, a camera's serial number and its owner."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Artist] = "Jane Photographer"
    exif[ExifTags.Base.Make] = "Camera Co"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN-123456"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
    b'photoshop:City="Secret Village"/></rdf:RDF></x:xmpmeta>'
)


def png_claiming(width, height):
    """A tiny valid PNG whose header then says it is `width`×`height` pixels."""
    data = bytearray(image_bytes("PNG", size=(8, 8)))
    # The IHDR chunk: length (4), type (4), width (4), height (4)... then its CRC.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def animated_gif(frames, size=(100, 100)):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    images = [picture(size, colours[i % 3]).convert("P") for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)


def stored_files(root):
    """Every file under `root` (the test's MEDIA_ROOT), as paths relative to it."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def open_stored(image_field_file):
    with image_field_file.open("rb") as fileobj:
        image = PILImage.open(io.BytesIO(fileobj.read()))
        image.load()
        return image
