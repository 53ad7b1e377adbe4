"""A source's publisher is found from its domain when the newsroom knows the domain."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from stories.canonical import domain_suffixes, normalise_domain
from stories.forms import PublisherForm
from stories.models import Citation, Publisher, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def guardian(db):
    return Publisher.objects.create(name="Example Guardian", domain="example.org")


@pytest.fixture
def guardian_sport(db):
    return Publisher.objects.create(name="Example Guardian Sport", domain="sport.example.org")


@pytest.mark.parametrize(
    ("url", "domains"),
    [
        ("https://www.example.org/a", ["example.org"]),
        ("https://News.Example.org/a", ["news.example.org", "example.org"]),
        ("https://a.b.example.net/", ["a.b.example.net", "b.example.net", "example.net"]),
        ("http://127.0.0.1:8000/feed", ["127.0.0.1"]),
        ("http://[2001:db8::1]/", ["2001:db8::1"]),
    ],
)  # fmt: skip
def test_the_domains_a_url_is_on_most_specific_first(url, domains):
    assert domain_suffixes(url) == domains


def test_a_publisher_is_found_by_its_domain_or_a_parent_domain(guardian, guardian_sport):
    assert Publisher.objects.for_url("https://www.example.org/world/1") == guardian
    assert Publisher.objects.for_url("https://live.example.org/world/1") == guardian
    assert Publisher.objects.for_url("https://sport.example.org/football") == guardian_sport
    assert Publisher.objects.for_url("https://example.com/") is None
    # "org" alone is nobody's domain, nor is a domain that merely ends the same way.
    assert Publisher.objects.for_url("https://notexample.org/") is None


def test_many_urls_are_attributed_in_one_query(
    guardian, guardian_sport, django_assert_num_queries
):
    hosts = ["example.org", "sport.example.org", "x.com"]
    urls = [f"https://{host}/{n}" for n in range(10) for host in hosts]
    with django_assert_num_queries(1):
        found = Publisher.objects.for_urls(urls)
    assert {url: p.name for url, p in found.items()} == {
        url: "Example Guardian Sport" if "sport" in url else "Example Guardian"
        for url in urls
        if "x.com" not in url
    }


def test_a_cited_article_with_no_publisher_named_gets_the_domains(guardian, make_story):
    story = make_story()
    named = Citation.objects.create(
        story=story, title="Named", url="https://example.org/a", publisher_name="Someone Else"
    )
    unnamed = Citation.objects.create(story=story, title="Unnamed", url="https://example.org/b")
    assert named.source.publisher.name == "Someone Else"  # the story's word goes first
    assert unnamed.source.publisher == guardian


def test_imported_citations_get_the_domains_publisher_too(guardian, make_story):
    story = make_story()
    citations = [
        Citation(story=story, position=0, title="One", url="https://www.example.org/1"),
        Citation(story=story, position=1, title="Two", url="https://elsewhere.example/2"),
    ]
    Citation.objects.bulk_create(Source.objects.resolve(citations))
    publishers = dict(Source.objects.values_list("url", "publisher__name"))
    assert publishers == {
        "https://www.example.org/1": "Example Guardian",
        "https://elsewhere.example/2": None,
    }


def test_a_source_made_by_hand_is_attributed_by_domain(guardian):
    source = Source.objects.for_url("https://example.org/story?utm_source=x", title="A story")
    assert source.publisher == guardian


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Example.ORG", "example.org"),
        ("https://www.example.org/about", "example.org"),
        ("www.example.org", "example.org"),
        ("  news.example.org  ", "news.example.org"),
        ("", ""),
    ],
)
def test_a_domain_is_stored_in_the_form_it_is_matched_in(given, stored):
    assert normalise_domain(given) == stored


@pytest.mark.parametrize("given", ["example", "not a domain", "javascript:alert(1)", "https://"])
def test_what_is_not_a_domain_is_refused_with_a_message(given):
    with pytest.raises(ValidationError) as refused:
        normalise_domain(given)
    assert refused.value.messages == [
        f"{given!r} is not a domain; give the site's host name, such as example.com."
    ]


def test_the_form_takes_the_domain_from_the_homepage_when_left_empty(db):
    form = PublisherForm(data={"name": "Example Post", "homepage": "https://www.example.net/"})
    assert form.is_valid(), form.errors
    assert form.save().domain == "example.net"


def test_two_publishers_cannot_share_a_domain(guardian):
    form = PublisherForm(data={"name": "Copycat", "homepage": "", "domain": "EXAMPLE.org"})
    assert not form.is_valid()
    assert form.errors["__all__"] == ["Another publisher already has this domain."]


def test_the_publisher_list_shows_and_searches_domains(client, guardian, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor", password=None))
    response = client.get(reverse("admin:stories_publisher_changelist"), {"q": "example.org"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [guardian]
    assert '<td class="field-domain">example.org</td>' in response.text
