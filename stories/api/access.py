"""Who may read what through the API, and how often: editors' tokens and anonymous rate limits."""

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from newsroom.security import client_ip


class Anonymous:
    """request.auth of a request that carries no token: it reads what readers read."""

    def __bool__(self):
        return True

    def __str__(self):
        return "anonymous"


ANONYMOUS = Anonymous()


class EditorToken(HttpBearer):
    """`Authorization: Bearer <token>`, optional: without the header a request is anonymous.

    A header that is there but wrong is refused (401) rather than read as anonymous, so
    a client whose token was revoked learns so instead of silently seeing less.
    """

    def __call__(self, request):
        if not request.headers.get(self.header):
            return ANONYMOUS
        scheme, _, token = request.headers[self.header].partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise HttpError(401, "The Authorization header must be 'Bearer <API token>'.")
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        from stories.models import ApiToken

        found = ApiToken.objects.for_secret(token)
        if found is None:
            raise HttpError(401, "This API token is not valid: it is unknown or revoked.")
        found.mark_used()
        return found


def token_of(request):
    """The request's API token, or None for an anonymous request."""
    auth = getattr(request, "auth", None)
    return None if auth is None or auth is ANONYMOUS else auth


class AnonymousRateThrottle(SimpleRateThrottle):
    """NEWSROOM_API_ANON_RATE requests per client address; requests with a token are not counted.

    The address is the one sign-in throttling uses (newsroom.security.client_ip), so it
    honours NEWSROOM_TRUSTED_PROXIES the same way. The rate is read on each request, so
    a settings change (or a test's) applies at once.
    """

    scope = "api-anonymous"
    cache_format = "api-throttle:%(ident)s"

    def __init__(self):
        super().__init__(rate=settings.NEWSROOM_API_ANON_RATE)

    def get_cache_key(self, request):
        if token_of(request) is not None:
            return None
        return self.cache_format % {"ident": client_ip(request)}

    def allow_request(self, request):
        self.rate = settings.NEWSROOM_API_ANON_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
