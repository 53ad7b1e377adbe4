"""Times as the newsroom reads them."""

from django.conf import settings
from django.utils import dateformat, timezone


def local_time(value, fmt="j M Y, H:i"):
    """`value` in the newsroom's time zone, saying which: "25 Nov 2026, 14:05 Europe/Vienna"."""
    if value is None:
        return ""
    return f"{dateformat.format(timezone.localtime(value), fmt)} {settings.TIME_ZONE}"
