"""Draws the site's own pictures into static/site/: the publisher logo and the picture
that stands in for a story without one (16:9, 4:3 and 1:1), in the site's colours.

They are committed; run this again only to change them. Drawn with Pillow from shapes,
no font and no copied artwork.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

PAPER = (243, 241, 234)
INK = (26, 26, 26)
ACCENT = (163, 22, 43)
RULE = (217, 213, 202)
# An "N" on a 100 × 100 grid.
LETTER = [(22, 20), (36, 20), (66, 62), (66, 20), (78, 20), (78, 80), (64, 80), (34, 38),
          (34, 80), (22, 80)]  # fmt: skip

# name: (width, height, size of the mark)
PICTURES = {
    "share-16x9.png": (1200, 675, 300),
    "share-4x3.png": (1200, 900, 360),
    "share-1x1.png": (1200, 1200, 440),
}
LOGO = ("logo.png", 512)


def mark(draw, left, top, size):
    draw.rectangle([left, top, left + size - 1, top + size - 1], fill=ACCENT)
    draw.polygon([(left + x * size / 100, top + y * size / 100) for x, y in LETTER], fill=PAPER)


def share_picture(width, height, size):
    picture = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(picture)
    # A newspaper's column rules behind the mark.
    margin = width // 12
    for n in range(1, 4):
        x = margin + n * (width - 2 * margin) // 4
        draw.line([(x, margin), (x, height - margin)], fill=RULE, width=3)
    draw.line([(margin, margin), (width - margin, margin)], fill=INK, width=8)
    draw.line([(margin, height - margin), (width - margin, height - margin)], fill=INK, width=3)
    mark(draw, (width - size) // 2, (height - size) // 2, size)
    return picture


class Command(BaseCommand):
    help = "Draws the logo and the stand-in story pictures into static/site/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "site"
        folder.mkdir(parents=True, exist_ok=True)
        for name, (width, height, size) in PICTURES.items():
            share_picture(width, height, size).save(folder / name, optimize=True)
            self.stdout.write(str(folder / name))
        name, size = LOGO
        logo = Image.new("RGB", (size, size), PAPER)
        mark(ImageDraw.Draw(logo), 0, 0, size)
        logo.save(folder / name, optimize=True)
        self.stdout.write(str(folder / name))
