"""Author pages that earn trust: a profile per author (portrait, role, short bio, the
sections they cover, their other profiles) on their page and in a card under each of
their stories, as schema.org Person; authors keep their own profile in the admin, and
contributors without an account are credited too."""

import importlib

import extruct
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stories.models import Contributor, Image, Section
from stories.views import author_url
from tests.images_support import image_bytes, upload
from tests.test_story_page import parse_html

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def groups(db):
    importlib.import_module("stories.migrations.0004_workflow").create_groups(apps, None)
    importlib.import_module("stories.migrations.0014_people").grant_people_permissions(apps, None)


def staff(django_user_model, name, group, **fields):
    user = django_user_model.objects.create_user(name, is_staff=True, **fields)
    user.groups.add(apps.get_model("auth", "Group").objects.get(name=group))
    return user


@pytest.fixture
def rita(django_user_model, groups):
    return staff(django_user_model, "rita", "Reporter", first_name="Rita", last_name="Porter")


@pytest.fixture
def portrait(db):
    return Image.objects.create_from_upload(
        upload(image_bytes("JPEG", size=(800, 800))), alt_text="Rita Porter"
    )


@pytest.fixture
def profile(rita, portrait, world):
    profile = Contributor.objects.create(
        user=rita,
        name="Rita Porter",
        photo=portrait,
        role="Transport correspondent",
        bio="Rita has covered trains, trams and ferries since 2015.",
        links="https://rita.example.org/\nhttps://social.example.net/@rita",
    )
    profile.areas.add(world)
    return profile


@pytest.fixture
def story(make_story, rita):
    story = make_story("Night trains return", published=True)
    story.authors.add(rita)
    return story


def json_ld(client, url):
    html = client.get(url).content.decode()
    return html, extruct.extract(html, base_url=BASE + url, syntaxes=["json-ld"])["json-ld"]


def test_the_author_page_shows_the_profile_and_says_it_as_a_person(
    client, profile, story, world, rita
):
    html, data = json_ld(client, author_url(rita))
    header = parse_html(html).one("header", **{"class": "page-header author-header"})

    assert header.one("h1").text() == "Rita Porter"
    assert "Transport correspondent" in header.text()
    assert profile.bio in header.text()
    assert header.one("a", href=world.get_absolute_url()).text() == "World"
    links = [a.attrs["href"] for a in header.one("ul").all("a")]
    assert links == ["https://rita.example.org/", "https://social.example.net/@rita"]
    assert header.one("img").attrs["alt"] == "Rita Porter"
    (page,) = [item for item in data if item["@type"] == "ProfilePage"]
    person = page["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Rita Porter"
    assert person["jobTitle"] == "Transport correspondent"
    assert person["sameAs"] == links
    assert person["url"] == BASE + author_url(rita)
    assert person["image"].startswith(f"{BASE}/media/images/renditions/")


def test_each_story_has_a_byline_card_and_its_authors_are_people_with_profiles(
    client, profile, story, rita
):
    html, data = json_ld(client, story.get_absolute_url())
    card = parse_html(html).one("li", **{"class": "byline-card"})

    assert card.one("a").attrs["href"] == author_url(rita)
    assert "Transport correspondent" in card.text()
    assert profile.bio in card.text()
    (article,) = [item for item in data if item["@type"] == "NewsArticle"]
    (author,) = article["author"]
    assert author["jobTitle"] == "Transport correspondent"
    assert author["sameAs"] == profile.link_list


def test_a_contributor_without_an_account_is_credited_and_has_a_page(client, story, rita):
    guest = Contributor.objects.create(name="Guy Guest", role="Freelance photographer")
    story.contributors.add(guest)

    page = parse_html(client.get(story.get_absolute_url()).content.decode())

    byline = page.one("span", **{"class": "byline"})
    assert [a.text() for a in byline.all("a")] == ["Rita Porter", "Guy Guest"]
    assert byline.one("a", href=guest.get_absolute_url()).text() == "Guy Guest"
    assert guest.get_absolute_url() == reverse("stories:contributor", kwargs={"slug": "guy-guest"})
    their_page = parse_html(client.get(guest.get_absolute_url()).content.decode())
    assert their_page.one("h1").text() == "Guy Guest"
    assert story.headline in their_page.text()


def test_a_contributor_with_nothing_published_has_no_page(client, make_story):
    guest = Contributor.objects.create(name="Guy Guest")
    make_story("A draft").contributors.add(guest)

    assert client.get(guest.get_absolute_url()).status_code == 404


def test_profile_links_must_be_web_addresses(rita):
    profile = Contributor(user=rita, name="Rita", links="https://ok.example.org/\nnot a link")

    with pytest.raises(ValidationError, match="Not a web address"):
        profile.full_clean()


def test_authors_edit_their_own_profile_and_no_one_elses(client, rita, django_user_model, groups):
    other = Contributor.objects.create(name="Someone Else", role="Editor")
    client.force_login(rita)

    response = client.get(reverse("admin:stories_contributor_mine"))
    mine = Contributor.objects.get(user=rita)
    assert response["Location"] == reverse("admin:stories_contributor_change", args=[mine.pk])
    assert mine.name == "Rita Porter"

    response = client.post(
        reverse("admin:stories_contributor_change", args=[mine.pk]),
        {"name": "Rita Porter", "role": "Rail correspondent", "bio": "Trains.", "links": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert mine.role == "Rail correspondent"
    assert mine.user == rita  # not hers to change
    other_url = reverse("admin:stories_contributor_change", args=[other.pk])
    assert client.get(other_url).status_code in (302, 403, 404)
    assert client.post(other_url, {"name": "Taken over"}).status_code in (302, 403, 404)
    other.refresh_from_db()
    assert other.name == "Someone Else"


def test_editors_credit_contributors_without_an_account(client, django_user_model, groups):
    editor = staff(django_user_model, "edna", "Editor")
    client.force_login(editor)

    response = client.post(
        reverse("admin:stories_contributor_add"),
        {"name": "Guy Guest", "role": "Freelance", "bio": "", "links": ""},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contributor.objects.get(name="Guy Guest").user is None


def test_the_story_pages_query_count_does_not_grow_with_bylines(
    client, make_story, django_user_model, portrait, django_assert_num_queries
):
    story = make_story("Ferries", published=True)
    first = django_user_model.objects.create_user("a1")
    story.authors.add(first)
    Contributor.objects.create(user=first, name="A One", photo=portrait)
    client.get(story.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(story.get_absolute_url())
    for n in range(4):
        user = django_user_model.objects.create_user(f"b{n}")
        story.authors.add(user)
        Contributor.objects.create(user=user, name=f"B {n}", photo=portrait)
        story.contributors.add(Contributor.objects.create(name=f"Guest {n}", photo=portrait))

    with django_assert_num_queries(len(few)):
        response = client.get(story.get_absolute_url())
    assert response.content.decode().count('class="byline-card"') == 9


def test_a_section_cannot_take_the_contributors_address(db):
    with pytest.raises(ValidationError, match="used by the site itself"):
        Section(name="Contributors", slug="contributors").full_clean()


def test_feeds_credit_contributors_beside_the_authors(client, story):
    import feedparser

    story.contributors.add(Contributor.objects.create(name="Guy Guest"))

    feed = feedparser.parse(client.get(reverse("stories:feed-rss")).content)

    (entry,) = feed.entries
    assert entry.author == "Rita Porter, Guy Guest"
