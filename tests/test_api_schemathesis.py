"""The API keeps the promises of its own OpenAPI document: a property-based run.

Schemathesis takes the document /api/openapi.json serves (the same django-ninja
generates; the first test checks they are one), calls the site in-process through WSGI
and every middleware (no network), generates requests for every operation, valid and
invalid, and checks each answer: never a server error, and always a status, a content
type and a body that the document declares. A small newsroom (published, draft,
scheduled and withdrawn stories, sections, entities, sources, a thread) gives the slugs, filters
and cursors something to find. Bounded (max_examples), so it runs with the suite.
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from newsroom.wsgi import application
from stories.api import api
from stories.models import ApiToken, Citation, Entity, Mention, Section, Story, Thread

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))


# Made when the module is collected, before any database is there: the document is
# built from the code alone.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = application


@pytest.fixture
def newsroom(settings, make_story, world):
    settings.NEWSROOM_PAGE_CACHE = False  # every request reaches the API's code
    settings.NEWSROOM_API_ANON_RATE = "100000/min"
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    europe = Section.objects.create(name="Europe", slug="europe", parent=world)
    people = [
        Entity.objects.create(name="Ana Ruiz", kind="person", wikidata_id="Q42"),
        Entity.objects.create(name="Lake Ferries", kind="organization"),
    ]
    talks = Thread.objects.create(name="Ceasefire talks")
    now = timezone.now()
    for n in range(5):
        story = make_story(
            f"Story {n}",
            section=europe if n % 2 else world,
            published=True,
            published_at=now - timedelta(hours=n + 1),
            thread=talks if n < 3 else None,
        )
        story.tags.add("transport")
        Citation.objects.create(story=story, title="Report", url=f"https://example.org/{n}")
        Mention.objects.create(story=story, entity=people[n % 2])
    make_story("A draft")
    make_story("Scheduled", published=True, published_at=now + timedelta(days=1))
    make_story("Withdrawn", published=True).change_status(Story.Status.WITHDRAWN)
    # As Django's test client does: the requests run inside the test's transaction, so
    # the end of each must not close the connection (PostgreSQL's would be lost).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_the_document_tested_is_the_one_the_site_serves(client):
    assert client.get("/api/openapi.json").json() == schema.raw_schema


PLAIN = {"Accept-Encoding": "identity"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("API_FUZZ_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_keeps_to_the_openapi_document(newsroom, case):
    # Every check schemathesis has but one: "positive data acceptance" counts a 400 to a
    # request the document allows as a failure, yet a cursor may match the document's
    # pattern without being one the API signed, and a section path may name no section.
    # Those get a 400 that says so, which the document declares.
    # In-process calls are not decompressed, and the site gzips what anonymous readers ask
    # for; compression is tested on its own (tests/test_media_serving.py).
    case.call_and_validate(
        headers=PLAIN, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    derandomize=os.environ.get("API_FUZZ_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_with_an_editor_s_token_too(newsroom, django_user_model, case):
    # Previews (preview=true) then answer with drafts, scheduled and withdrawn stories.
    editor = django_user_model.objects.get_or_create(username="edna", is_superuser=True)[0]
    secret = ApiToken.objects.issue(editor, name="Fuzzing")[1]
    case.call_and_validate(
        headers={**PLAIN, "Authorization": f"Bearer {secret}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
