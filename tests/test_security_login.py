"""Signing in: throttled against guessing, at a configurable address, ending when idle."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from newsroom.security import client_ip
from tests.security_support import run_python

pytestmark = pytest.mark.django_db

PASSWORD = "the right passphrase"


@pytest.fixture(autouse=True)
def _quick_hashing(settings):
    # Dozens of sign-ins: production's slow password hashing would only slow the tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, *, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def signed_in(client):
    return client.get(reverse("admin:index")).status_code == 200


def fail_until_locked(client, username="editor", *, address="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, username, "a wrong guess", address=address)
    return response


def test_wrong_passwords_lock_the_account_out_from_that_address(client, editor):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "editor", f"guess {attempt}")
        assert response.status_code == 200  # the form again, with its error
        assert "Please enter the correct username and password" in response.text
    response = sign_in(client, "editor", "one guess too many")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in response.text
    assert f"{settings.AXES_FAILURE_LIMIT} wrong passwords in a row" in response.text
    # Not even the right password gets in while the pause lasts.
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    assert not signed_in(client)


def test_the_lock_out_page_is_plain_html_without_cross_origin_access(client, editor):
    fail_until_locked(client)
    # django-axes answers scripted requests with JSON open to every origin unless told not to.
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "x"},
        REMOTE_ADDR="203.0.113.7",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Access-Control-Allow-Origin" not in response


def test_other_accounts_and_other_addresses_are_not_locked_out(client, editor, django_user_model):
    django_user_model.objects.create_user("reporter", password=PASSWORD, is_staff=True)
    fail_until_locked(client)
    assert sign_in(client, "reporter", PASSWORD).status_code == 302
    assert signed_in(client)
    other = Client()
    assert sign_in(other, "editor", PASSWORD, address="198.51.100.20").status_code == 302
    assert signed_in(other)


def test_the_pause_ends_after_the_cool_off_time(client, editor):
    fail_until_locked(client)
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert sign_in(client, "editor", PASSWORD).status_code == 302
    assert signed_in(client)


def test_signing_in_forgets_earlier_failures(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "editor", "a wrong guess")
    assert sign_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "editor", "a wrong guess").status_code == 200


def test_behind_trusted_proxies_the_client_address_is_the_one_they_saw(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    settings.NEWSROOM_TRUSTED_PROXIES = 0
    assert client_ip(spoofed) == "10.0.0.2"  # no proxy: the header is the client's own words
    settings.NEWSROOM_TRUSTED_PROXIES = 1
    assert client_ip(spoofed) == "203.0.113.7"  # what our proxy appended, not "1.2.3.4"
    settings.NEWSROOM_TRUSTED_PROXIES = 2
    assert client_ip(spoofed) == "1.2.3.4"
    settings.NEWSROOM_TRUSTED_PROXIES = 3
    assert client_ip(spoofed) == "10.0.0.2"  # fewer entries than proxies: the connection's


def test_the_admin_lives_where_the_setting_says():
    result = run_python(
        "import django; django.setup(); "
        "from django.conf import settings; from django.urls import reverse, resolve, Resolver404; "
        "print(reverse('admin:index'), reverse('admin:login')); "
        "print(settings.NEWSROOM_UNCACHED_PREFIXES[0]); "
        "print(resolve('/admin/').url_name)",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        NEWSROOM_ADMIN_PATH="desk-7f3a/",
    )
    assert result.returncode == 0, result.stderr
    urls, uncached, old = result.stdout.splitlines()
    assert urls == "/desk-7f3a/ /desk-7f3a/login/"
    # Admin pages are never cached wherever they live.
    assert uncached == "/desk-7f3a/"
    # The old address is now just a (missing) section.
    assert old == "section"


def test_each_request_starts_the_idle_time_again(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get(reverse("admin:index"))
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + timedelta(
        seconds=settings.SESSION_COOKIE_AGE - 60
    )


def test_an_idle_session_has_ended(client, editor):
    client.force_login(editor)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
