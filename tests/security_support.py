"""Production settings as a deployment gets them, for the security tests.

Not a test module. Tests run with DEBUG on; these helpers import the settings in a fresh
interpreter with production's environment (DEBUG off, a real secret key, allowed hosts),
so that what the tests check is what production would run with, not what a test set.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "news.example.org"

# What decides the headers, cookies and redirects of a response.
SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CONTENT_SECURITY_POLICY",
    "ALLOWED_HOSTS",
]


def production_environment(**env):
    """The environment of a production deployment, plus `env`; nothing from this shell."""
    own = ("DJANGO_", "DATABASE_", "NEWSROOM_", "AWS_", "REDIS_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return {
        **clean,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        **env,
    }


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_environment(**env),
        capture_output=True,
        text=True,
    )


def production_settings(*names, **env):
    """{name: value} of the settings `names` (default SECURITY_SETTINGS) as production has them.

    Raises AssertionError with the error output if the settings refuse to load.
    """
    names = list(names or SECURITY_SETTINGS)
    code = (
        "import json, newsroom.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    for name, value in values.items():
        # JSON has no tuples; Django wants SECURE_PROXY_SSL_HEADER as one.
        if name == "SECURE_PROXY_SSL_HEADER" and value is not None:
            values[name] = tuple(value)
    return values


def apply_production_settings(settings, **env):
    """Sets the test's `settings` (pytest-django's fixture) to production's security settings."""
    for name, value in production_settings(**env).items():
        if name != "DEBUG" and value is not None:
            setattr(settings, name, value)
    return settings


def directives(header):
    """{directive: [sources]} of a Content-Security-Policy header."""
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} given twice in {header!r}"
        parsed[name] = sources
    return parsed
