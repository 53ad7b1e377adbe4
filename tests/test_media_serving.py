"""Served as `make serve` serves it (DEBUG off, gunicorn), every image a published story
page names answers 200: the picture's renditions, og:image, the JSON-LD images, the feed's
enclosures. Renditions may be kept for a year; reader pages go out compressed, editors'
pages never do (BREACH)."""

import gzip
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import lxml.html
import pytest

from newsroom.media import DAY, YEAR, max_age
from tests.serving import fetch, gunicorn

ROOT = Path(__file__).resolve().parent.parent

PUBLISH = """
import io
from PIL import Image as Picture
from django.core.files.uploadedfile import SimpleUploadedFile
from stories.models import Image, Section, Story
out = io.BytesIO()
Picture.new("RGB", (1800, 1200), (40, 90, 160)).save(out, "JPEG")
image = Image.objects.create_from_upload(
    SimpleUploadedFile("harbour.jpg", out.getvalue(), content_type="image/jpeg"),
    alt_text="Two ferries at the quay",
)
city = Section.objects.create(name="City", slug="city")
story = Story.objects.create(
    title="Ferries go electric", headline="Ferries go electric", section=city, lead_image=image,
    dek="The first two ferries run on batteries.", body="<p>They sail from Monday.</p>",
)
story.publish()
from django.contrib.auth import get_user_model
from stories.models import Contributor
rita = get_user_model().objects.create_user("rita", first_name="Rita", last_name="Porter")
out = io.BytesIO()
Picture.new("RGB", (600, 600), (160, 90, 40)).save(out, "JPEG")
portrait = Image.objects.create_from_upload(
    SimpleUploadedFile("rita.jpg", out.getvalue(), content_type="image/jpeg"), alt_text="Rita"
)
Contributor.objects.create(user=rita, name="Rita Porter", photo=portrait, role="Reporter")
story.authors.add(rita)
bare = Story.objects.create(
    title="No picture", headline="No picture", section=city,
    dek="A story without a picture.", body="<p>Words only.</p>",
)
bare.publish()
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env = {
        **{k: v for k, v in env.items() if k not in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "media-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
    }
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PUBLISH], cwd=ROOT, env=env, check=True
    )
    with gunicorn(env) as base:
        yield base


def image_urls(base, path):
    """Every image address the page at `path` gives: <img>, <source>, meta tags, JSON-LD."""
    status, body, _ = fetch(base + path)
    assert status == 200
    html = lxml.html.fromstring(body)
    urls = set(html.xpath("//img/@src"))
    for srcset in html.xpath("//img/@srcset | //source/@srcset"):
        urls |= {part.strip().split()[0] for part in srcset.split(",")}
    urls |= set(html.xpath("//meta[@property='og:image' or @name='twitter:image']/@content"))
    urls |= set(html.xpath("//link[@rel='icon']/@href"))

    def walk(value):
        if isinstance(value, dict):
            if value.get("@type") == "ImageObject":
                urls.add(value["url"])
            for key, item in value.items():
                if key == "image" and isinstance(item, list):
                    urls.update(i for i in item if isinstance(i, str))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for script in html.xpath("//script[@type='application/ld+json']/text()"):
        walk(json.loads(script))
    return {urljoin(base + path, url) for url in urls}


def test_every_image_on_a_published_story_page_answers_200(site):
    urls = image_urls(site, "/stories/ferries-go-electric/")
    renditions = {url for url in urls if "/media/images/renditions/" in url}
    # The author's portrait in the byline card, and in the article's Person.
    assert {url.split("/renditions/")[1].split("/")[0] for url in renditions} == {"1", "2"}
    # WebP and JPEG at several widths, the share crop, the square and 4:3 crops.
    assert len(renditions) >= 8
    assert any("/static/" in url for url in urls)  # the publisher's logo
    for url in sorted(urls):
        status, _, headers = fetch_bytes(url)
        assert status == 200, url
        assert headers["Content-Type"].startswith("image/"), url
    status, _, headers = fetch_bytes(sorted(renditions)[0])
    assert "immutable" in headers["Cache-Control"]
    assert f"max-age={YEAR}" in headers["Cache-Control"]


def test_a_story_without_a_picture_gives_the_site_image_and_it_answers_200(site):
    urls = image_urls(site, "/stories/no-picture/")
    assert urls
    assert all(fetch_bytes(url)[0] == 200 for url in urls)


def test_feed_enclosures_answer_200(site):
    _, body, _ = fetch(site + "/feeds/latest.rss")
    enclosures = [
        link.href for entry in feedparser.parse(body).entries for link in entry.enclosures
    ]
    assert enclosures
    assert all(fetch_bytes(url)[0] == 200 for url in enclosures)


def test_media_outside_the_images_or_leaving_the_folder_is_not_served(site):
    for path in ["/media/../site.sqlite3", "/media/%2e%2e/site.sqlite3", "/media/site.sqlite3",
                 "/media/images/.hidden.jpg", "/media/images/nothing-here.jpg"]:  # fmt: skip
        assert fetch_bytes(site + path)[0] == 404, path


def test_reader_pages_are_compressed_and_editors_pages_are_not(site):
    for path in ["/", "/city/", "/stories/ferries-go-electric/", "/feeds/latest.rss"]:
        status, body, headers = fetch_bytes(site + path, gzip_ok=True)
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip", path
        assert b"</" in gzip.decompress(body)
    status, _, headers = fetch_bytes(site + "/admin/login/", gzip_ok=True)
    assert status == 200
    assert "Content-Encoding" not in headers  # it carries a CSRF token


def test_originals_are_kept_a_day_and_renditions_a_year():
    assert max_age("images/renditions/12/lead-800w-0123456789.webp") == YEAR
    assert max_age("images/2026/12/harbour.jpg") == DAY


def test_object_storage_keeps_renditions_a_year_and_originals_a_day():
    pytest.importorskip("storages", reason='django-storages is the "s3" extra')
    from newsroom.s3 import MediaS3Storage

    storage = MediaS3Storage(bucket_name="newsroom-media")

    rendition = storage.get_object_parameters("images/renditions/12/card-640w-0123456789.jpg")
    original = storage.get_object_parameters("images/2026/12/harbour.jpg")
    assert rendition["CacheControl"] == f"public, max-age={YEAR}, immutable"
    assert original["CacheControl"] == f"public, max-age={DAY}"


def fetch_bytes(url, *, gzip_ok=False):
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
