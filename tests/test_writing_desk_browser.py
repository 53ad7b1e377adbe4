"""The writing desk in a real browser: the rich-text editor of the story form.

A reporter writes a story with the toolbar and the keyboard only, and the stored HTML
holds exactly what they made; text pasted from Google Docs, Word and plain text comes
in clean; an imported story opened and saved unchanged exports byte for byte as its
file; the editor's schema and the server's sanitiser agree; nothing breaks the CSP.
"""

import importlib
import io

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from stories import richtext
from stories.models import Story
from tests.test_accessibility import AXE, AXE_RULES, INSTALL, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture
def newsroom_people(django_user_model):
    # Transactional tests empty the database after each test, groups included.
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    Group = apps.get_model("auth", "Group")

    def make(name, first, group):
        user = django_user_model.objects.create_user(
            name, f"{name}@example.com", first_name=first, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make("rita", "Rita", "Reporter"), make("edna", "Edna", "Editor")


def signed_in(browser, live_server, user, *, width="desktop", bypass_csp=False):
    """A page with `user` signed in, that records script errors and CSP violations.

    `bypass_csp` lets a test inject axe-core; every other test runs under the site's CSP.
    """
    client = Client()
    client.force_login(user)
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, bypass_csp=bypass_csp)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and page.problems.append(message.text)
        ),
    )
    # The admin has no favicon link, so browsers ask for /favicon.ico: not this test's.
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico/")
            and page.problems.append(f"{response.status} {response.url}")
        ),
    )
    return page


def admin_url(live_server, name, *args):
    return live_server.url + reverse(f"admin:stories_story_{name}", args=args)


def editor(page, name):
    """The writing surface of the rich-text field `name`, once the editor is up."""
    surface = page.locator(f".field-{name} [role=textbox]")
    surface.wait_for()
    return surface


def press(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).first.click()


def test_a_reporter_writes_a_story_with_the_toolbar_and_the_keyboard(
    browser, live_server, screenshots, newsroom_people
):
    reporter, _ = newsroom_people
    page = signed_in(browser, live_server, reporter)
    page.goto(admin_url(live_server, "add"))
    page.fill("#id_headline", "Zeppelin flights return over the lake")
    page.fill("#id_dek", "Sightseeing flights resume after twenty years.")

    body = editor(page, "body")
    toolbar = page.get_by_role("toolbar", name="Formatting: Body")
    body.click()
    keyboard = page.keyboard
    keyboard.type("The airship flies again after twenty years.")
    keyboard.press("Enter")
    toolbar.get_by_role("button", name="Subheading").click()
    keyboard.type("Timetable")
    keyboard.press("Enter")
    keyboard.type("Flights leave at ")
    keyboard.press("Control+b")
    keyboard.type("ten")
    keyboard.press("Control+b")
    keyboard.type(" every morning; see the operator's page")
    for _ in "operator's page":
        keyboard.press("Shift+ArrowLeft")
    # (The editor reads the browser's selection a moment later; a person is slower.)
    page.wait_for_function(
        """() => {
            const editor = document.querySelector(".field-body .ProseMirror").editor
            const {from, to} = editor.state.selection
            return editor.state.doc.textBetween(from, to) === "operator's page"
        }"""
    )
    keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Add link")
    dialog.get_by_label("Web address").fill("javascript:alert(1)")
    keyboard.press("Enter")
    assert dialog.is_visible()  # refused: links go to web pages only
    dialog.get_by_label("Web address").fill("https://zeppelin.example/timetable")
    keyboard.press("Enter")
    assert not dialog.is_visible()
    # Back in the text where the link was made: the editor takes the focus back as the
    # dialog closes, a moment later (a person is slower than the next key).
    page.wait_for_function(
        """() => {
            const editor = document.querySelector(".field-body .ProseMirror").editor
            const {$from} = editor.state.selection
            return editor.view.hasFocus() && $from.parent.textContent.startsWith("Flights")
        }"""
    )
    keyboard.press("End")
    keyboard.type(".")
    keyboard.press("Enter")
    # The toolbar from the keyboard: Alt+F10 reaches it, arrows move along it.
    keyboard.press("Alt+F10")
    assert page.evaluate("document.activeElement.textContent") == "Paragraph"
    while page.evaluate("document.activeElement.textContent") != "Bulleted list":
        keyboard.press("ArrowRight")
    keyboard.press("Enter")
    keyboard.type("Adults: 90 euros")
    keyboard.press("Enter")
    keyboard.type("Children: 45 euros")
    assert toolbar.get_by_role("button", name="Bulleted list").get_attribute("aria-pressed") == (
        "true"
    )
    assert (
        "words, about 1 minute to read" in page.locator(".field-body .richtext-count").inner_text()
    )
    page.screenshot(path=screenshots / "1-reporter-writes-desktop.png", full_page=True)

    press(page, "Save and submit for review")
    assert not page.problems, page.problems
    story = Story.objects.get(headline="Zeppelin flights return over the lake")
    assert story.status == Story.Status.IN_REVIEW
    assert story.body == (
        "<p>The airship flies again after twenty years.</p>"
        "<h2>Timetable</h2>"
        "<p>Flights leave at <strong>ten</strong> every morning; see the "
        '<a href="https://zeppelin.example/timetable">operator\'s page</a>.</p>'
        "<ul><li><p>Adults: 90 euros</p></li><li><p>Children: 45 euros</p></li></ul>"
    )
    page.screenshot(path=screenshots / "2-reporter-submitted.png", full_page=True)

    phone = signed_in(browser, live_server, reporter, width="phone")
    story.change_status(Story.Status.DRAFT, comment="Add the ticket office.")
    phone.goto(admin_url(live_server, "change", story.pk))
    editor(phone, "body")
    assert not phone.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    phone.screenshot(path=screenshots / "3-reporter-phone.png", full_page=True)
    phone.screenshot(path=screenshots / "3-reporter-phone-top.png")
    assert not phone.problems, phone.problems


# Clipboard HTML of the kinds office programs write (made for these tests, in their
# shapes): Google Docs wraps everything in a <b> that is not bold and styles spans;
# Word writes classes, its own tags and lists as paragraphs with typed bullets.
GOOGLE_DOCS = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b">'
    '<h1 dir="ltr" style="line-height:1.38;margin-top:20pt"><span style="font-size:20pt;'
    'font-family:Arial;font-weight:400">Harbour tug runs on hydrogen</span></h1>'
    '<p dir="ltr" style="line-height:1.38"><span style="font-size:11pt;font-weight:400">'
    'The tug </span><span style="font-size:11pt;font-weight:700">Ceres</span>'
    '<span style="font-size:11pt;font-weight:400"> left the yard on </span>'
    '<span style="font-size:11pt;font-style:italic;font-weight:400">Monday</span>'
    '<span style="font-size:11pt;font-weight:400">.</span></p><br>'
    '<h2 dir="ltr"><span style="font-size:16pt;font-weight:400">What it costs</span></h2>'
    '<p dir="ltr"><a href="https://port.example/tug" style="text-decoration:none;">'
    '<span style="color:#1155cc;text-decoration:underline">The port\'s figures</span></a>'
    '<span style="font-weight:400"> put it at four million.</span></p><br>'
    '<ul style="margin-top:0;margin-bottom:0"><li dir="ltr" style="list-style-type:disc;" '
    'aria-level="1"><p dir="ltr" role="presentation"><span>Range: 200 km</span></p></li>'
    '<li dir="ltr" style="list-style-type:disc;" aria-level="1"><p dir="ltr" '
    'role="presentation"><span>Refuelling: 20 minutes</span></p></li></ul>'
    '<p dir="ltr"><span style="font-size:11pt"><img src="https://lh3.example/x.png" '
    'width="100"></span></p></b>'
)
WORD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>'
    "p.MsoNormal{margin:0cm;}</style></head><body lang=EN-GB><!--StartFragment-->"
    '<h1 style="mso-margin-top-alt:auto"><span lang=EN-GB>Library reopens</span></h1>'
    "<p class=MsoNormal><span lang=EN-GB>The library opens its doors on </span>"
    "<b><span lang=EN-GB>Saturday</span></b><span lang=EN-GB>, with </span>"
    "<i><span lang=EN-GB>longer</span></i><span lang=EN-GB> hours.<o:p></o:p></span></p>"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
    '<p class=MsoListParagraphCxSpFirst style="text-indent:-18.0pt;mso-list:l0 level1 lfo1">'
    '<![if !supportLists]><span style="font-family:Symbol"><span style="mso-list:Ignore">·'
    "<span style=\"font:7.0pt 'Times New Roman'\">&nbsp;&nbsp;&nbsp; </span></span></span>"
    "<![endif]><span lang=EN-GB>Reading room<o:p></o:p></span></p>"
    '<p class=MsoListParagraphCxSpLast style="text-indent:-18.0pt;mso-list:l0 level1 lfo1">'
    '<![if !supportLists]><span style="font-family:Symbol"><span style="mso-list:Ignore">·'
    "<span style=\"font:7.0pt 'Times New Roman'\">&nbsp;&nbsp;&nbsp; </span></span></span>"
    "<![endif]><span lang=EN-GB>Children's corner<o:p></o:p></span></p>"
    '<p class=MsoListParagraphCxSpFirst style="text-indent:-18.0pt;mso-list:l1 level1 lfo2">'
    '<![if !supportLists]><span><span style="mso-list:Ignore">1.<span style="font:7.0pt '
    "'Times New Roman'\">&nbsp;&nbsp; </span></span></span><![endif]>"
    "<span lang=EN-GB>Book a seat<o:p></o:p></span></p>"
    '<p class=MsoListParagraphCxSpLast style="text-indent:-18.0pt;mso-list:l1 level1 lfo2">'
    '<![if !supportLists]><span><span style="mso-list:Ignore">2.<span style="font:7.0pt '
    "'Times New Roman'\">&nbsp;&nbsp; </span></span></span><![endif]>"
    '<span lang=EN-GB>Come <a href="https://library.example/seats">on time</a>'
    "<o:p></o:p></span></p>"
    "<table class=MsoTableGrid><tr><td><p class=MsoNormal>Loans</p></td><td>"
    "<p class=MsoNormal>212</p></td></tr></table>"
    "<!--EndFragment--></body></html>"
)
PLAIN = (
    "Councillors met on Tuesday\nand voted for the plan.\n\n"
    "The vote was 21 to 4.\r\n\r\nWork starts in May."
)


def paste(page, surface, *, html=None, text=""):
    """Pastes as a browser does: a paste event carrying the clipboard's data."""
    surface.evaluate(
        """(el, [html, text]) => {
            const data = new DataTransfer()
            if (html) data.setData("text/html", html)
            data.setData("text/plain", text)
            el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                          cancelable: true}))
        }""",
        [html, text],
    )


def pasted(page, name, **clipboard):
    surface = editor(page, name)
    surface.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    paste(page, surface, **clipboard)
    return page.locator(f"#id_{name}").input_value()


def test_pasting_from_google_docs_word_and_plain_text_keeps_the_structure_and_nothing_else(
    browser, live_server, newsroom_people
):
    reporter, _ = newsroom_people
    page = signed_in(browser, live_server, reporter)
    page.goto(admin_url(live_server, "add"))

    html = pasted(page, "body", html=GOOGLE_DOCS, text="(plain text)")
    assert html == (
        "<h2>Harbour tug runs on hydrogen</h2>"
        "<p>The tug <strong>Ceres</strong> left the yard on <em>Monday</em>.</p>"
        "<h2>What it costs</h2>"
        '<p><a href="https://port.example/tug">The port\'s figures</a> put it at four '
        "million.</p>"
        "<ul><li><p>Range: 200 km</p></li><li><p>Refuelling: 20 minutes</p></li></ul>"
    )

    html = pasted(page, "body", html=WORD, text="(plain text)")
    assert html == (
        "<h2>Library reopens</h2>"
        "<p>The library opens its doors on <strong>Saturday</strong>, with <em>longer</em> "
        "hours.</p>"
        "<ul><li><p>Reading room</p></li><li><p>Children's corner</p></li></ul>"
        "<ol><li><p>Book a seat</p></li>"
        '<li><p>Come <a href="https://library.example/seats">on time</a></p></li></ol>'
        "<p>Loans</p><p>212</p>"
    )

    html = pasted(page, "body", text=PLAIN)
    assert html == (
        "<p>Councillors met on Tuesday and voted for the plan.</p>"
        "<p>The vote was 21 to 4.</p><p>Work starts in May.</p>"
    )
    # What the editor makes is what the sanitiser keeps.
    assert richtext.sanitise(html) == html
    assert not page.problems, page.problems


def test_the_editor_keeps_exactly_what_the_sanitiser_keeps(browser, live_server, newsroom_people):
    _, editor_user = newsroom_people
    every_element = (
        "<p>Plain, <strong>bold</strong>, <b>bold too</b>, <em>italic</em>, <i>italic too</i>,"
        ' <a href="https://example.org/a">a link</a>, <a href="http://example.org/b">another'
        "</a>,<br>a line break.</p><h2>A subheading</h2><h3>A minor one</h3>"
        "<ul><li>bulleted</li></ul><ol><li>numbered</li></ol>"
        "<blockquote><p>A quote.</p></blockquote>"
    )
    nothing_else = (
        '<p class="lead" style="color:red" title="t">Styled <span>span</span>'
        '<a href="javascript:alert(1)">script link</a> <a href="mailto:x@example.org">mail</a>'
        '<u>under</u><img src="x.png" alt="x"></p><table><tr><td>Votes</td><td>212</td></tr>'
        '</table><iframe src="https://example.org/"></iframe><h4>Deep</h4><ol start="3">'
        "<li>three</li></ol>"
    )
    story = Story.objects.create(title="Schema", headline="Schema")
    # Stored as it was written, unsanitised, to see what the editor makes of it.
    Story.objects.filter(pk=story.pk).update(body=every_element, summary=nothing_else)
    page = signed_in(browser, live_server, editor_user)
    page.goto(admin_url(live_server, "change", story.pk))
    # Both editors are made by the form's deferred script, after the page has loaded.
    made = page.wait_for_function(
        """() => {
            const surfaces = [...document.querySelectorAll("[role=textbox].ProseMirror")]
            return surfaces.length === 2 && surfaces.every(el => el.editor)
                && surfaces.map(el => el.editor.getHTML())
        }"""
    ).json_value()
    summary, body = made
    # Everything the sanitiser keeps, the editor keeps (<b> and <i> are written as
    # <strong> and <em>)...
    for tag in richtext.ALLOWED_TAGS - {"b", "i"}:
        assert f"<{tag}>" in body or f"<{tag} " in body, tag
    assert body.count("<strong>") == 2 and body.count("<em>") == 2
    # ...and what it writes, the sanitiser keeps as it is.
    for html in (summary, body):
        assert richtext.sanitise(html) == html, html
        assert not richtext.removed_markup(html)
    assert "javascript" not in summary and "mailto" not in summary and "<u>" not in summary
    assert "Votes" in summary and "212" in summary and "script link" in summary
    assert "<h3>Deep</h3>" in summary and "<ol><li><p>three</p></li></ol>" in summary
    assert not page.problems, page.problems


def export(slug):
    out = io.StringIO()
    call_command("export_story", slug, stdout=out)
    return out.getvalue()


def test_an_imported_sample_opened_and_saved_unchanged_exports_byte_for_byte(
    browser, live_server, sample_files, newsroom_people, world
):
    _, editor_user = newsroom_people
    page = signed_in(browser, live_server, editor_user)
    for path in sample_files:
        call_command("import_stories", str(path), stdout=io.StringIO())
        story = Story.objects.get(import_name=path.name)
        stored = (story.summary, story.body)
        original = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        original = original.rstrip("\n") + "\n"
        assert export(story.slug) == original

        # Opened and saved with nothing touched.
        page.goto(admin_url(live_server, "change", story.pk))
        editor(page, "body")
        press(page, "Save and continue editing")
        story.refresh_from_db()
        assert (story.summary, story.body) == stored, path.name
        assert export(story.slug) == original, path.name

        # A word typed into each field and taken out again: the same text, said as the
        # editor says it; the export is still the file.
        for name in ("summary", "body"):
            surface = editor(page, name)
            surface.click()
            page.keyboard.press("Control+End")
            page.keyboard.type(" x")
            page.keyboard.press("Backspace")
            page.keyboard.press("Backspace")
        press(page, "Save and continue editing")
        story.refresh_from_db()
        assert (story.summary, story.body) == stored, path.name
        assert export(story.slug) == original, path.name
        # The history says nothing changed, both times.
        lines = LogEntry.objects.filter(object_id=str(story.pk)).order_by("-action_time")
        assert [entry.get_change_message() for entry in lines[:2]] == [
            "Saved with no changes.",
            "Saved with no changes.",
        ]
    assert not page.problems, page.problems


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} ({INSTALL})")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_story_forms_are_accessible_and_their_helpers_work(
    browser, live_server, screenshots, newsroom_people, make_story, axe_source, width
):
    reporter, editor_user = newsroom_people
    make_story("Tug runs on hydrogen").tags.add("energy", "shipping")
    story = make_story("Library reopens", dek="")
    story.authors.add(reporter)
    story.change_status(Story.Status.IN_REVIEW, by=reporter)
    found = {}
    for who, url in [
        (reporter, admin_url(live_server, "add")),
        (editor_user, admin_url(live_server, "change", story.pk)),
    ]:
        page = signed_in(browser, live_server, who, width=width, bypass_csp=True)
        page.goto(url)
        editor(page, "body")
        page.wait_for_load_state("networkidle")
        name = "add" if who == reporter else "change"
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
        page.add_script_tag(content=axe_source)
        result = page.evaluate(
            "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", AXE_RULES
        )
        if problems := describe(result["violations"]):
            found[name] = problems
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            found[f"{name} width"] = "the page scrolls sideways: " + page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                    .filter(el => el.getBoundingClientRect().right > window.innerWidth)
                    .slice(0, 5).map(el => el.tagName + "." + el.className).join(", ")"""
            )
        assert not page.problems, page.problems

    # The save and workflow buttons stay in view at the foot of the form.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bar = page.evaluate(
        "(() => { const r = document.querySelector('.desk-bar').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight] })()"
    )
    assert 0 <= bar[0] < bar[1] <= bar[2]
    assert page.get_by_role("button", name="Save and publish now").is_visible()
    page.screenshot(path=screenshots / f"change-{width}-at-the-foot.png")

    # The helpers, on the editor's page: length counters, tag suggestions.
    page.get_by_role("heading", name="Search engines and listings").click()
    page.fill("#id_title", "Library reopens after two years of building work")
    assert page.locator("#id_title_length").inner_text() == (
        "48 characters; search results show about 60."
    )
    page.locator("#id_tags").fill("shipping, ene")
    page.wait_for_function("document.querySelectorAll('#id_tags_suggestions option').length > 0")
    assert page.eval_on_selector_all(
        "#id_tags_suggestions option", "options => options.map(o => o.value)"
    ) == ["shipping, energy"]
    # The checklist names what is missing; its links go to the fields.
    checklist = page.locator("#desk-checklist")
    assert "The dek is empty" in checklist.inner_text()
    # ...and marks what the writer has done since the story was saved.
    page.fill("#id_dek", "The library opens its doors again on Saturday.")
    assert "The dek is empty: write the one-sentence standfirst under the headline. — done; " in (
        checklist.inner_text()
    )
    assert checklist.locator("summary").inner_text() == (
        "Before publishing: everything done; save to keep it"
    )
    assert not found, "\n".join(f"{name}:\n{problems}" for name, problems in found.items())
