"""Settings come from the environment and a bad value stops the process with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import env_bool, env_int, env_list, env_time_zone

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Imports the settings in a fresh interpreter with exactly these variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import newsroom.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_the_secret_key_is_required_when_debug_is_off():
    result = load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = load_settings(DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="news.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_a_misspelt_boolean_is_an_error_naming_the_variable():
    result = load_settings(DJANGO_DEBUG="treu")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='treu' is not a boolean" in result.stderr


def test_a_bad_database_url_is_an_error():
    result = load_settings(DJANGO_DEBUG="1", DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Off", False), ("no", False), ("", None)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", None) is expected


def test_numbers_and_lists(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "12")
    assert env_int("X_NUMBER", 0) == 12
    monkeypatch.setenv("X_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER='twelve' is not a whole number"):
        env_int("X_NUMBER", 0)
    monkeypatch.setenv("X_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_NUMBER", 0, minimum=0)
    monkeypatch.setenv("X_HOSTS", "a.example, b.example")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("X_HOSTS", [])


def test_time_zone_must_exist(monkeypatch):
    monkeypatch.setenv("X_TZ", "Europe/Vienna")
    assert env_time_zone("X_TZ", "UTC") == "Europe/Vienna"
    monkeypatch.setenv("X_TZ", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="not a known time zone"):
        env_time_zone("X_TZ", "UTC")
