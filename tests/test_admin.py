"""The admin: an editor can file, correct and publish the content from day one."""

from datetime import timedelta

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from stories.canonical import canonical_url
from stories.models import Citation, Entity, Mention, Publisher, Section, Source, Story

User = get_user_model()


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@example.com", "a long passphrase")


@pytest.fixture
def client(client, editor):
    client.force_login(editor)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:stories_{model._meta.model_name}_{view}", args=args)


def form_data(response, inline_rows=None):
    """What the browser would post back from an admin form page, unchanged.

    `inline_rows` maps an inline's prefix to new rows (dicts of field values) added
    after the rows already there; the page's blank extra rows are not posted.
    """
    inline_rows = inline_rows or {}
    data = {}
    forms_shown = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_form_count()
        rows = inline_rows.get(formset.prefix, [])
        data[f"{formset.prefix}-TOTAL_FORMS"] = initial + len(rows)
        data[f"{formset.prefix}-INITIAL_FORMS"] = initial
        forms_shown += formset.initial_forms
        for index, row in enumerate(rows, start=initial):
            data.update({f"{formset.prefix}-{index}-{k}": v for k, v in row.items()})
    for form in forms_shown:
        for field in form:
            value = field.value()
            widget = getattr(field.field.widget, "widget", field.field.widget)
            if isinstance(field.field, forms.BooleanField):
                value = "on" if value else None
            else:
                value = widget.format_value(value)
            if value is not None:
                data[field.html_name] = value
    return data


def messages_of(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def refusal(action):
    """The message the model gives for a status change it refuses."""
    with pytest.raises(ValidationError) as refused:
        action()
    return " ".join(refused.value.messages)


def canonical_url_error(url):
    with pytest.raises(ValidationError) as refused:
        canonical_url(url)
    return refused.value.messages


@pytest.fixture
def content(make_story, editor):
    """One of everything, linked together as an imported story would be."""
    europe = Section.objects.create(
        name="Europe", slug="europe", parent=Section.objects.get(slug="world")
    )
    story = make_story("Harbour tug runs on hydrogen", section=europe, published=True)
    story.authors.add(editor)
    story.tags.add("energy", "shipping")
    Citation.objects.create(
        story=story,
        position=1,
        title="Tug trials begin",
        url="https://example.org/tug?utm_source=feed",
        publisher_name="Example Post",
    )
    entity = Entity.objects.create(name="Port Authority", kind=Entity.Kind.ORGANIZATION)
    Mention.objects.create(story=story, entity=entity, count=2, salience=0.5)
    return story


# Every page opens


@pytest.mark.parametrize("model", [Section, Publisher, Source, Entity, Story])
def test_every_admin_page_of_the_content_model_opens(client, content, model):
    obj = model.objects.first()

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_saving_a_story_unchanged_keeps_its_citations_mentions_and_status(client, content):
    url = admin_url(Story, "change", content.pk)
    before = (content.status, content.published_at, content.citations.count())

    response = client.post(url, form_data(client.get(url)))

    assert response.status_code == 302, response.context["errors"]
    content.refresh_from_db()
    assert (content.status, content.published_at, content.citations.count()) == before
    assert content.mentions.count() == 1
    assert sorted(content.tags.names()) == ["energy", "shipping"]


def test_status_and_publication_time_cannot_be_posted_in_the_form(client, make_story):
    story = make_story("Still a draft")
    url = admin_url(Story, "change", story.pk)
    data = form_data(client.get(url))

    client.post(url, {**data, "status": "published", "published_at": "2025-01-01 10:00"})

    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert story.published_at is None
    assert not story.status_changes.exists()


# Adding a story with its citations


def test_adding_a_story_with_two_citations_keeps_their_order_and_shares_sources(client, world):
    already_cited = Source.objects.for_url("https://news.example.com/a/123", title="Talks paused")
    sources_before = Source.objects.count()
    add = admin_url(Story, "add")
    cited = [
        {
            "position": 1,
            "title": "Israel recalls negotiators from Doha",
            "url": "https://Example.org/world/doha-talks?id=42&utm_source=feed",
            "publisher_name": "Example Post",
            "published_on": "2025-07-24",
        },
        {
            "position": 2,
            "title": "Mediators call pause in talks 'normal'",
            "url": "https://NEWS.example.com/a/123?fbclid=abc",
        },
    ]
    data = form_data(client.get(add), {"citations": cited})
    data.update(
        title="Ceasefire talks hit a wall",
        headline="Ceasefire talks hit a wall",
        dek="Negotiators leave Doha.",
        story_line="Talks stall",
        summary="<p>Talks stalled.</p><script>alert(1)</script>",
        full_headline="Negotiators withdraw from ceasefire talks",
        body="<p>Negotiators left.</p><h2>Background</h2>",
        section=world.pk,
        tags="diplomacy, middle east",
    )

    response = client.post(add, data)

    assert response.status_code == 302, response.context["errors"]
    story = Story.objects.get()
    assert story.status == Story.Status.DRAFT
    assert story.slug
    assert "<script>" not in story.summary
    citations = list(story.citations.all())
    assert [c.title for c in citations] == [row["title"] for row in cited]
    assert [c.url for c in citations] == [row["url"] for row in cited]
    assert [c.source.url for c in citations] == [canonical_url(row["url"]) for row in cited]
    assert citations[1].source == already_cited
    assert Source.objects.count() == sources_before + 1
    assert citations[0].source.publisher.name == "Example Post"


@pytest.mark.parametrize("bad_url", ["javascript:alert(1)", "/world/doha-talks"])
def test_a_citation_url_that_is_not_absolute_http_is_refused_and_nothing_is_written(
    client, world, bad_url
):
    add = admin_url(Story, "add")
    data = form_data(
        client.get(add), {"citations": [{"position": 1, "title": "A trap", "url": bad_url}]}
    )
    data.update(title="Refused", headline="Refused", section=world.pk)

    response = client.post(add, data)

    assert response.status_code == 200
    inlines = response.context["inline_admin_formsets"]
    errors = {inline.formset.prefix: inline.formset.errors for inline in inlines}
    assert errors["citations"][0]["url"] == canonical_url_error(bad_url)
    assert not Story.objects.exists()
    assert not Citation.objects.exists()
    assert not Source.objects.exists()


# Sources, publishers, sections, entities


def test_a_new_source_is_saved_with_its_canonical_url(client):
    add = admin_url(Source, "add")
    url = "HTTPS://Example.org/tug?utm_medium=email&b=2&a=1"

    response = client.post(add, {"url": url, "title": "Tug trials begin"})

    assert response.status_code == 302, response.context["errors"]
    assert Source.objects.get().url == canonical_url(url)


def test_a_source_with_the_canonical_url_of_another_gets_a_form_error(client):
    existing = Source.objects.for_url("https://example.org/tug", title="Tug trials begin")

    response = client.post(
        admin_url(Source, "add"),
        {"url": "https://EXAMPLE.org/tug?utm_source=feed", "title": "The same article"},
    )

    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["url"]
    assert existing.title in message
    assert existing.url in message
    assert Source.objects.count() == 1


def test_publishers_differing_only_in_case_are_refused(client):
    Publisher.objects.create(name="Example Post")

    response = client.post(admin_url(Publisher, "add"), {"name": "example post"})

    assert response.status_code == 200
    assert "Example Post" in response.context["adminform"].form.errors["name"][0]
    assert Publisher.objects.count() == 1


def test_a_top_level_section_may_not_take_a_slug_the_site_uses(client):
    response = client.post(admin_url(Section, "add"), {"name": "Admin", "slug": "admin"})

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert not Section.objects.filter(slug="admin").exists()


def test_section_list_shows_full_names_without_a_query_per_level(
    client, world, django_assert_num_queries
):
    changelist = admin_url(Section, "changelist")
    with CaptureQueriesContext(connection) as for_one_section:
        client.get(changelist)
    deepest = world
    for depth in range(5):
        deepest = Section.objects.create(
            name=f"Level {depth}", slug=f"level-{depth}", parent=deepest
        )

    with django_assert_num_queries(len(for_one_section)):
        response = client.get(changelist)

    assert escape(str(deepest)) in response.content.decode()
    assert [str(s) for s in response.context["cl"].result_list][-1] == str(deepest)


def test_entity_aliases_are_edited_one_a_line(client):
    response = client.post(
        admin_url(Entity, "add"),
        {
            "name": "Ada Lovelace",
            "slug": "ada-lovelace",
            "kind": Entity.Kind.PERSON,
            "aliases": "Ada King\r\n  Countess of Lovelace  \r\n\r\nAda King\r\n",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    entity = Entity.objects.get()
    assert entity.aliases == ["Ada King", "Countess of Lovelace"]
    change_page = client.get(admin_url(Entity, "change", entity.pk))
    shown = change_page.context["adminform"].form["aliases"].value()
    assert shown == "\n".join(entity.aliases)


@pytest.mark.parametrize(
    ("aliases", "complaint"),
    [("Ada\nada lovelace", "is the entity's name"), ("x" * 201, "longer than 200 characters")],
)
def test_entity_aliases_that_are_the_name_or_too_long_are_refused(client, aliases, complaint):
    response = client.post(
        admin_url(Entity, "add"),
        {"name": "Ada Lovelace", "slug": "ada", "kind": "person", "aliases": aliases},
    )

    assert response.status_code == 200
    assert complaint in response.context["adminform"].form.errors["aliases"][0]
    assert not Entity.objects.exists()


def test_entities_autocomplete_by_name_and_alias(client, world):
    ada = Entity.objects.create(name="Ada Lovelace", slug="ada", aliases=["Countess Ada"])
    Entity.objects.create(name="Charles Babbage", slug="babbage")
    autocomplete = reverse("admin:autocomplete")
    query = {"app_label": "stories", "model_name": "mention", "field_name": "entity"}

    by_name = client.get(autocomplete, {**query, "term": "lovelace"})
    by_alias = client.get(autocomplete, {**query, "term": "countess"})

    assert by_name["Content-Type"] == "application/json"
    expected = [{"id": str(ada.pk), "text": str(ada)}]
    assert by_name.json()["results"] == expected
    assert by_alias.json()["results"] == expected


# The list of stories


def test_the_story_list_finds_a_story_by_its_headline(client, make_story):
    tug = make_story("Harbour tug runs on hydrogen")
    make_story("Library reopens")

    response = client.get(admin_url(Story, "changelist"), {"q": "hydrogen"})

    assert list(response.context["cl"].result_list) == [tug]


def test_the_story_list_costs_the_same_queries_for_3_stories_as_for_30(
    client, make_story, world, editor, django_assert_num_queries
):
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    nordics = Section.objects.create(name="Nordics", slug="nordics", parent=europe)
    entity = Entity.objects.create(name="Port Authority")

    def add_stories(count):
        for _ in range(count):
            n = Story.objects.count()
            story = make_story(f"Story {n}", section=nordics, published=n % 2 == 0)
            story.authors.add(editor)
            story.tags.add("shipping")
            Citation.objects.create(story=story, title="Cited", url=f"https://example.org/{n}")
            Mention.objects.create(story=story, entity=entity)

    add_stories(3)
    changelist = admin_url(Story, "changelist")
    with CaptureQueriesContext(connection) as for_three:
        client.get(changelist)
    add_stories(27)

    with django_assert_num_queries(len(for_three)):
        response = client.get(changelist)

    rows = response.context["cl"].result_list
    assert len(rows) == 30
    assert {(story.source_count, story.entity_count) for story in rows} == {(1, 1)}


def test_user_text_in_list_columns_and_read_only_fields_is_escaped(client, make_story):
    section = Section.objects.create(name="<blink>Local</blink>", slug="local")
    story = make_story("<blink>Headline</blink>", section=section)
    Citation.objects.create(story=story, title="<blink>Cited</blink>", url="https://example.org/")
    Entity.objects.create(name="<blink>Entity</blink>", wikidata_id="Q42")

    pages = [
        admin_url(Story, "changelist"),
        admin_url(Story, "change", story.pk),
        admin_url(Section, "changelist"),
        admin_url(Source, "changelist"),
        admin_url(Entity, "changelist"),
    ]
    for page in pages:
        content = client.get(page).content.decode()
        assert "<blink>" not in content, page
        assert "&lt;blink&gt;" in content, page


# Publishing and withdrawing


def post_action(client, action, stories):
    return client.post(
        admin_url(Story, "changelist"),
        {"action": action, "_selected_action": [s.pk for s in stories]},
    )


def test_publish_now_publishes_drafts_and_refuses_published_stories(client, make_story, editor):
    draft = make_story("Draft")
    live = make_story("Live", published=True)
    live_since = live.published_at

    response = post_action(client, "publish_now", [draft, live])

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.is_published
    assert draft.status_changes.get().by == editor
    assert live.published_at == live_since
    assert live.status_changes.count() == 1
    expected_refusal = refusal(live.publish)
    assert messages_of(response) == [
        ("error", f"“Live” was left as it was: {expected_refusal}"),
        ("success", "Published 1 story."),
    ]


def test_withdraw_withdraws_published_stories_and_refuses_drafts(client, make_story, editor):
    draft = make_story("Draft")
    live = make_story("Live", published=True)

    response = post_action(client, "withdraw", [draft, live])

    draft.refresh_from_db()
    live.refresh_from_db()
    assert live.status == Story.Status.WITHDRAWN
    assert live.status_changes.first().by == editor
    assert draft.status == Story.Status.DRAFT
    assert not draft.status_changes.exists()
    expected_refusal = refusal(lambda: draft.change_status(Story.Status.WITHDRAWN))
    assert messages_of(response) == [
        ("error", f"“Draft” was left as it was: {expected_refusal}"),
        ("success", "Withdrew 1 story."),
    ]


def test_a_story_is_linked_on_the_site_only_once_readers_can_see_it(client, make_story):
    draft = make_story("Draft")
    live = make_story("Live", published=True)

    draft_page = client.get(admin_url(Story, "change", draft.pk))
    live_page = client.get(admin_url(Story, "change", live.pk))

    assert not draft_page.context["has_absolute_url"]
    assert live_page.context["has_absolute_url"]


def test_the_story_list_shows_unpublished_work_first_and_tells_scheduled_from_published(
    client, make_story
):
    make_story("Live", published=True)
    make_story("Tomorrow", published=True, published_at=timezone.now() + timedelta(days=1))
    make_story("Draft")

    response = client.get(admin_url(Story, "changelist"))

    admin = response.context["cl"].model_admin
    rows = list(response.context["cl"].result_list)
    assert [(s.headline, admin.status_label(s)) for s in rows] == [
        ("Draft", "Draft"),
        ("Tomorrow", "Scheduled"),
        ("Live", "Published"),
    ]


def test_deleting_a_story_keeps_the_sources_other_stories_share(client, content, make_story):
    other = make_story("Other")
    shared = content.citations.get().source
    Citation.objects.create(story=other, title="Same", url=shared.url)

    response = client.post(
        admin_url(Story, "changelist"),
        {"action": "delete_selected", "_selected_action": [content.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Story.objects.filter(pk=content.pk).exists()
    assert Source.objects.filter(pk=shared.pk).exists()
    assert other.citations.get().source == shared


@pytest.mark.parametrize(("model", "field"), [(Story, "section"), (Section, "parent")])
def test_section_pickers_offer_no_link_to_delete_the_section(client, content, model, field):
    obj = model.objects.filter(**{f"{field}__isnull": False}).first()

    response = client.get(admin_url(model, "change", obj.pk))

    widget = response.context["adminform"].form.fields[field].widget
    assert widget.can_change_related
    assert not widget.can_delete_related
