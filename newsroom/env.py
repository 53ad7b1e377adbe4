"""Strict parsing of settings from environment variables.

A typo in a deployment's environment should stop the process at start-up with a
message naming the variable, not run with a silently different configuration.
"""

import os
import zoneinfo

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}"
    )


def env_int(name, default, *, minimum=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}")
    return number


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item; separate items by commas")
    return items


def env_time_zone(name, default):
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone (e.g. 'Europe/London')"
        ) from None
    return value


RATE_UNITS = ("s", "sec", "m", "min", "h", "hour", "d", "day")


def env_rate(name, default):
    """A request rate such as "120/min": a whole number, a slash and one of RATE_UNITS."""
    value = env_str(name, default).strip()
    count, _, unit = value.partition("/")
    if not (count.isdigit() and int(count) > 0 and unit in RATE_UNITS):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; write requests/period, e.g. '120/min' "
            f"(periods: {', '.join(RATE_UNITS)})"
        )
    return value
