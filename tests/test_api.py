"""The read API: published stories as IPTC ninjs 2.2, sections and entities, for apps,
newsletters and partners. Only what Story.objects.published() allows, unless an editor's
token asks for a preview; cached and conditional like the reader pages."""

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator, FormatChecker

from stories.models import (
    ApiToken,
    Citation,
    Entity,
    Image,
    Mention,
    Section,
    Story,
    Thread,
)
from tests.images_support import image_bytes, upload

pytestmark = pytest.mark.django_db

MILLISECOND = timedelta(milliseconds=1)
NINJS_SCHEMA = Path(__file__).parent / "data" / "ninjs-schema_2.2.json"


@pytest.fixture(autouse=True)
def media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_PAGE_CACHE = False  # every request reaches the API, so queries count
    settings.NEWSROOM_API_ANON_RATE = "1000/min"
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def ninjs_validator():
    schema = json.loads(NINJS_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    # The formats the items use are checked too, not only their shapes.
    assert {"uri", "date-time"} <= FormatChecker().checkers.keys()
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_user(
        "rita", first_name="Rita", last_name="Porter", is_staff=True
    )


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("edna", first_name="Edna", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def europe(world):
    return Section.objects.create(name="Europe", slug="europe", parent=world)


@pytest.fixture
def ferry_story(make_story, europe, reporter):
    """A published story with everything ninjs carries: sources, entities, tags, an image."""
    image = Image.objects.create_from_upload(
        upload(image_bytes("JPEG", size=(960, 600)), "ferry.jpg"),
        alt_text="Two electric ferries at the quay",
        credit="Ana Ruiz",
    )
    story = make_story(
        "Electric ferries cross the lake",
        section=europe,
        lead_image=image,
        dek="The first two boats run from Monday.",
        story_line="Electric ferries",
    )
    story.authors.add(reporter)
    story.tags.set(["transport", "climate"])
    # Cited out of the order they were written in: the story's order is `position`.
    cited = [
        (
            "Ferry line goes electric",
            "https://lake.example/ferries",
            "Lake Post",
            date(2026, 3, 1),
        ),
        ("Batteries for boats", "https://tech.example.org/boats?id=7", "", None),
        ("Council approves the quay", "https://city.example/quay", "City Hall", date(2026, 2, 1)),
    ]
    for position, (title, url, publisher, day) in reversed(list(enumerate(cited))):
        Citation.objects.create(
            story=story,
            position=position,
            title=title,
            url=url,
            publisher_name=publisher,
            published_on=day,
        )
    entities = [
        Entity.objects.create(name="Ana Ruiz", kind="person", wikidata_id="Q42"),
        Entity.objects.create(name="Lake Ferries", kind="organization"),
        Entity.objects.create(name="Lakeside", kind="place", wikidata_id="Q1741"),
    ]
    for salience, entity in zip([0.9, 0.5, 0.3], entities, strict=True):
        Mention.objects.create(story=story, entity=entity, salience=salience)
    story.publish(when=timezone.now() - timedelta(hours=1))
    story.refresh_from_db()
    return story


def story_url(story, **query):
    url = reverse("api:story", kwargs={"slug": story.slug})
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def get_json(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# ---- ninjs -----------------------------------------------------------------------


def test_a_published_story_is_ninjs_that_validates_against_the_iptc_schema(
    client, ferry_story, ninjs_validator
):
    item = get_json(client, story_url(ferry_story))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in ninjs_validator.iter_errors(item)]
    assert errors == []
    assert item["uri"] == f"http://testserver{ferry_story.get_absolute_url()}"
    assert item["type"] == "text"
    assert item["pubstatus"] == "usable"
    assert item["standard"]["version"] == "2.2"
    assert item["headlines"][0] == {
        "role": "main",
        "contenttype": "text/plain",
        "value": "Electric ferries cross the lake",
    }
    assert {d["role"]: d["value"] for d in item["descriptions"]} == {
        "dek": ferry_story.dek,
        "summary": ferry_story.summary,
    }
    assert item["bodies"][0]["value"] == ferry_story.body
    assert item["bodies"][0]["contenttype"] == "text/html"
    # Times to the millisecond, in UTC.
    assert abs(parse_datetime(item["firstcreated"]) - ferry_story.published_at) < MILLISECOND
    assert item["by"] == "By Rita Porter"
    # The listing's items, without their bodies, are ninjs too.
    (listed,) = get_json(client, reverse("api:stories"))["items"]
    assert list(ninjs_validator.iter_errors(listed)) == []
    without_body = {key: value for key, value in item.items() if key != "bodies"}
    assert listed == {**without_body, "representationtype": "partial"}


def test_infosources_are_the_cited_sources_in_the_story_s_order(client, ferry_story):
    item = get_json(client, story_url(ferry_story))
    citations = list(ferry_story.citations.order_by("position"))
    assert [(s["name"], s["uri"], s["literal"]) for s in item["infosources"]] == [
        (c.publisher_name or "tech.example.org", c.url, c.title) for c in citations
    ]
    # Their titles and dates, which infosources cannot hold, in associations of the same order.
    assert [
        (a["uri"], a["headlines"][0]["value"], a.get("firstcreated")) for a in item["associations"]
    ] == [
        (
            c.url,
            c.title,
            f"{c.published_on.isoformat()}T00:00:00Z" if c.published_on else None,
        )
        for c in citations
    ]


def test_addresses_written_with_any_letters_are_uris_in_the_item(
    client, ferry_story, ninjs_validator
):
    Citation.objects.create(
        story=ferry_story, position=9, title="Fähren", url="https://bücher.example/straße?q=ü"
    )
    ferry_story.tags.add("café")
    item = get_json(client, story_url(ferry_story))
    assert list(ninjs_validator.iter_errors(item)) == []
    assert item["infosources"][-1]["uri"] == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC"
    assert "http://testserver/tags/caf%C3%A9/" in [s["uri"] for s in item["subjects"]]


def test_entities_are_people_organisations_and_places_with_wikidata_uris(client, ferry_story):
    item = get_json(client, story_url(ferry_story))
    assert item["people"] == [
        {
            "name": "Ana Ruiz",
            "rel": "mentioned",
            "uri": "http://www.wikidata.org/entity/Q42",
            "literal": "ana-ruiz",
        }
    ]
    assert item["organisations"] == [
        {"name": "Lake Ferries", "rel": "mentioned", "literal": "lake-ferries"}
    ]
    assert [p["uri"] for p in item["places"]] == ["http://www.wikidata.org/entity/Q1741"]


def test_a_story_costs_the_same_few_queries_however_much_it_cites_and_names(
    client, ferry_story, django_assert_num_queries
):
    # The story with its section and image, then its authors, tags, citations, mentions.
    with django_assert_num_queries(5):
        get_json(client, story_url(ferry_story))
    for n in range(10):
        Citation.objects.create(story=ferry_story, title=f"R{n}", url=f"https://ex.org/{n}")
        Mention.objects.create(story=ferry_story, entity=Entity.objects.create(name=f"E{n}"))
    with django_assert_num_queries(5):
        assert len(get_json(client, story_url(ferry_story))["infosources"]) == 13


def test_subjects_are_the_section_and_the_tags(client, ferry_story):
    item = get_json(client, story_url(ferry_story))
    assert [(s["rel"], s["name"], s["literal"]) for s in item["subjects"]] == [
        ("section", "Europe", "world/europe"),
        ("tag", "climate", "climate"),
        ("tag", "transport", "transport"),
    ]
    assert item["subjects"][0]["uri"] == "http://testserver/world/europe/"


def test_renditions_are_the_lead_image_s_with_absolute_urls(client, ferry_story):
    item = get_json(client, story_url(ferry_story))
    image = ferry_story.lead_image
    expected = {
        (entry["width"], entry[key]["url"])
        for use in ("lead", "thumbnail")
        for entry in image.rendition_list(use)
        for key in ("webp", "jpeg")
    }
    assert expected
    found = {(r["width"], r["href"].removeprefix("http://testserver")) for r in item["renditions"]}
    assert found == expected
    assert all(r["href"].startswith("http://testserver/media/") for r in item["renditions"])
    assert {r["contenttype"] for r in item["renditions"]} == {"image/webp", "image/jpeg"}
    assert {r["title"] for r in item["renditions"]} == {"Two electric ferries at the quay"}


# ---- What anonymous clients may see ---------------------------------------------------


@pytest.fixture
def unpublished(make_story):
    """A draft, a story scheduled for tomorrow and a withdrawn one."""
    draft = make_story("Secret draft")
    tomorrow = timezone.now() + timedelta(days=1)
    scheduled = make_story("Scheduled story", published=True, published_at=tomorrow)
    withdrawn = make_story("Withdrawn story", published=True)
    withdrawn.change_status(Story.Status.WITHDRAWN)
    return {"draft": draft, "scheduled": scheduled, "withdrawn": withdrawn}


def every_listing_item(client, url):
    items = []
    while url:
        page = get_json(client, url)
        items += page["items"]
        url = page.get("next")
    return items


def test_drafts_scheduled_and_withdrawn_stories_are_never_served_to_anonymous_clients(
    client, make_story, unpublished
):
    published = make_story("Published story", published=True)
    for story in unpublished.values():
        assert story.slug not in {
            item["slugline"] for item in every_listing_item(client, reverse("api:stories"))
        }
        for url in (story_url(story), story_url(story, preview="false")):
            response = client.get(url)
            assert response.status_code in (404, 410)
            assert story.headline not in response.content.decode()
        # Asking for a preview without a token gets nothing either.
        response = client.get(story_url(story, preview="true"))
        assert response.status_code == 401
        assert "token" in response.json()["detail"]
        assert story.headline not in response.content.decode()
    assert client.get(story_url(unpublished["withdrawn"])).status_code == 410
    assert client.get(story_url(unpublished["draft"])).status_code == 404
    assert client.get(story_url(unpublished["scheduled"])).status_code == 404
    assert [item["slugline"] for item in every_listing_item(client, reverse("api:stories"))] == [
        published.slug
    ]
    # Entities name only their published stories.
    entity = Entity.objects.create(name="Harbour")
    for story in [published, *unpublished.values()]:
        Mention.objects.create(story=story, entity=entity)
    detail = get_json(client, reverse("api:entity", kwargs={"slug": "harbour"}))
    assert [s["slug"] for s in detail["newest_stories"]] == [published.slug]


def test_a_scheduled_story_is_served_once_its_time_has_come(client, make_story):
    soon = timezone.now() + timedelta(minutes=5)
    story = make_story("Due soon", published=True, published_at=soon)
    assert client.get(story_url(story)).status_code == 404
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert get_json(client, story_url(story))["pubstatus"] == "usable"


# ---- Listing, filters and cursors -----------------------------------------------------


@pytest.fixture
def timeline(make_story, world, europe, reporter):
    """Twelve published stories an hour apart, newest first in the list returned."""
    now = timezone.now()
    stories = []
    for n in range(12):
        story = make_story(
            f"Story {n}",
            section=europe if n % 3 == 0 else world,
            published=True,
            published_at=now - timedelta(hours=n + 1),
        )
        if n % 2 == 0:
            story.tags.add("even")
            story.authors.add(reporter)
        stories.append(story)
    return stories


def slugs(items):
    return [item["slugline"] for item in items]


def test_the_listing_is_newest_first_in_pages_by_cursor(client, timeline):
    page = get_json(client, reverse("api:stories") + "?limit=5")
    assert slugs(page["items"]) == [story.slug for story in timeline[:5]]
    assert all(item["representationtype"] == "partial" for item in page["items"])
    assert all("bodies" not in item for item in page["items"])
    assert page["next"].startswith("http://testserver/api/stories/?")
    assert slugs(every_listing_item(client, reverse("api:stories") + "?limit=5")) == [
        story.slug for story in timeline
    ]


def test_cursor_pages_are_stable_when_stories_are_published_meanwhile(
    client, timeline, make_story
):
    first = get_json(client, reverse("api:stories") + "?limit=4")
    for n in range(3):
        make_story(f"Breaking {n}", published=True)
    second = get_json(client, first["next"])
    assert slugs(second["items"]) == [story.slug for story in timeline[4:8]]


def test_a_listing_page_costs_the_same_few_queries_however_many_stories(
    client, timeline, django_assert_num_queries
):
    for story in timeline:
        Citation.objects.create(story=story, title="Report", url=f"https://ex.org/{story.pk}")
        Mention.objects.create(story=story, entity=Entity.objects.create(name=f"E{story.pk}"))
    # The page's keys, its stories, then their authors, tags, citations and mentions.
    with django_assert_num_queries(6):
        assert len(get_json(client, reverse("api:stories") + "?limit=3")["items"]) == 3
    with django_assert_num_queries(6):
        assert len(get_json(client, reverse("api:stories") + "?limit=12")["items"]) == 12


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("section=world/europe", lambda s: s.section.slug == "europe"),
        # A section's listing includes its subsections' stories.
        ("section=world", lambda s: True),
        ("tag=even", lambda s: s.tags.filter(name="even").exists()),
        ("author={author}", lambda s: s.authors.exists()),
    ],
)
def test_filters(client, timeline, reporter, query, expected):
    url = reverse("api:stories") + "?limit=3&" + query.format(author=reporter.pk)
    assert slugs(every_listing_item(client, url)) == [s.slug for s in timeline if expected(s)]


def test_filter_by_entity(client, timeline):
    entity = Entity.objects.create(name="Harbour Quay")
    for story in timeline[2:5]:
        Mention.objects.create(story=story, entity=entity)
    url = reverse("api:stories") + "?entity=harbour-quay"
    assert slugs(every_listing_item(client, url)) == [s.slug for s in timeline[2:5]]


def test_updated_since(client, timeline):
    since = timezone.now()
    Story.objects.filter(pk__in=[timeline[3].pk, timeline[7].pk]).update(
        updated_at=since + timedelta(seconds=1)
    )
    url = reverse("api:stories") + "?" + f"updated_since={since.isoformat()}".replace("+", "%2B")
    assert slugs(every_listing_item(client, url)) == [timeline[3].slug, timeline[7].slug]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("section=nowhere", "section: no section at 'nowhere'"),
        ("entity=nobody", "entity: no entity 'nobody'"),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("limit=many", "limit: Input should be a valid integer"),
        ("updated_since=yesterday", "updated_since: Value error, should be a date and time"),
        ("updated_since=1700000000", "updated_since: Value error, should be a date and time"),
        ("updated_since=0001-01-01T00:00:00%2B01:00", "updated_since: Value error, is out of"),
        ("cursor=made-up", "cursor: not one this API gave out"),
    ],
)
def test_bad_queries_get_a_400_naming_the_parameter(client, timeline, query, message):
    response = client.get(reverse("api:stories") + "?" + query)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


def test_a_cursor_of_one_listing_is_refused_by_another(client, timeline):
    for n, story in enumerate(timeline[:3]):
        Mention.objects.create(story=story, entity=Entity.objects.create(name=f"E{n}"))
    entities_next = get_json(client, reverse("api:entities") + "?limit=1")["next"]
    cursor = entities_next.split("cursor=")[1]
    response = client.get(reverse("api:stories") + "?cursor=" + cursor)
    assert response.status_code == 400
    assert response.json()["detail"] == "cursor: not a cursor of this listing (stories)."


# ---- Sections and entities ------------------------------------------------------------


def test_sections_with_their_parents_and_listings(client, europe):
    sections = get_json(client, reverse("api:sections"))["items"]
    assert [(s["path"], s.get("parent")) for s in sections] == [
        ("world", None),
        ("world/europe", "world"),
    ]
    assert sections[1]["uri"] == "http://testserver/world/europe/"
    assert sections[1]["stories"] == "http://testserver/api/stories/?section=world%2Feurope"


def test_entities_by_name_in_pages_with_their_stories(client, ferry_story):
    page = get_json(client, reverse("api:entities") + "?limit=2")
    assert [e["name"] for e in page["items"]] == ["Ana Ruiz", "Lake Ferries"]
    rest = get_json(client, page["next"])
    assert [e["name"] for e in rest["items"]] == ["Lakeside"]
    assert "next" not in rest
    people = get_json(client, reverse("api:entities") + "?kind=person")["items"]
    assert [e["slug"] for e in people] == ["ana-ruiz"]
    ana = get_json(client, people[0]["href"])
    assert ana["wikidata"] == "http://www.wikidata.org/entity/Q42"
    assert ana["uri"] == "http://testserver/entities/ana-ruiz/"
    assert [s["slug"] for s in ana["newest_stories"]] == [ferry_story.slug]
    assert ana["newest_stories"][0]["href"] == f"http://testserver{story_url(ferry_story)}"
    assert slugs(every_listing_item(client, ana["stories"])) == [ferry_story.slug]
    assert client.get(reverse("api:entity", kwargs={"slug": "nobody"})).status_code == 404


def test_entities_only_drafts_name_are_not_listed(client, ferry_story, make_story):
    draft = make_story("Minister to resign")
    Mention.objects.create(story=draft, entity=Entity.objects.create(name="A Minister"))
    listed = every_listing_item(client, reverse("api:entities"))
    assert [e["name"] for e in listed] == ["Ana Ruiz", "Lake Ferries", "Lakeside"]


def test_threads_with_their_stories_and_as_a_filter(client, timeline, make_story):
    talks = Thread.objects.create(name="Ceasefire talks")
    Story.objects.filter(pk__in=[s.pk for s in timeline[1:4]]).update(thread=talks)
    make_story("Talks resume (draft)", thread=talks)
    Thread.objects.create(name="Only drafts so far")
    make_story("Secret development", thread=Thread.objects.get(slug="only-drafts-so-far"))
    listed = every_listing_item(client, reverse("api:threads"))
    assert [(t["name"], t["uri"]) for t in listed] == [
        ("Ceasefire talks", "http://testserver/threads/ceasefire-talks/")
    ]
    detail = get_json(client, listed[0]["href"])
    assert [s["slug"] for s in detail["newest_stories"]] == [s.slug for s in timeline[1:4]]
    assert slugs(every_listing_item(client, detail["stories"])) == [s.slug for s in timeline[1:4]]
    assert client.get(reverse("api:thread", args=["only-drafts-so-far"])).status_code == 404
    # Filtering by a thread of drafts finds nothing, as filtering by an unknown one does.
    for slug in ("only-drafts-so-far", "no-such-thread"):
        assert get_json(client, reverse("api:stories") + f"?thread={slug}")["items"] == []
    item = get_json(client, story_url(timeline[1]))
    assert {"name": "Ceasefire talks", "rel": "thread", "literal": "ceasefire-talks",
            "uri": "http://testserver/threads/ceasefire-talks/"} in item["subjects"]  # fmt: skip


def test_the_type_of_work_is_the_genre(client, make_story, ninjs_validator):
    story = make_story("Why the ferries matter", published=True, type_of_work="analysis")
    item = get_json(client, story_url(story))
    assert item["genres"] == [{"name": "Analysis", "literal": "analysis"}]
    assert list(ninjs_validator.iter_errors(item)) == []


# ---- HTTP: caching, conditional requests, rate limits, the OpenAPI document --------------


@pytest.mark.parametrize("page_cache", [False, True])
def test_etags_and_304s(
    client, settings, ferry_story, page_cache, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_PAGE_CACHE = page_cache
    url = story_url(ferry_story)
    first = client.get(url)
    etag = first["ETag"]
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    ferry_story.headline = "Electric ferries cross the lake at last"
    with django_capture_on_commit_callbacks(execute=True):
        ferry_story.save()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["headlines"][0]["value"] == "Electric ferries cross the lake at last"


def test_other_sites_pages_may_fetch_what_anyone_may_read_but_not_with_a_token(
    client, ferry_story, editor_token
):
    response = client.get(story_url(ferry_story), headers={"Origin": "https://app.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    with_token = client.get(story_url(ferry_story), headers=bearer(editor_token))
    assert "Access-Control-Allow-Origin" not in with_token


def test_anonymous_clients_are_rate_limited_per_address(client, settings, timeline):
    settings.NEWSROOM_API_ANON_RATE = "3/min"
    url = reverse("api:sections")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"]
    # Another address has its own allowance.
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_openapi_document_is_generated_and_there_are_no_docs_pages(client):
    document = get_json(client, "/api/openapi.json")
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/stories/",
        "/api/stories/{slug}",
        "/api/sections/",
        "/api/entities/",
        "/api/entities/{slug}",
        "/api/threads/",
        "/api/threads/{slug}",
    }
    # The token is optional everywhere.
    operation = document["paths"]["/api/stories/{slug}"]["get"]
    assert {} in operation["security"]
    # No Swagger UI: it would load scripts from a CDN, against the site's CSP.
    assert client.get("/api/docs", follow=True).status_code == 404


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/stories/%00", "slug: String should match pattern"),
        ("/api/entities/a%00b", "slug: String should match pattern"),
        ("/api/stories/?tag=%00", "tag: String should match pattern"),
        ("/api/stories/?cursor=%00", "cursor: String should match pattern"),
        ("/api/stories/" + "x" * 201, "slug: String should have at most 200 characters"),
        ("/api/stories/?author=99999999999999999999", "author: Input should be less than"),
        # PostgreSQL refuses offsets past its own bounds: the time is taken in UTC.
        ("/api/stories/?updated_since=0281-01-28T18:08:43%2B22:25", None),
    ],
)
def test_hostile_input_never_gets_a_server_error(client, url, message):
    # NUL characters and integers past 64 bits are what databases choke on (PostgreSQL
    # refuses the one, SQLite the other): refused before a query is made.
    response = client.get(url)
    if message is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json()["detail"].startswith(message)


# ---- Editors' tokens and previews -----------------------------------------------------


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def editor_token(editor):
    return ApiToken.objects.issue(editor, name="Newsletter builder")[1]


def test_an_editor_s_token_previews_unpublished_stories_and_nobody_caches_them(
    client, unpublished, editor_token, ninjs_validator
):
    expected = {"draft": "withheld", "scheduled": "withheld", "withdrawn": "canceled"}
    for name, story in unpublished.items():
        response = client.get(story_url(story, preview="true"), headers=bearer(editor_token))
        assert response.status_code == 200
        item = response.json()
        assert item["headlines"][0]["value"] == story.headline
        assert item["pubstatus"] == expected[name]
        assert list(ninjs_validator.iter_errors(item)) == []
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"].startswith("noindex")
        assert "Authorization" in response["Vary"]
    scheduled = get_json(
        client, story_url(unpublished["scheduled"], preview="true"), **bearer(editor_token)
    )
    assert "embargoed" in scheduled and "firstcreated" not in scheduled


def test_a_token_without_preview_sees_what_readers_see(client, unpublished, editor_token):
    response = client.get(story_url(unpublished["draft"]), headers=bearer(editor_token))
    assert response.status_code == 404
    assert "private" in response["Cache-Control"]


def test_a_reporter_s_token_previews_only_what_the_reporter_may(
    client, make_story, reporter, django_user_model
):
    reporter.groups.add(Group.objects.get(name="Reporter"))
    own = make_story("My draft")
    own.authors.add(reporter)
    other = make_story("Someone else's draft")
    secret = ApiToken.objects.issue(reporter, name="My app")[1]
    assert client.get(story_url(own, preview="1"), headers=bearer(secret)).status_code == 200
    refused = client.get(story_url(other, preview="1"), headers=bearer(secret))
    assert refused.status_code == 404
    assert "Someone else" not in refused.content.decode()


@pytest.mark.parametrize("problem", ["unknown", "revoked", "inactive user", "not bearer"])
def test_a_wrong_token_is_refused_saying_why(client, unpublished, editor, editor_token, problem):
    headers = bearer(editor_token)
    if problem == "unknown":
        headers = bearer("nrapi_made-up")
    elif problem == "revoked":
        ApiToken.objects.get().revoke()
    elif problem == "inactive user":
        editor.is_active = False
        editor.save()
    else:
        headers = {"Authorization": f"Token {editor_token}"}
    response = client.get(story_url(unpublished["draft"], preview="true"), headers=headers)
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()
    assert "Secret draft" not in response.content.decode()


def test_only_the_hash_of_a_token_is_kept_and_its_use_is_noted(client, editor, editor_token):
    token = ApiToken.objects.get()
    assert editor_token.startswith("nrapi_") and editor_token not in str(vars(token))
    assert token.last_used_at is None
    get_json(client, reverse("api:sections"), **bearer(editor_token))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_with_the_page_cache_on_a_preview_is_never_served_to_anyone_else(
    client, settings, unpublished, editor_token
):
    settings.NEWSROOM_PAGE_CACHE = True
    url = story_url(unpublished["draft"], preview="true")
    assert client.get(url, headers=bearer(editor_token)).status_code == 200
    anonymous = client.get(url)
    assert anonymous.status_code == 401
    assert "Secret draft" not in anonymous.content.decode()
    # Nor is an answer to someone who may not preview kept for an editor who may.
    assert client.get(url, headers=bearer("nrapi_made-up")).status_code == 401
    assert client.get(url, headers=bearer(editor_token)).status_code == 200


def test_token_holders_are_not_rate_limited(client, settings, editor_token):
    settings.NEWSROOM_API_ANON_RATE = "2/min"
    url = reverse("api:sections")
    statuses = [client.get(url, headers=bearer(editor_token)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_tokens_are_issued_listed_and_revoked_from_the_command_line(editor):
    out = io.StringIO()
    call_command("api_token", "issue", "edna", "Newsletter builder", stdout=out)
    secret = out.getvalue().splitlines()[1]
    token = ApiToken.objects.for_secret(secret)
    assert token.user == editor and token.name == "Newsletter builder"
    out = io.StringIO()
    call_command("api_token", "list", stdout=out)
    assert f"{token.pk}\tedna\tNewsletter builder\t…{secret[-4:]}\tactive" in out.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=io.StringIO())
    assert ApiToken.objects.for_secret(secret) is None
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("api_token", "issue", "nobody", "x")


def test_the_admin_lists_tokens_without_their_secrets_and_revokes_them(
    client, django_user_model, editor, editor_token
):
    admin_user = django_user_model.objects.create_superuser("ada", password="x")
    client.force_login(admin_user)
    changelist = reverse("admin:stories_apitoken_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "Newsletter builder" in page.content.decode()
    assert editor_token not in page.content.decode()
    assert client.get(reverse("admin:stories_apitoken_add")).status_code == 403
    token = ApiToken.objects.get()
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.for_secret(editor_token) is None
