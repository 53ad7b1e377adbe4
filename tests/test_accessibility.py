"""Every page type is accessible (axe-core, WCAG 2.1 AA) and valid HTML (the Nu checker).

axe-core and the Nu HTML Checker come from the npm registry into var/node/:

    npm install --prefix var/node axe-core@4 vnu-jar@26

and the checker runs on the machine's Java. Without them these tests skip, saying so.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.views.defaults import server_error

from tests.reader_world import build_reader_world

NODE_MODULES = Path(__file__).resolve().parent.parent / "var" / "node" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "npm install --prefix var/node axe-core@4 vnu-jar@26"

# What a page must pass: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
WIDTHS = {"phone": 390, "desktop": 1280}
EXPECTED_STATUS = {"404": 404, "410": 410}


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} ({INSTALL})")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def vnu_command():
    java = shutil.which("java")
    if not VNU.exists() or not java:
        pytest.skip(f"the Nu HTML Checker needs {VNU} ({INSTALL}) and java (default-jre-headless)")
    return [java, "-jar", str(VNU)]


def describe(violations):
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
# Dark mode changes colours, not layout: checking it at one width is enough.
@pytest.mark.parametrize(
    ("width", "scheme"), [("phone", "light"), ("desktop", "light"), ("phone", "dark")]
)
def test_every_page_type_has_no_axe_violations(
    live_server, browser, screenshots, axe_source, width, scheme
):
    pages = build_reader_world()
    context = browser.new_context(
        viewport={"width": WIDTHS[width], "height": 900},
        color_scheme=scheme,
        # The site will run under a strict CSP; axe is injected for the test only.
        bypass_csp=True,
    )
    page = context.new_page()
    found = {}
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == EXPECTED_STATUS.get(name, 200), name
        page.add_script_tag(content=axe_source)
        result = page.evaluate(
            "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", AXE_RULES
        )
        problems = describe(result["violations"])
        # Responsive: nothing pushes the page wider than the screen.
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems += "\nthe page scrolls sideways"
        if problems:
            found[name] = problems
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    context.close()
    assert not found, "\n".join(f"{page}:\n{problems}" for page, problems in found.items())


@pytest.mark.django_db
def test_every_page_type_is_valid_html(client, rf, tmp_path, vnu_command):
    pages = build_reader_world()
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == EXPECTED_STATUS.get(name, 200), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    # The 500 page is rendered without the site's context, so it is checked on its own.
    files.append(tmp_path / "500.html")
    files[-1].write_bytes(server_error(rf.get("/")).content)

    checked = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    messages = json.loads(checked.stdout)["messages"]
    errors = [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '')}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_fit_the_narrowest_phones_and_print_without_navigation(
    live_server, page, screenshots
):
    pages = build_reader_world()
    page.set_viewport_size({"width": 360, "height": 740})
    for name, url in pages.items():
        page.goto(live_server.url + url)
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), name

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + pages["story"])
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.site-nav', '.site-search', '.breadcrumb', '.related', '.skip-link']
            .map(s => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert hidden == ["none"] * 5
    page.screenshot(path=screenshots / "story-print.png", full_page=True)
