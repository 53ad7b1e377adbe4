"""The site's own static files: fingerprinted and compressed for production, no inline code,
nothing fetched from elsewhere, and pages that work without JavaScript."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.reader_world import build_reader_world
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db

CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
EXPECTED_STATUS = {"404": 404, "410": 410}


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic into a fresh folder with the production storage, as a deploy runs it."""
    # pytest-django's settings fixture signals the change, so the storage is rebuilt.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    return settings.STATIC_ROOT


def test_collectstatic_fingerprints_and_compresses_and_pages_link_the_fingerprinted_files(
    client, collected, make_story
):
    # One test, as collectstatic (with brotli for every admin file) takes seconds.
    story = make_story("A story", published=True)
    css = sorted(p.name for p in (collected / "css").iterdir())

    page = parse_html(client.get(story.get_absolute_url()).content.decode())

    hashed = [n for n in css if re.fullmatch(r"site\.[0-9a-f]{12}\.css", n)]
    assert len(hashed) == 1, css
    assert f"{hashed[0]}.gz" in css
    assert f"{hashed[0]}.br" in css
    assert page.one("link", rel="stylesheet").attrs["href"] == f"/static/css/{hashed[0]}"
    icon = page.one("link", rel="icon").attrs["href"]
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.svg", icon), icon


def test_no_page_has_inline_styles_event_handlers_or_scripts_other_than_json_ld(client):
    for name, url in build_reader_world().items():
        response = client.get(url)
        assert response.status_code == EXPECTED_STATUS.get(name, 200), name
        page = parse_html(response.content.decode())
        assert not list(page.all("style")), name
        for element in page.all():
            assert "style" not in element.attrs, (name, element.tag)
            assert not [a for a in element.attrs if a.startswith("on")], (name, element.tag)
            if element.tag == "script" and "src" not in element.attrs:
                # Inline, only data; code comes from this site's own files (a live story's).
                assert element.attrs == {"type": "application/ld+json"}, name
            elif element.tag == "script":
                assert element.attrs["src"].startswith(settings.STATIC_URL), name
            # Everything a page loads (stylesheets, icons, images) comes from this site.
            loaded = element.attrs.get("src") or (
                element.attrs.get("href")
                if element.tag == "link" and element.attrs.get("rel") in {"stylesheet", "icon"}
                else ""
            )
            assert not loaded.startswith(("http:", "https:", "//")), (name, loaded)


def test_the_stylesheet_loads_nothing_from_elsewhere_and_covers_dark_mode_and_print():
    css = CSS.read_text(encoding="utf-8")

    assert "@import" not in css
    assert "@font-face" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media print" in css
