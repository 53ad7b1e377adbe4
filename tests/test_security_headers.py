"""Security headers, HTTPS and cookies: strict by default in production, set from the environment.

Production's settings are read from a fresh interpreter with production's environment
(tests/security_support.py), then applied to the test's settings for in-process requests.
"""

import re

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from newsroom.security import CrossOriginResourcePolicyMiddleware
from tests.security_support import (
    HOST,
    apply_production_settings,
    directives,
    production_settings,
    run_python,
)

ONE_YEAR = 365 * 24 * 60 * 60


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", (
        result.stdout + result.stderr
    )


def test_production_defaults_are_https_only_and_preload_ready():
    values = production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= ONE_YEAR  # hstspreload.org's minimum
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_REFERRER_POLICY"] in {"no-referrer", "same-origin", "strict-origin"}
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    # Sessions expire when idle: every request saves the session and starts the time again.
    assert values["SESSION_SAVE_EVERY_REQUEST"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trusting a header is opt-in


def test_developers_get_plain_http_and_ordinary_cookies():
    values = production_settings(DJANGO_DEBUG="1")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert not values["SESSION_COOKIE_SECURE"]


def test_settings_come_from_the_environment():
    values = production_settings(
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_SECURE_SSL_REDIRECT="off",
        DJANGO_SESSION_COOKIE_AGE="1800",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_AGE"] == 1800


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "is not a header name"),
        ("DJANGO_SECURE_SSL_REDIRECT", "sure", "is not a boolean"),
        ("DJANGO_SECURE_HSTS_SECONDS", "a year", "is not a whole number"),
        ("DJANGO_SESSION_COOKIE_AGE", "10", "must be at least 60"),
        ("NEWSROOM_ADMIN_PATH", "/admin", "must be path segments"),
        ("NEWSROOM_ADMIN_PATH", "desk/../admin/", "must be path segments"),
        ("NEWSROOM_MEDIA_ORIGIN", "http://media.example.org", "must be https://host"),
        ("NEWSROOM_LOGIN_FAILURE_LIMIT", "0", "must be at least 1"),
    ],
)
def test_a_bad_value_stops_the_process_naming_the_variable(variable, value, message):
    result = run_python("import newsroom.settings", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr
    assert variable in result.stderr or "media origin" in result.stderr


def test_images_from_object_storage_are_allowed_by_the_policy():
    values = production_settings(
        "CONTENT_SECURITY_POLICY",
        AWS_STORAGE_BUCKET_NAME="newsroom-media",
        AWS_S3_CUSTOM_DOMAIN="media.example.org",
    )
    img_src = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert img_src == ["'self'", "data:", "https://media.example.org"]


@pytest.fixture
def production(settings):
    apply_production_settings(settings)
    return Client(HTTP_HOST=HOST)


@pytest.mark.django_db
def test_a_story_page_carries_every_security_header(production, make_story):
    story = make_story("Harbour ferries go electric", published=True)
    response = production.get(story.get_absolute_url(), secure=True)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= ONE_YEAR
    assert "includeSubDomains" in hsts and "preload" in hsts
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_on_the_same_host(production, make_story):
    story = make_story("Harbour ferries go electric", published=True)
    response = production.get(story.get_absolute_url() + "?page=1")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}{story.get_absolute_url()}?page=1"
    # Load balancers check health over plain HTTP.
    assert production.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_its_header_says_the_request_was_secure(settings, make_story):
    apply_production_settings(settings, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    story = make_story("Harbour ferries go electric", published=True)
    client = Client(HTTP_HOST=HOST)
    secure = client.get(story.get_absolute_url(), headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert "Strict-Transport-Security" in secure
    plain = client.get(story.get_absolute_url(), headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301


@pytest.mark.django_db
def test_cached_pages_carry_the_same_headers(production, settings, make_story):
    settings.NEWSROOM_PAGE_CACHE = True
    cache.clear()
    make_story("Harbour ferries go electric", published=True)
    first = production.get("/", secure=True)
    second = production.get("/", secure=True)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    for name in ("Content-Security-Policy", "Cross-Origin-Resource-Policy", "X-Frame-Options"):
        assert second[name] == first[name]
    cache.clear()


@pytest.mark.django_db
def test_only_the_admin_may_use_inline_styles_and_nowhere_inline_scripts(
    production, admin_user, make_story
):
    production.force_login(admin_user)
    admin_page = production.get(reverse("admin:stories_story_changelist"), secure=True)
    assert admin_page.status_code == 200
    policy = directives(admin_page["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    story = make_story("Harbour ferries go electric", published=True)
    reader_page = production.get(story.get_absolute_url(), secure=True)
    assert directives(reader_page["Content-Security-Policy"])["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_error_pages_carry_the_policy_too(production):
    response = production.get("/stories/no-such-story/", secure=True)
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_uploaded_media_may_be_shown_by_other_sites_and_nothing_else(settings):
    settings.MEDIA_URL = "/media/"
    middleware = CrossOriginResourcePolicyMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    media = middleware(factory.get("/media/images/2026/11/ferry.jpg"))
    assert media["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert middleware(factory.get("/static/css/site.css"))["Cross-Origin-Resource-Policy"] == (
        "same-origin"
    )
