"""Production configuration: health check, replica routing, cache and storage settings."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler
from django.http import HttpResponse
from django.test import RequestFactory

from newsroom import health
from newsroom.replica import ReaderReplicaMiddleware, ReplicaRouter
from stories.models import Story

ROOT = Path(__file__).resolve().parent.parent


def settings_in_fresh_process(expression, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import newsroom.settings as s; print({expression})"],
        cwd=ROOT,
        env={**clean, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db
def test_health_check_answers_ok_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_check_answers_503_with_a_reason_when_the_database_is_down(
    monkeypatch, django_db_blocker
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "newsroom",
                "HOST": "127.0.0.1",
                "PORT": port,
                "USER": "postgres",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    monkeypatch.setattr(health, "connections", unreachable)
    with django_db_blocker.unblock():
        response = health.healthz(RequestFactory().get("/healthz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert "database 'default' unreachable" in body["reason"]


def which_database_a_view_reads(request):
    seen = {}

    def view(request):
        seen["db"] = ReplicaRouter().db_for_read(Story)
        return HttpResponse()

    middleware = ReaderReplicaMiddleware(view)
    middleware.enabled = True
    middleware(request)
    return seen["db"]


def test_anonymous_readers_read_from_the_replica_and_editors_from_the_primary(settings):
    factory = RequestFactory()
    assert which_database_a_view_reads(factory.get("/world/")) == "replica"
    assert which_database_a_view_reads(factory.get("/admin/stories/story/")) == "default"
    assert which_database_a_view_reads(factory.post("/search/")) == "default"
    logged_in = factory.get("/world/")
    logged_in.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert which_database_a_view_reads(logged_in) == "default"
    # Outside a reader's request, reads go to the primary, and writes always do.
    assert ReplicaRouter().db_for_read(Story) == "default"
    assert ReplicaRouter().db_for_write(Story) == "default"


def test_a_replica_url_adds_the_replica_and_its_router():
    result = settings_in_fresh_process(
        "sorted(s.DATABASES), s.DATABASE_ROUTERS",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5432/test",
    )
    assert result.returncode == 0, result.stderr
    assert "['default', 'replica'] ['newsroom.replica.ReplicaRouter']" in result.stdout


def test_redis_url_selects_the_redis_cache_and_a_bad_one_is_refused():
    result = settings_in_fresh_process(
        "s.CACHES['default']['BACKEND']", REDIS_URL="redis://127.0.0.1:6379/1"
    )
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
    result = settings_in_fresh_process("s.CACHES", REDIS_URL="127.0.0.1:6379")
    assert result.returncode != 0
    assert "must start with redis://" in result.stderr
    # Without Redis: the cache on disk that every worker of the machine shares.
    result = settings_in_fresh_process(
        "s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION']",
        NEWSROOM_CACHE_DIR="/srv/newsroom-cache",
    )
    assert result.stdout.split() == ["newsroom.caches.SharedDiskCache", "/srv/newsroom-cache"]


def test_a_bucket_name_moves_media_to_object_storage():
    result = settings_in_fresh_process(
        "s.STORAGES['default']['BACKEND'], s.STORAGES['default']['OPTIONS']['endpoint_url']",
        AWS_STORAGE_BUCKET_NAME="newsroom-media",
        AWS_S3_ENDPOINT_URL="https://objects.example.net",
    )
    assert result.returncode == 0, result.stderr
    # django-storages' S3Storage, giving each object its Cache-Control (newsroom/s3.py).
    assert "newsroom.s3.MediaS3Storage" in result.stdout
    assert "https://objects.example.net" in result.stdout


def test_the_redis_cache_works_against_the_local_server():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis does not answer on 127.0.0.1:6379: {exc}")
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": f"newsroom-test-{os.getpid()}"})
    cache.set("greeting", {"text": "hello"}, 30)
    assert cache.get("greeting") == {"text": "hello"}
    cache.delete("greeting")
