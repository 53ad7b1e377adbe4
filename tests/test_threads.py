"""Story threads: stories about one developing event, with a timeline page, a feed,
CollectionPage/ItemList structured data, the previous and next developments on each
story page, and threads suggested to editors from shared entities and time."""

from datetime import timedelta

import extruct
import feedparser
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from stories.models import Citation, Entity, Mention, Story, Thread
from tests.test_story_page import get_page, parse_html
from tests.test_structured_data import BASE, news_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def qatar(db):
    return Entity.objects.create(name="Qatar", kind=Entity.Kind.PLACE)


@pytest.fixture
def talks(db):
    return Thread.objects.create(
        name="Gaza ceasefire talks", description="Negotiations for a ceasefire in Gaza."
    )


@pytest.fixture
def developments(make_story, talks, qatar):
    """Three published stories of the thread, oldest first, and two it must not show."""
    now = timezone.now()
    stories = []
    for hours, headline in [(30, "Talks open in Doha"), (20, "Talks stall"), (2, "Talks resume")]:
        story = make_story(
            headline, thread=talks, published=True, published_at=now - timedelta(hours=hours)
        )
        Mention.objects.create(story=story, entity=qatar)
        Citation.objects.create(
            story=story, title=f"Report: {headline}", url=f"https://post.example.org/{hours}",
            publisher_name="Example Post",
        )  # fmt: skip
        stories.append(story)
    make_story("Draft development", thread=talks)
    make_story("Scheduled development", thread=talks, published=True,
               published_at=now + timedelta(hours=5))  # fmt: skip
    return stories


def thread_page(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response, parse_html(response.content.decode())


def test_a_thread_gets_a_slug_from_its_name_and_lives_under_threads(talks):
    assert talks.slug == "gaza-ceasefire-talks"
    assert talks.get_absolute_url() == "/threads/gaza-ceasefire-talks/"


def test_the_thread_page_lists_its_published_stories_newest_first(client, talks, developments):
    response, page = thread_page(client, talks)

    entries = list(page.all("li", **{"class": "timeline-entry"}))
    assert [e.one("h3").text() for e in entries] == [s.headline for s in developments[::-1]]
    for entry, story in zip(entries, developments[::-1], strict=True):
        assert entry.one("a").attrs["href"] == story.get_absolute_url()
        assert (
            entry.one("time").attrs["datetime"]
            == timezone.localtime(story.published_at).replace(microsecond=0).isoformat()
        )
        assert story.dek in entry.text()
    html = response.content.decode()
    assert "Draft development" not in html and "Scheduled development" not in html
    assert page.one("h1").text() == talks.name
    assert talks.description in page.text()


def test_the_thread_page_names_the_entities_and_sources_it_draws_on(
    client, talks, developments, qatar
):
    _, page = thread_page(client, talks)

    aside = page.one("aside", **{"class": "thread-aside"})
    assert [a.text() for a in aside.one("ul", **{"class": "chips"}).all("a")] == ["Qatar"]
    assert "3 sources from 1 publisher" in aside.text()
    assert "Example Post" in aside.text()


def test_a_thread_with_no_published_story_is_not_found(client, talks, make_story):
    make_story("Draft development", thread=talks)

    assert client.get(talks.get_absolute_url()).status_code == 404
    assert client.get(reverse("stories:thread-feed-rss", args=[talks.slug])).status_code == 404


def test_each_story_links_to_the_thread_and_its_neighbours(client, talks, developments):
    first, middle, last = developments

    def neighbours(story):
        nav = get_page(client, story).one("nav", **{"class": "thread-nav"})
        assert nav.one("p", **{"class": "thread-name"}).one("a").attrs["href"] == (
            talks.get_absolute_url()
        )
        found = {}
        for rel in ("prev", "next"):
            links = list(nav.all("a", rel=rel))
            found[rel] = links[0].attrs["href"] if links else None
        return found

    assert neighbours(first) == {"prev": None, "next": middle.get_absolute_url()}
    assert neighbours(middle) == {
        "prev": first.get_absolute_url(),
        "next": last.get_absolute_url(),
    }
    # The scheduled story is not out yet, so the newest has no next development.
    assert neighbours(last) == {"prev": middle.get_absolute_url(), "next": None}


def test_a_story_outside_any_thread_has_no_thread_box(client, make_story):
    story = make_story("Standalone", published=True)

    assert not list(get_page(client, story).all("nav", **{"class": "thread-nav"}))


def test_the_story_says_in_its_structured_data_it_is_part_of_the_thread(
    client, talks, developments
):
    article = news_article(client, developments[0])

    assert article["isPartOf"] == {
        "@type": "CollectionPage",
        "@id": BASE + talks.get_absolute_url(),
        "name": talks.name,
    }


def test_the_thread_page_is_a_collection_page_with_an_item_list(client, talks, developments):
    response, _ = thread_page(client, talks)

    data = extruct.extract(
        response.content.decode(),
        base_url=BASE + talks.get_absolute_url(),
        syntaxes=["json-ld"],
    )["json-ld"]

    (collection,) = data
    assert collection["@type"] == "CollectionPage"
    assert collection["name"] == talks.name
    items = collection["mainEntity"]
    assert items["@type"] == "ItemList"
    assert items["numberOfItems"] == 3
    listed = [(i["@type"], i["position"], i["url"], i["name"]) for i in items["itemListElement"]]
    assert listed == [
        ("ListItem", n, BASE + s.get_absolute_url(), s.headline)
        for n, s in enumerate(developments[::-1], start=1)
    ]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_each_thread_has_a_feed_of_its_published_stories(client, talks, developments, fmt):
    response = client.get(reverse(f"stories:thread-feed-{fmt}", args=[talks.slug]))
    parsed = feedparser.parse(response.content)

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title.startswith(talks.name)
    assert parsed.feed.link == BASE + talks.get_absolute_url()
    assert [e.title for e in parsed.entries] == [s.headline for s in developments[::-1]]
    _, page = thread_page(client, talks)
    feeds = [link.attrs["href"] for link in page.all("link", rel="alternate")]
    assert reverse(f"stories:thread-feed-{fmt}", args=[talks.slug]) in feeds


def test_the_thread_page_costs_a_fixed_number_of_queries(
    client, talks, developments, make_story, qatar, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(talks.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(talks.get_absolute_url())
    for n in range(10):
        story = make_story(f"More {n}", thread=talks, published=True)
        Mention.objects.create(story=story, entity=Entity.objects.create(name=f"Entity {n}"))
    with django_assert_max_num_queries(len(few)):
        client.get(talks.get_absolute_url())


# --- Suggestions in the admin ------------------------------------------------------------


def test_threads_are_suggested_from_entities_shared_with_recent_stories(
    make_story, talks, developments, qatar
):
    other = Thread.objects.create(name="Harbour works")
    old = make_story("Old harbour story", thread=other)
    Story.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=90))
    Mention.objects.create(story=old, entity=qatar)  # shares Qatar, but long ago
    new = make_story("Mediators meet again")
    Mention.objects.create(story=new, entity=qatar)

    suggested = Thread.objects.suggested_for(new)

    assert [(t.name, t.shared) for t in suggested] == [(talks.name, 1)]
    assert Thread.objects.suggested_for(make_story("Nothing in common")) == []


def test_the_change_form_suggests_threads_and_files_the_story_in_one(
    client, talks, developments, qatar, make_story, django_user_model
):
    from tests.test_admin import form_data

    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    new = make_story("Mediators meet again")
    Mention.objects.create(story=new, entity=qatar)
    url = reverse("admin:stories_story_change", args=[new.pk])

    page = client.get(url)
    thread_field = page.context["adminform"].form.fields["thread"]
    assert "Gaza ceasefire talks (1 shared entity)" in thread_field.help_text

    data = form_data(page)
    data["thread"] = talks.pk
    data["type_of_work"] = Story.TypeOfWork.ANALYSIS
    assert client.post(url, data).status_code == 302
    new.refresh_from_db()
    assert (new.thread, new.type_of_work) == (talks, Story.TypeOfWork.ANALYSIS)


def test_threads_with_published_stories_are_in_their_sitemap(client, talks, developments):
    quiet = Thread.objects.create(name="Only drafts so far")
    Story.objects.filter(pk=developments[0].pk).update(thread=quiet, status=Story.Status.DRAFT)
    response = client.get("/sitemap-threads.xml")

    assert response.status_code == 200
    body = response.content.decode()
    assert f"<loc>http://testserver{talks.get_absolute_url()}</loc>" in body
    assert quiet.get_absolute_url() not in body
    assert "/sitemap-threads.xml" in client.get("/sitemap.xml").content.decode()
