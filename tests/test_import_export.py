"""Importing story files and exporting stories: lossless, all or nothing per file."""

import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stories import richtext, textformat
from stories.canonical import canonical_url
from stories.models import Citation, Publisher, Section, Source, StatusChange, Story
from tests.test_textformat import MALFORMED, STORY, documents, expected_text

pytestmark = pytest.mark.django_db

COUNTED = [Story, Source, Citation, Publisher, StatusChange]


def row_counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def import_stories(*args):
    """What import_stories prints: (stdout, stderr, exit status)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_stories", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"{error}\n")
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def imported_slugs(stdout):
    return dict(line.split("\t") for line in stdout.splitlines())


def export_story(slug):
    out = io.StringIO()
    call_command("export_story", slug, stdout=out)
    return out.getvalue()


@pytest.fixture
def story_file(tmp_path):
    path = tmp_path / "port-cranes.txt"
    path.write_text(STORY, encoding="utf-8")
    return path


def with_sources(*lines):
    """STORY with these source lines instead of its own."""
    return STORY[: STORY.index("Source Articles")] + "Source Articles\n\n" + "\n".join(lines)


# --- Round trip ------------------------------------------------------------------------


def test_every_sample_imports_and_exports_byte_for_byte(sample_files):
    assert sample_files
    stdout, stderr, status = import_stories(*sample_files)
    assert (stderr, status) == ("", 0)
    slugs = imported_slugs(stdout)
    assert list(slugs) == [str(path) for path in sample_files]
    for path in sample_files:
        data = path.read_bytes()
        exported = export_story(slugs[str(path)]).encode("utf-8")
        assert exported == expected_text(data.decode("utf-8")).encode("utf-8"), path.name


def test_an_imported_story_is_stored_as_its_fields_html_and_citations(story_file):
    stdout, _, _ = import_stories(story_file)
    story = Story.objects.get(slug=imported_slugs(stdout)[str(story_file)])
    document = textformat.parse(STORY)

    assert story.import_name == story_file.name
    assert (story.title, story.headline, story.dek) == (
        document.title,
        document.headline,
        document.dek,
    )
    assert [block.text for block in story.summary_blocks()] == document.summary
    assert story.body_blocks() == document.body
    assert "<h2>" in story.body
    assert story.status == Story.Status.DRAFT and story.section is None
    citations = list(story.citations.select_related("source"))
    assert [c.position for c in citations] == list(range(len(document.sources)))
    assert [c.url for c in citations] == [s.url for s in document.sources]
    assert [c.source.url for c in citations] == [canonical_url(s.url) for s in document.sources]
    assert citations[0].source.publisher.name == document.sources[0].publisher


def test_export_names_an_unknown_slug():
    with pytest.raises(CommandError, match="no story with the slug 'no-such-story'"):
        call_command("export_story", "no-such-story", stdout=io.StringIO())


def test_export_refuses_a_story_the_format_cannot_hold(make_story):
    story = make_story("Written in the admin", dek="")
    with pytest.raises(CommandError, match="cannot be written in the text format: the dek is"):
        call_command("export_story", story.slug, stdout=io.StringIO())


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_any_well_formed_file_imports_and_exports_the_same(document):
    text = textformat.format(document)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.txt"
        path.write_bytes(text.encode("utf-8"))
        stdout, stderr, status = import_stories(path)
    assert (stderr, status) == ("", 0)
    assert export_story(imported_slugs(stdout)[str(path)]) == text


# --- Malformed files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_file_is_reported_and_nothing_of_it_is_written(tmp_path, text, line, message):
    path = tmp_path / "malformed.txt"
    path.write_bytes(text.encode("utf-8"))
    before = row_counts()

    stdout, stderr, status = import_stories(path)

    assert (stdout, status) == ("", 1)
    reported = stderr.splitlines()[0]
    assert reported.startswith(f"{path}:{line}: ")
    assert message in reported
    assert row_counts() == before


def test_a_file_that_is_not_utf8_is_reported_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin-1.txt"
    path.write_bytes(STORY.encode().replace(b"Why It Matters", b"Why It Matt\xe9rs"))
    before = row_counts()
    _, stderr, status = import_stories(path)
    line = STORY.split("\n").index("Why It Matters") + 1
    assert status == 1
    assert stderr.startswith(f"{path}:{line}: expected UTF-8 text")
    assert row_counts() == before


def test_a_bad_file_among_good_ones_does_not_stop_the_others(tmp_path):
    good, bad, also_good = (tmp_path / name for name in ("a.txt", "b.txt", "c.txt"))
    good.write_text(STORY, encoding="utf-8")
    bad.write_text(STORY.replace("Story Summary", "Summary"), encoding="utf-8")
    also_good.write_text(STORY.replace("Port Town", "Harbour City"), encoding="utf-8")

    stdout, stderr, status = import_stories(tmp_path)

    assert status == 1
    assert list(imported_slugs(stdout)) == [str(good), str(also_good)]
    assert stderr.startswith(f"{bad}:")
    assert "1 of 3 files were not imported" in stderr
    assert set(Story.objects.values_list("import_name", flat=True)) == {"a.txt", "c.txt"}


def test_a_broken_new_version_leaves_the_imported_story_as_it_was(story_file):
    stdout, _, _ = import_stories(story_file)
    slug = imported_slugs(stdout)[str(story_file)]
    story_file.write_text(STORY.replace("Full Story", "Full"), encoding="utf-8")
    before = row_counts()

    _, _, status = import_stories(story_file)

    assert status == 1
    assert row_counts() == before
    assert export_story(slug) == STORY


def test_paths_that_are_not_story_files_are_reported(tmp_path):
    (tmp_path / "notes.md").write_text("not a story", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    stdout, stderr, status = import_stories(tmp_path, missing)
    assert (stdout, status) == ("", 1)
    assert f"{tmp_path}: no *.txt files in this directory" in stderr
    assert f"{missing}: no such file or directory" in stderr


# --- Importing again -------------------------------------------------------------------


def test_importing_a_file_again_updates_its_story_in_place(story_file):
    stdout, _, _ = import_stories(story_file)
    story = Story.objects.get(slug=imported_slugs(stdout)[str(story_file)])
    revised = with_sources(
        "- [A correction to the crane story](https://example.com/correction) — Example Post"
    ).replace("Why It Matters", "Why This Matters")
    story_file.write_text(revised, encoding="utf-8")

    stdout, _, status = import_stories(story_file)

    assert status == 0
    assert imported_slugs(stdout)[str(story_file)] == story.slug
    assert Story.objects.count() == 1
    story.refresh_from_db()
    assert story.citations.count() == 1
    assert export_story(story.slug) == expected_text(revised)


def test_a_file_saved_on_windows_imports_and_exports_with_lf(tmp_path):
    path = tmp_path / "port-cranes.txt"
    path.write_bytes(b"\xef\xbb\xbf" + STORY.replace("\n", "\r\n").encode())

    stdout, stderr, status = import_stories(path)

    assert (stderr, status) == ("", 0)
    exported = export_story(imported_slugs(stdout)[str(path)])
    assert exported == expected_text(STORY)
    assert "\r" not in exported and "\ufeff" not in exported


def test_a_headline_change_keeps_the_slug(story_file):
    stdout, _, _ = import_stories(story_file)
    slug = imported_slugs(stdout)[str(story_file)]
    headline = STORY.split("\n")[2]
    story_file.write_text(STORY.replace(headline, "A New Headline"), encoding="utf-8")
    stdout, _, _ = import_stories(story_file)
    assert imported_slugs(stdout)[str(story_file)] == slug


def test_stories_citing_one_article_share_its_source_and_keep_their_own_words(tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(
        with_sources("- [Cranes ordered](https://www.example.com/cranes) — Example Post"),
        encoding="utf-8",
    )
    second.write_text(
        with_sources(
            "- [Port Orders Cranes](https://WWW.Example.COM/cranes?utm_source=rss&fbclid=x)"
            " — EXAMPLE POST, 2025-03-01"
        ),
        encoding="utf-8",
    )

    stdout, _, status = import_stories(first, second)

    assert status == 0
    (source,) = Source.objects.all()
    assert source.url == canonical_url("https://www.example.com/cranes")
    assert source.title == "Cranes ordered"  # the first story to cite it gave its title
    assert Publisher.objects.count() == 1
    assert Citation.objects.filter(source=source).count() == 2
    slugs = imported_slugs(stdout)
    assert export_story(slugs[str(first)]) == first.read_text(encoding="utf-8") + "\n"
    assert export_story(slugs[str(second)]) == second.read_text(encoding="utf-8") + "\n"


def test_one_story_citing_an_article_twice_makes_one_source(story_file):
    story_file.write_text(
        with_sources(
            "- [Cranes](https://example.com/cranes?utm_medium=email)",
            "- [Cranes, again](https://EXAMPLE.com/cranes)",
        ),
        encoding="utf-8",
    )
    _, _, status = import_stories(story_file)
    assert status == 0
    assert Source.objects.count() == 1
    assert Citation.objects.count() == 2


def test_queries_do_not_grow_with_the_number_of_citations(tmp_path, django_assert_num_queries):
    known = [f"https://example.com/known/{n}" for n in range(10)]
    Source.objects.bulk_create(Source(url=url, title="Known") for url in known)
    one, many = tmp_path / "one.txt", tmp_path / "many.txt"
    one.write_text(with_sources(f"- [Known]({known[0]})"), encoding="utf-8")
    # Spelt otherwise than the stored canonical URLs, to need resolving.
    spellings = [url.replace("example.com", "EXAMPLE.com") + "?utm_source=feed" for url in known]
    many.write_text(with_sources(*(f"- [Known]({url})" for url in spellings)), encoding="utf-8")
    # Both measured imports then find their headline's slug taken, as each other's would be.
    (tmp_path / "first.txt").write_text(with_sources(f"- [Known]({known[1]})"), encoding="utf-8")
    import_stories(tmp_path / "first.txt")

    with CaptureQueriesContext(connection) as for_one:
        import_stories(one)
    with django_assert_num_queries(len(for_one.captured_queries)):
        import_stories(many)
    assert Citation.objects.count() == 2 + len(known)


# --- Publishing and sections -----------------------------------------------------------


def test_publish_makes_imported_stories_visible(story_file, world):
    stdout, _, _ = import_stories(story_file, "--publish", "--section", "world")
    story = Story.objects.get(slug=imported_slugs(stdout)[str(story_file)])
    assert list(Story.objects.published()) == [story]
    assert story.status_changes.get().to_status == Story.Status.PUBLISHED


def test_without_publish_imported_stories_are_drafts(story_file):
    import_stories(story_file)
    assert not Story.objects.published().exists()
    assert Story.objects.get().status == Story.Status.DRAFT


def test_importing_a_published_story_again_keeps_it_published_as_it_was(story_file, world):
    import_stories(story_file, "--publish", "--section", "world")
    story = Story.objects.get()
    first_published_at = story.published_at

    import_stories(story_file, "--publish")
    import_stories(story_file)

    story.refresh_from_db()
    assert story.is_published
    assert story.published_at == first_published_at
    assert story.status_changes.count() == 1


def test_publishing_a_withdrawn_story_again_keeps_its_publication_time(story_file, world):
    import_stories(story_file, "--publish", "--section", "world")
    story = Story.objects.get()
    story.change_status(Story.Status.WITHDRAWN)
    published_at = story.published_at

    import_stories(story_file, "--publish")

    story.refresh_from_db()
    assert story.is_published
    assert story.published_at == published_at


def test_a_story_that_fails_the_checklist_is_not_published_nor_imported(story_file):
    _, stderr, status = import_stories(story_file, "--publish")
    assert status == 1
    assert stderr.startswith(
        f"{story_file}: cannot be published, so nothing was imported: No section is chosen: "
        "file the story in a section. (--section files it in one)"
    )
    assert not Story.objects.exists()


def test_section_files_stories_by_slug_or_path(tmp_path, world):
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    by_slug, by_path = tmp_path / "by-slug.txt", tmp_path / "by-path.txt"
    by_slug.write_text(STORY, encoding="utf-8")
    by_path.write_text(STORY, encoding="utf-8")

    import_stories(by_slug, "--section", "europe")
    import_stories(by_path, "--section", "world/europe")

    assert Story.objects.get(import_name=by_slug.name).section == europe
    assert Story.objects.get(import_name=by_path.name).section == europe


def test_importing_again_without_a_section_keeps_the_story_where_it_was(story_file, world):
    import_stories(story_file, "--section", "world")
    import_stories(story_file)
    assert Story.objects.get().section == world


def test_an_unknown_section_imports_nothing(story_file, world):
    before = row_counts()
    with pytest.raises(CommandError, match="no section 'sport'") as refused:
        call_command("import_stories", str(story_file), "--section", "sport",
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert refused.value.returncode == 1
    assert row_counts() == before


def test_a_slug_shared_by_two_sections_needs_a_path(story_file, world):
    city = Section.objects.create(name="City", slug="city")
    for parent in (world, city):
        Section.objects.create(name="Transport", slug="transport", parent=parent)
    with pytest.raises(CommandError, match="city/transport, world/transport"):
        call_command("import_stories", str(story_file), "--section", "transport",
                     stdout=io.StringIO())  # fmt: skip
    assert not Story.objects.exists()


# --- Reading stored text ---------------------------------------------------------------

MARKUP = [
    *("<p>", "</p>", "<h2>", "</h2>", "<h3>", "</h3>", "<ul>", "<li>", "</li>", "</ul>"),
    *("<blockquote>", "</blockquote>", "<em>", "</em>", "<strong>", "</strong>", "</a>"),
    *("<br>", "<br/>", "</br>", '<a href="https://example.org/?a=1&amp;b=2>3">', "<P>"),
    *("&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&#x41;", "& ", "&amp", "<", ">"),
    *("Port", "town", " ", "\n", "é", '"', "<!-- note -->", "<script>", "</script>"),
    *("<p class=lead>", '<img src="a.jpg">', "<?x?>"),
]


@given(st.lists(st.sampled_from(MARKUP), max_size=30).map("".join))
def test_stored_text_reads_as_the_html_parser_reads_it(html):
    """html_to_blocks() splits sanitised HTML at its tags; it must read what the parser does."""

    def parsed(html):
        parser = richtext._BlockParser()
        parser.feed(html)
        parser.close()
        return parser.blocks

    for text in (html, richtext.sanitise(html)):
        assert richtext.html_to_blocks(text) == parsed(text)
