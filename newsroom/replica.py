"""Reader pages read from the replica database when one is configured.

Editors must see their own writes at once, so only anonymous, read-only requests
outside the admin go to the replica, which may lag behind by a moment.
"""

from contextvars import ContextVar

from django.conf import settings
from django.urls import reverse

_reading_for_a_reader = ContextVar("reading_for_a_reader", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "replica" if _reading_for_a_reader.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReaderReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = "replica" in settings.DATABASES

    def __call__(self, request):
        if not self.enabled or not self.is_reader_request(request):
            return self.get_response(request)
        token = _reading_for_a_reader.set(True)
        try:
            return self.get_response(request)
        finally:
            _reading_for_a_reader.reset(token)

    @staticmethod
    def is_reader_request(request):
        # Session-less requests only: a logged-in editor's cookie means they may
        # be looking at what they just saved.
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(reverse("admin:index"))
        )
