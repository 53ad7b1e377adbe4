"""The Content-Security-Policy in a real browser: the reader site and the admin work under it.

Chromium reports every blocked script, style or image as a `securitypolicyviolation`
event; the tests collect them on each page. The admin's own scripts must run (its
changelist's select-all, its change forms), with no script ever blocked anywhere.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from stories.models import Entity, Section, Source, Story
from tests.reader_world import build_reader_world
from tests.security_support import directives

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long passphrase for the desk"

# Runs before any of the page's own code; Playwright's scripts are not subject to the CSP.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched(page):
    page.context.add_init_script(WATCH_VIOLATIONS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def violations(page):
    return page.evaluate("window.__violations")


def sign_in(page, base_url):
    get_user_model().objects.create_superuser("editor", password=PASSWORD)
    page.goto(base_url + reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**" + reverse("admin:index"))


def test_every_public_page_renders_with_nothing_blocked(live_server, watched, screenshots):
    pages = build_reader_world()
    pages["search"] = reverse("stories:search") + "?q=trains"
    for name, path in pages.items():
        response = watched.goto(live_server.url + path)
        policy = directives(response.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"], name
        assert not any("'unsafe-inline'" in sources for sources in policy.values()), name
        watched.screenshot(path=screenshots / f"{name}.png", full_page=True)
        assert violations(watched) == [], name
    assert watched.errors == []

    # The watch itself works: a script put into the page is blocked and reported.
    watched.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    watched.wait_for_function("window.__violations.length > 0")
    assert violations(watched)[0].startswith("script-src")
    assert watched.evaluate("window.__ran === undefined")


def test_the_admin_works_under_the_policy(live_server, watched, screenshots):
    build_reader_world()
    sign_in(watched, live_server.url)
    story = Story.objects.published().filter(citations__isnull=False).first()
    admin_pages = {
        "index": reverse("admin:index"),
        "stories": reverse("admin:stories_story_changelist"),
        "story-add": reverse("admin:stories_story_add"),
        "story-change": reverse("admin:stories_story_change", args=[story.pk]),
        "story-history": reverse("admin:stories_story_history", args=[story.pk]),
        "entities": reverse("admin:stories_entity_changelist"),
        "entity-change": reverse("admin:stories_entity_change", args=[Entity.objects.first().pk]),
        "section-change": reverse(
            "admin:stories_section_change", args=[Section.objects.first().pk]
        ),
        "source-change": reverse("admin:stories_source_change", args=[Source.objects.first().pk]),
        "users": reverse("admin:auth_user_changelist"),
        "user-change": reverse(
            "admin:auth_user_change", args=[get_user_model().objects.first().pk]
        ),
    }
    for name, path in admin_pages.items():
        response = watched.goto(live_server.url + path)
        assert response.status == 200, name
        assert directives(response.headers["content-security-policy"])["script-src"] == [
            "'self'"
        ], name
        watched.screenshot(path=screenshots / f"{name}.png", full_page=True)
        blocked = violations(watched)
        assert not [v for v in blocked if v.startswith("script")], (name, blocked)
        # Inline styles are allowed in the admin only: nothing else may be blocked.
        assert blocked == [], (name, blocked)
        if name not in ("index", "story-history"):
            # The admin's own scripts loaded and ran.
            assert watched.evaluate("typeof django === 'object' && !!django.jQuery"), name
    assert watched.errors == []

    # Its scripts work: "select all" on the story list ticks every row.
    watched.goto(live_server.url + admin_pages["stories"])
    watched.click("#action-toggle")
    boxes = watched.locator("input.action-select")
    assert boxes.count() and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # ...and so do the date-time shortcuts on a change form.
    watched.goto(live_server.url + admin_pages["story-change"])
    assert watched.locator(".datetimeshortcuts").count()
