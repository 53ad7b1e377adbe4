import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

# How long a browser or crawler should wait before asking again, in seconds.
RETRY_AFTER = 30


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """500 for errors, but 503 with a friendly page while the database is out of reach.

    Django calls this inside its handler for the uncaught exception, so the
    exception is still the current one here, wherever it was raised (view or
    middleware). Once the database answers again the next request just works:
    connections are opened per request.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
    return django_server_error(request, template_name)
