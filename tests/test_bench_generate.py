"""`bench_generate` makes a newsroom that looks like a real one, and `make bench` reads wrk."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from bench.harness import parse_wrk
from stories import richtext, textformat
from stories.models import Entity, Section, Source, Story

STORIES = 50


@pytest.fixture
def newsroom(db):
    call_command("bench_generate", stories=STORIES, entities=60, seed=3, stdout=io.StringIO())
    return Story.objects.all()


def words(html):
    return len(richtext.html_to_text(html).split())


def test_most_stories_are_published_over_the_past_year_and_some_are_not(newsroom):
    published = Story.objects.published()
    assert newsroom.count() == STORIES
    assert STORIES * 0.8 <= published.count() < STORIES
    year_ago = timezone.now() - timedelta(days=366)
    assert not published.filter(published_at__lt=year_ago).exists()
    unpublished = newsroom.exclude(pk__in=published)
    assert unpublished.filter(status=Story.Status.DRAFT).exists()


def test_stories_are_filed_in_nested_sections_and_name_entities_with_aliases(newsroom):
    assert Section.objects.filter(path__contains="/").exists()
    assert not newsroom.filter(section=None).exists()
    assert not newsroom.filter(mentions=None).exists()
    assert not newsroom.filter(tags=None).exists()
    assert Entity.objects.exclude(aliases=[]).exists()
    for story in newsroom.prefetch_related("mentions__entity"):
        text = richtext.html_to_text(story.body)
        for mention in story.mentions.all():
            assert mention.entity.name in text, (story, mention.entity)


def test_stories_cite_one_to_five_sources_that_other_stories_share(newsroom):
    cited = newsroom.annotate(n=Count("citations")).values_list("n", flat=True)
    assert min(cited) >= 1
    assert max(cited) <= 5
    assert Source.objects.annotate(n=Count("citations")).filter(n__gt=1).exists()


def test_bodies_are_news_length_sanitised_html_that_exports_in_the_text_format(newsroom):
    for story in newsroom.prefetch_related("citations"):
        assert 500 <= words(story.body) <= 1000, story
        assert richtext.sanitise(story.body) == story.body
        assert richtext.sanitise(story.summary) == story.summary
        document = story.to_document()
        assert textformat.parse(textformat.format(document)) == document


def test_the_reader_pages_render(newsroom, client):
    story = Story.objects.published().first()
    entity = story.mentions.first().entity
    for url in ("/", story.section.get_absolute_url(), story.get_absolute_url()):
        assert client.get(url).status_code == 200, url
    assert client.get(entity.get_absolute_url()).status_code == 200
    draft = newsroom.filter(status=Story.Status.DRAFT).first()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_it_fills_only_an_empty_database(make_story):
    make_story("An editor's story")
    with pytest.raises(CommandError, match="already has 1 stories"):
        call_command("bench_generate", stories=5, stdout=io.StringIO())
    assert Story.objects.count() == 1


WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms   1.20s    80.00%
    Req/Sec   640.00    100.00     1.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%   13.00ms
     90%   15.00ms
     99%    1.50s
  6400 requests in 5.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:   1280.50
Transfer/sec:     20.00MB
"""


def test_the_harness_reads_rates_latencies_and_errors_from_wrk():
    result = parse_wrk(WRK_OUTPUT)
    assert result["requests_per_second"] == 1280.5
    assert result["requests"] == 6400
    assert result["latency_ms"] == {
        "p50": 0.85,
        "p75": 13.0,
        "p90": 15.0,
        "p99": 1500.0,
        "mean": 12.5,
    }
    assert result["socket_errors"] == {"connect": 0, "read": 2, "write": 0, "timeout": 1}
    assert result["non_2xx_3xx"] == 3
