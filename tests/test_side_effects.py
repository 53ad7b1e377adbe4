"""What follows a change (the search index, the readers' cache, the CDN) happens once per
transaction, after it commits, however the change was made: through the admin, a
model method or taggit's manager."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from taggit.models import Tag

from stories import effects, search
from stories.models import Citation, Entity, Mention
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def index_writes(monkeypatch):
    """The story ids of each write to the search index, one list per write."""
    writes = []
    backend = search.backend_for("default")
    original = backend.write

    def write(*args):
        rows = args[-1]
        writes.append(sorted(pk for pk, _ in rows))
        return original(*args)

    monkeypatch.setattr(backend, "write", write)
    return writes


@pytest.fixture
def purges(monkeypatch):
    """The keys of each purge of the readers' cache, one set per purge."""
    dropped = []
    original = effects.page_cache.drop
    monkeypatch.setattr(
        effects.page_cache, "drop", lambda keys: (dropped.append(set(keys)), original(keys))
    )
    return dropped


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser(
        "edna", "edna@example.com", "a long passphrase", first_name="Edna"
    )


@pytest.fixture
def linked_story(make_story):
    # A draft: the admin saves a published story's text to a working copy instead.
    story = make_story("Harbour tug runs on hydrogen")
    story.tags.add("energy")
    Citation.objects.create(
        story=story, position=1, title="Tug trials begin", url="https://example.org/tug"
    )
    port = Entity.objects.create(name="Port Authority", kind=Entity.Kind.ORGANIZATION)
    Mention.objects.create(story=story, entity=port, count=1)
    return story


def found(text):
    return [story.headline for story in search.search(text, published_only=False).page(1)]


def test_one_admin_save_with_every_inline_edited_indexes_the_story_once(
    client, editor, linked_story, index_writes, purges
):
    client.force_login(editor)
    url = reverse("admin:stories_story_change", args=[linked_story.pk])
    data = form_data(client.get(url))
    ferry = Entity.objects.create(name="Ferry Union", kind=Entity.Kind.ORGANIZATION)
    data.update(
        {
            "headline": "Harbour tug now runs on hydrogen",
            "tags": "energy, shipping",
            "citations-0-title": "Tug trials begin in spring",
        }
    )
    new_rows = {
        "citations": [
            {"position": 2, "title": "Union welcomes tug", "url": "https://example.org/union"}
        ],
        "mentions": [{"entity": ferry.pk}],
    }
    for prefix, rows in new_rows.items():
        total = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)
        for row in rows:
            data.update({f"{prefix}-{total}-{k}": v for k, v in row.items()})
    index_writes.clear(), purges.clear()

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    linked_story.refresh_from_db()
    assert linked_story.citations.count() == 2
    assert linked_story.mentions.count() == 2
    assert index_writes == [[linked_story.pk]]
    assert purges == []  # a draft: nothing readers see changed
    assert found("Ferry Union shipping") == ["Harbour tug now runs on hydrogen"]


def test_tags_added_outside_the_admin_are_found_by_search(linked_story, index_writes):
    assert found("lighthouse") == []

    linked_story.tags.add("lighthouse", "night shift")

    assert index_writes == [[linked_story.pk]]
    assert found("lighthouse") == [linked_story.headline]
    linked_story.tags.remove("lighthouse")
    assert found("lighthouse") == []
    linked_story.tags.set(["dredging"])
    assert found("dredging") == [linked_story.headline]
    assert found("energy") == []


def test_a_renamed_tag_is_searched_by_its_new_name(linked_story):
    tag = Tag.objects.get(name="energy")
    tag.name = "hydrogen power"
    tag.save()

    assert found("hydrogen power") == [linked_story.headline]


def test_a_transaction_indexes_each_story_once_after_it_commits(make_story, index_writes, purges):
    story = make_story("Night ferry returns", published=True)
    index_writes.clear(), purges.clear()

    with transaction.atomic():
        story.headline = "Night ferry returns for summer"
        story.save()
        story.tags.add("ferries")
        Mention.objects.create(story=story, entity=Entity.objects.create(name="Ferry Union"))
        Citation.objects.create(story=story, title="Timetable", url="https://example.org/t")
        assert index_writes == []  # nothing before the commit
        assert purges == []

    assert index_writes == [[story.pk]]
    assert len(purges) == 1
    assert found("Ferry Union ferries summer") == ["Night ferry returns for summer"]


def test_a_rolled_back_change_leaves_no_trace(make_story, index_writes, purges):
    story = make_story("Bridge closes", published=True)
    index_writes.clear(), purges.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        story.tags.add("tunnels")
        raise RuntimeError("the editor's save failed")

    assert index_writes == [] and purges == []
    assert found("tunnels") == []


def test_entity_links_made_in_bulk_are_searched(make_story, index_writes):
    Entity.objects.create(name="Harbour Master", kind=Entity.Kind.PERSON)
    story = make_story("The Harbour Master retires", body="<p>The Harbour Master retires.</p>")
    Mention.objects.filter(story=story).delete()
    index_writes.clear()

    story.link_entities()  # bulk_create: no post_save of its own

    assert index_writes == [[story.pk]]
    assert found('"Harbour Master"') == ["The Harbour Master retires"]


def test_a_draft_purges_nothing_but_is_indexed_for_the_newsroom(make_story, index_writes, purges):
    draft = make_story("Quiet draft")
    index_writes.clear(), purges.clear()

    draft.body = "<p>Still being written about lighthouses.</p>"
    draft.save()
    draft.tags.add("lighthouses")

    assert purges == []
    assert index_writes == [[draft.pk], [draft.pk]]
    assert found("lighthouses") == ["Quiet draft"]


def test_saving_a_published_story_unchanged_purges_nothing(make_story, purges, index_writes):
    story = make_story("Steady", published=True)
    story.refresh_from_db()
    purges.clear(), index_writes.clear()

    story.save()

    assert purges == [] and index_writes == []


def test_a_published_story_purges_the_pages_that_list_it(make_story, editor, purges):
    story = make_story("Listed", published=True)
    purges.clear()

    story.tags.add("rail")
    story.authors.add(editor)

    tag = Tag.objects.get(name="rail")
    assert purges == [
        {f"story-{story.pk}", "listings", f"section-{story.section_id}-stories",
         f"tag-{tag.pk}-stories"},
        {f"story-{story.pk}", "listings", f"section-{story.section_id}-stories",
         f"tag-{tag.pk}-stories", f"author-{editor.pk}-stories"},
    ]  # fmt: skip


def test_crediting_a_contributor_purges_their_page_and_the_story(make_story, purges):
    from stories.models import Contributor

    story = make_story("Credited", published=True)
    photographer = Contributor.objects.create(name="Ines Okafor")
    purges.clear()

    story.contributors.add(photographer)
    story.contributors.clear()

    credited = {f"story-{story.pk}", "listings", f"section-{story.section_id}-stories",
                f"contributor-{photographer.pk}-stories"}  # fmt: skip
    assert purges == [credited, credited]


# ---- Dependencies run one way ---------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("newsroom", "stories", "bench")


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports():
    """{module: the project's modules it imports, function-level imports included}."""
    modules = {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    found = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        # A module's package (stories.models for stories.models.base) is not a dependency
        # of its own: the package's __init__ imports its modules.
        found[name] = {
            m for m in imported if m in modules and m != name and not name.startswith(m + ".")
        }
    return found


def test_no_import_cycle_between_the_projects_modules():
    graph = project_imports()
    cycles = []

    def visit(module, trail):
        for other in sorted(graph[module]):
            if other in trail:
                cycles.append([*trail[trail.index(other) :], other])
            elif other not in done:
                visit(other, [*trail, other])
        done.add(module)

    done = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_models_know_nothing_of_search_caching_or_notification():
    graph = project_imports()

    def reach(module, seen):
        for other in graph[module] - seen:
            seen.add(other)
            reach(other, seen)
        return seen

    for model_module in (m for m in graph if m.startswith("stories.models")):
        reached = reach(model_module, set())
        assert not reached & {"stories.search", "stories.page_cache", "stories.effects"}, (
            model_module
        )
