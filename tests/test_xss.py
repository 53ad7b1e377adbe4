"""Stored and reflected XSS: a corpus of payloads in every text field, and no script runs.

The payloads go in the way a lower-privileged writer would put them: real POSTs to the
admin's forms (a story with its citations and tags, an entity, a section, a source, a
publisher), a story file through import_stories, a correction, a workflow comment, a
user's name, search queries. Then Chromium opens every public page and every admin page
that shows them, and each page is checked for what a payload would do if it got
through: `window.__xss` set, a dialog opened, an uncaught error, an event-handler
attribute or a javascript:/data: link in the DOM.

The browser ignores the Content-Security-Policy here (bypass_csp): the policy would block
inline scripts anyway, and this test proves the escaping itself, underneath it.
"""

import io
import json
import re
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from lxml import etree
from reversion.models import Version

from stories import richtext, textformat
from stories.models import Entity, Publisher, Section, Source, Story
from tests.test_admin import form_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each would set window.__xss, open a dialog or leave a handler or script link in the DOM
# if it reached the page as markup: script tags, event handlers, javascript: and data:
# URLs, SVG and MathML, breaking out of attributes, <title>, <textarea> and <script>
# (the JSON-LD), HTML entities and percent-encoding, and broken markup.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    '"><img src=x onerror=window.__xss=1>',
    "'><svg onload=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    "</textarea><script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<details open ontoggle=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    '<a href="javascript:window.__xss=1">js</a>',
    '<a href="&#106;avascript:window.__xss=1">entity</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "&#60;img src=x onerror=window.__xss=1&#62;",
    "%3Cscript%3Ewindow.__xss=1%3C%2Fscript%3E",
    '<img src="x` `<script>window.__xss=1</script>"` `>',
    "<body onload=window.__xss=1>",
    "<!--<img src=--><img src=x onerror=window.__xss=1//-->",
    "javascript:window.__xss=1",
    "\u202e<img src=x onerror=window.__xss=1>",
]
EVERYTHING = " ".join(PAYLOADS)
# Links whose hrefs are tried where the field wants a URL: refused, or kept harmless.
HOSTILE_URLS = [
    'https://example.org/a"><script>window.__xss=1</script>',
    "https://example.org/<img/src=x/onerror=window.__xss=1>",
    "https://example.org/'onmouseover='window.__xss=1",
]
REFUSED_URLS = ["javascript:window.__xss=1", "data:text/html,<script>alert(1)</script>"]

# What each page is checked for after loading (Playwright runs it whatever the policy).
FIND_INJECTIONS = """() => {
  const found = [];
  if (window.__xss !== undefined) found.push("window.__xss was set");
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith("on")) found.push(`${el.tagName} ${attr.name}=${attr.value}`);
      if (["href", "src", "action", "formaction", "xlink:href", "srcdoc"].includes(name)
          && (value.startsWith("javascript:") || value.startsWith("data:text")
              || name === "srcdoc"))
        found.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
    if (el.tagName === "SCRIPT" && !el.src
        && !["application/ld+json", "application/json"].includes(el.type))
      found.push(`inline script: ${el.textContent.slice(0, 60)}`);
    if (["IFRAME", "EMBED", "OBJECT", "FRAME"].includes(el.tagName))
      found.push(`${el.tagName} element`);
  }
  return found;
}"""


def bundles(limit):
    """The payloads in groups, each group joined by spaces and at most `limit` long."""
    groups, current = [], ""
    for payload in PAYLOADS:
        if current and len(current) + 1 + len(payload) > limit:
            groups.append(current)
            current = ""
        current = f"{current} {payload}".strip()
    return [*groups, current]


def first_bundle(limit):
    return bundles(limit)[0]


def as_html(text):
    return f"<p>{text}</p>"


@pytest.fixture
def hostile_page(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))

    def on_dialog(dialog):
        page.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser("editor", password="a long passphrase")
    # An author's name is shown on bylines and author pages.
    user.first_name = first_bundle(150)
    user.last_name = "<img src=x onerror=window.__xss=1>"
    user.save()
    return user


@pytest.fixture
def admin_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def post_form(client, url, fields, inline_rows=None):
    data = form_data(client.get(url), inline_rows)
    data.update(fields)
    return client.post(url, data)


def saved(response):
    assert response.status_code == 302, response.context and response.context.get("errors")
    return response


def admin_url(model, view, *args):
    return reverse(f"admin:stories_{model._meta.model_name}_{view}", args=args)


def build_hostile_newsroom(client, editor):
    """Every text field of a section, publisher, source, entity and story full of payloads,
    put in through the admin's forms, the importer, the workflow and search."""
    section_name = first_bundle(100)
    saved(
        post_form(
            client,
            admin_url(Section, "add"),
            {"name": section_name, "slug": "hostile", "description": EVERYTHING},
        )
    )
    section = Section.objects.get(slug="hostile")
    saved(
        post_form(
            client,
            admin_url(Section, "add"),
            {
                "name": bundles(100)[1],
                "slug": "inner",
                "parent": section.pk,
                "description": EVERYTHING,
            },
        )
    )

    saved(
        post_form(
            client,
            admin_url(Publisher, "add"),
            {"name": first_bundle(200), "homepage": HOSTILE_URLS[0]},
        )
    )
    publisher = Publisher.objects.get()
    for n, url in enumerate(HOSTILE_URLS[1:]):
        saved(
            post_form(
                client,
                admin_url(Source, "add"),
                {
                    "url": url,
                    "title": bundles(500)[n % len(bundles(500))],
                    "publisher": publisher.pk,
                    "published_on": "2025-07-24",
                },
            )
        )
    for url in REFUSED_URLS:
        refused = post_form(client, admin_url(Source, "add"), {"url": url, "title": "Trap"})
        assert refused.status_code == 200 and refused.context["errors"], url
        refused = post_form(client, admin_url(Publisher, "add"), {"name": url, "homepage": url})
        assert refused.status_code == 200 and refused.context["errors"], url

    entities = []
    for n, name in enumerate(bundles(200)[:3]):
        saved(
            post_form(
                client,
                admin_url(Entity, "add"),
                {
                    "name": name,
                    "slug": f"hostile-{n}",
                    "kind": "organization",
                    "aliases": "\n".join(PAYLOADS[n::3][:5]),
                    "description": EVERYTHING,
                },
            )
        )
        entities.append(Entity.objects.get(slug=f"hostile-{n}"))
    refused = post_form(
        client, admin_url(Entity, "add"), {"name": "Trap", "wikidata_id": REFUSED_URLS[0]}
    )
    assert refused.status_code == 200 and refused.context["errors"]

    citations = [
        {
            "position": n,
            "title": title,
            "url": url,
            "publisher_name": first_bundle(200),
            "published_on": "2025-07-24",
        }
        for n, (title, url) in enumerate(zip(bundles(500), HOSTILE_URLS, strict=False))
    ]
    text = {
        "title": first_bundle(300),
        "headline": first_bundle(300),
        "dek": EVERYTHING,
        "story_line": bundles(300)[1],
        "summary": "".join(as_html(p) for p in PAYLOADS[:8]) + EVERYTHING,
        "full_headline": bundles(300)[2],
        # Capitalised words around the payloads, for the entity suggestions to pick up.
        "body": "".join(
            as_html(f"Hostile Holdings <b>said</b> {p} in Hostile City.") for p in PAYLOADS
        )
        + EVERYTHING,
        "section": section.pk,
        "tags": ", ".join(f'"{p}"' for p in PAYLOADS[:6]),
        "authors": [editor.pk],
        "slug": "hostile-story",
    }
    saved(post_form(client, admin_url(Story, "add"), text, {"citations": citations}))
    story = Story.objects.get(slug="hostile-story")
    assert story.citations.count() == len(citations)
    for entity in entities:
        story.link_entity(entity)
    # A second revision with other payloads, for the history and its word diff.
    change = admin_url(Story, "change", story.pk)
    saved(
        post_form(
            client, change, {"dek": " ".join(reversed(PAYLOADS)), "headline": bundles(300)[-1]}
        )
    )
    story.refresh_from_db()
    story.publish(by=editor, comment=EVERYTHING)
    story.correct(EVERYTHING, by=editor)
    story.share(by=editor)

    # A draft waiting on the desk, and a published story, both from a story file.
    imported = []
    for name, publish in (("hostile-import.txt", True), ("hostile-draft.txt", False)):
        imported.append(import_hostile_file(name, section=section, publish=publish))
    draft = imported[1]
    draft.change_status(Story.Status.IN_REVIEW, by=editor, comment=EVERYTHING)
    imported[0].authors.add(editor)
    imported[0].tags.add(*PAYLOADS[6:9])
    return {
        "story": story,
        "imported": imported[0],
        "draft": draft,
        "entities": entities,
        "section": section,
        "publisher": publisher,
    }


def import_hostile_file(name, *, section, publish):
    lines = bundles(280)
    document = textformat.Document(
        title=lines[0],
        headline=lines[1 % len(lines)],
        dek=EVERYTHING,
        story_line=lines[2 % len(lines)],
        summary=PAYLOADS[:10],
        full_headline=lines[-1],
        body=[textformat.body_block(f"Hostile Holdings said {p}.") for p in PAYLOADS],
        sources=[
            textformat.SourceLine(
                title=lines[0],
                url="https://example.org/<script>",
                publisher="<img src=x onerror=window.__xss=1>",
            )
        ],
    )
    text = textformat.format(document)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        out = io.StringIO()
        args = [str(path), "--section", section.path]
        call_command("import_stories", *args, *(["--publish"] if publish else []), stdout=out)
    story = Story.objects.get(import_name=name)
    assert story.body_blocks() == document.body  # kept as text, every character
    assert "<script" not in richtext.sanitise(story.body)
    return story


def check_page(page, url, *, name, screenshots=None):
    """Opens `url` and returns what any payload managed to do there."""
    response = page.goto(url)
    assert response is not None and response.status < 500, (name, response and response.status)
    page.wait_for_load_state("load")
    found = page.evaluate(FIND_INJECTIONS) + page.problems
    page.problems.clear()
    if screenshots is not None:
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    return [f"{name}: {problem}" for problem in found]


def test_no_payload_runs_on_any_public_or_admin_page(
    live_server, hostile_page, screenshots, editor, admin_client
):
    world = build_hostile_newsroom(admin_client, editor)
    story, imported, draft = world["story"], world["imported"], world["draft"]
    entity, section = world["entities"][0], world["section"]
    tag = story.tags.first()
    base = live_server.url
    search = reverse("stories:search")
    public = {
        "home": "/",
        "section": section.get_absolute_url(),
        "subsection": Section.objects.get(slug="inner").get_absolute_url(),
        "story": story.get_absolute_url(),
        "imported-story": imported.get_absolute_url(),
        "entity": entity.get_absolute_url(),
        "tag": reverse("stories:tag", kwargs={"slug": tag.slug}),
        "author": author_path(story),
        "search-results": f"{search}?q=Hostile",
        "search-reflected": f"{search}?q={quote(EVERYTHING)}",
        "not-found": "/" + quote("<script>window.__xss=1</script>") + "/",
        "not-found-story": "/stories/" + quote('"><svg onload=window.__xss=1>') + "/",
        "shared-preview": story.share_links.first().get_absolute_url(),
    }
    problems = []
    for name, path in public.items():
        problems += check_page(hostile_page, base + path, name=name, screenshots=screenshots)

    # The payloads are on those pages, as text: the escaping, not their absence, passed.
    hostile_page.goto(base + story.get_absolute_url())
    assert PAYLOADS[0] in hostile_page.locator("main").inner_text()

    sign_in(hostile_page, base)
    entity_two = world["entities"][1]
    admin_pages = {
        "admin-index-desk": reverse("admin:index"),
        "stories": admin_url(Story, "changelist"),
        "stories-searched": admin_url(Story, "changelist") + "?q=" + quote(EVERYTHING[:200]),
        "stories-by-section": admin_url(Story, "changelist") + f"?section__id__exact={section.pk}",
        "story-change": admin_url(Story, "change", story.pk),
        "story-history": admin_url(Story, "history", story.pk),
        "story-share": reverse("admin:stories_story_share", args=[story.pk]),
        "story-delete": admin_url(Story, "delete", story.pk),
        "draft-suggestions": admin_url(Story, "change", draft.pk),
        "imported-change": admin_url(Story, "change", imported.pk),
        "entities": admin_url(Entity, "changelist"),
        "entity-change": admin_url(Entity, "change", entity.pk),
        "entity-two-change": admin_url(Entity, "change", entity_two.pk),
        "sections": admin_url(Section, "changelist"),
        "section-change": admin_url(Section, "change", section.pk),
        "sources": admin_url(Source, "changelist"),
        "source-change": admin_url(Source, "change", Source.objects.first().pk),
        "sources-inbox": reverse("admin:stories_sourceinbox_changelist"),
        "publishers": admin_url(Publisher, "changelist"),
        "publisher-change": admin_url(Publisher, "change", world["publisher"].pk),
        "users": reverse("admin:auth_user_changelist"),
        "preview": reverse("stories:preview", kwargs={"slug": draft.slug}),
    }
    for name, path in admin_pages.items():
        problems += check_page(hostile_page, base + path, name=name, screenshots=screenshots)

    # The word diff between the story's two revisions, and against the story as it is.
    compare = reverse("admin:stories_story_compare", args=[story.pk])
    versions = [v.pk for v in Version.objects.get_for_object(story)]
    assert len(versions) >= 2
    problems += check_page(
        hostile_page,
        f"{base}{compare}?from={versions[-1]}&to={versions[0]}",
        name="story-compare",
        screenshots=screenshots,
    )
    problems += check_page(
        hostile_page, f"{base}{compare}?from={versions[-1]}", name="story-compare-current"
    )

    # Saving in the browser: the success message names the story.
    hostile_page.goto(base + admin_pages["story-change"])
    # The form posts once the autosave has what was typed, so wait for that page.
    with hostile_page.expect_navigation():
        hostile_page.locator("input[name=_continue]").first.click()
    problems += [f"after saving: {p}" for p in hostile_page.evaluate(FIND_INJECTIONS)]
    assert hostile_page.locator(".messagelist").count()

    # The merge confirmation page lists the entities by name.
    hostile_page.goto(base + admin_pages["entities"])
    for one in world["entities"][:2]:
        hostile_page.check(f"input.action-select[value='{one.pk}']")
    hostile_page.select_option("select[name=action]", "merge_entities")
    hostile_page.click("button[name=index]")
    hostile_page.wait_for_load_state("load")
    problems += [f"entity-merge: {p}" for p in hostile_page.evaluate(FIND_INJECTIONS)]
    hostile_page.screenshot(path=screenshots / "entity-merge.png", full_page=True)
    problems += hostile_page.problems

    assert problems == [], "\n".join(problems)


def author_path(story):
    from stories.views import author_url

    return author_url(story.authors.first())


def sign_in(page, base):
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long passphrase")
    page.click("input[type=submit]")
    page.wait_for_url("**" + reverse("admin:index"))


def test_feeds_and_sitemaps_carry_the_payloads_only_as_text(live_server, editor, admin_client):
    world = build_hostile_newsroom(admin_client, editor)
    story, entity = world["story"], world["entities"][0]
    client = Client()
    feeds = [
        reverse("stories:feed-rss"),
        reverse("stories:feed-atom"),
        reverse("stories:section-feed-rss", kwargs={"path": world["section"].path}),
        reverse("stories:entity-feed-atom", kwargs={"slug": entity.slug}),
        reverse("stories:tag-feed-rss", kwargs={"slug": story.tags.first().slug}),
        reverse("stories:author-feed-rss", kwargs={"pk": editor.pk}),
        reverse("stories:search-feed") + "?q=Hostile",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemap-stories.xml",
    ]
    xhtml = "{http://www.w3.org/1999/xhtml}"
    for path in feeds:
        response = client.get(path)
        if response.status_code == 404 and path.startswith("/sitemap-"):
            continue
        assert response.status_code == 200, path
        root = etree.fromstring(response.content)  # well-formed, whatever the payloads
        for element in root.iter():
            tag = element.tag if isinstance(element.tag, str) else ""
            # No markup of a payload became an element, in the XHTML namespace or out of it.
            assert not tag.startswith(xhtml), (path, tag)
            assert etree.QName(tag).localname.lower() not in {"script", "img", "svg", "iframe"}
        if "feed" in path:
            assert b"window.__xss" in response.content, path  # there, as text


def test_outbound_links_on_public_pages_keep_the_reader_private(
    live_server, hostile_page, editor, admin_client
):
    world = build_hostile_newsroom(admin_client, editor)
    story = world["story"]
    # A link to another site written into the body.
    story.body += '<p>See <a href="https://elsewhere.example/report">the report</a>.</p>'
    story.save()
    world["entities"][0].wikidata_id = "Q42"
    world["entities"][0].save()
    base = live_server.url
    pages = [
        "/",
        story.get_absolute_url(),
        world["imported"].get_absolute_url(),
        world["entities"][0].get_absolute_url(),
        world["section"].get_absolute_url(),
        author_path(story),
        reverse("stories:search") + "?q=Hostile",
    ]
    own_host = urlsplit(base).netloc
    outbound = []
    for path in pages:
        hostile_page.goto(base + path)
        for link in hostile_page.locator("a[href]").all():
            href = link.get_attribute("href")
            if urlsplit(href).scheme in ("http", "https") and urlsplit(href).netloc != own_host:
                outbound.append((path, href, link.get_attribute("rel") or "", link))
    assert any("elsewhere.example" in href for _, href, _, _ in outbound)
    cited = {c.url for c in story.citations.all()} | {
        c.url for c in world["imported"].citations.all()
    }
    for path, href, rel, link in outbound:
        words = set(rel.split())
        assert {"noopener", "noreferrer"} <= words, (path, href, rel)
        if href in cited or link.evaluate("a => !!a.closest('cite')"):
            assert "nofollow" in words, (path, href, rel)


def test_the_story_page_json_ld_stays_json(live_server, editor, admin_client):
    world = build_hostile_newsroom(admin_client, editor)
    html = Client().get(world["story"].get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert blocks
    for block in blocks:
        data = json.loads(block)  # one whole JSON value: no payload closed the element
        assert "window.__xss" in json.dumps(data)
