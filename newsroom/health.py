from django.db import DatabaseError, connections
from django.http import JsonResponse


def healthz(request):
    """200 when every configured database answers, 503 naming the one that does not."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            reason = f"database {alias!r} unreachable: {exc.__class__.__name__}: {exc}".strip()
            response = JsonResponse({"status": "unavailable", "reason": reason}, status=503)
            break
    else:
        response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response
