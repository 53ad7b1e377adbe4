"""The two page-cache backends the tests run against: the embedded default and Redis."""

import contextlib
import os
import uuid

import pytest

CACHE_BACKENDS = ["embedded", "redis"]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} does not answer: {exc}")
    return client


@contextlib.contextmanager
def cache_settings(backend, folder):
    """(CACHES for `backend`, a function forgetting every page) for one test.

    Redis is shared with whatever else uses the server: the test's keys carry a prefix
    of their own, and only they are deleted (never FLUSHDB).
    """
    if backend == "embedded":
        caches = {
            "default": {
                "BACKEND": "newsroom.caches.SharedDiskCache",
                "LOCATION": str(folder / "page-cache"),
                "KEY_PREFIX": "test",
            }
        }

        def forget():
            from django.core.cache import cache

            cache.clear()

        yield caches, forget
        return

    client = redis_client()
    prefix = f"newsroom-test-{uuid.uuid4().hex}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }

    def forget():
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    try:
        yield caches, forget
    finally:
        forget()
        client.close()
