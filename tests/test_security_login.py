"""Signing in: throttled against guessing, at a configurable address, ending when idle."""

import io
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
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


def test_other_accounts_from_other_addresses_are_not_locked_out(client, editor, django_user_model):
    django_user_model.objects.create_user("reporter", password=PASSWORD, is_staff=True)
    fail_until_locked(client)
    other = Client()
    assert sign_in(other, "reporter", PASSWORD, address="198.51.100.20").status_code == 302
    assert signed_in(other)


def test_one_password_tried_on_many_accounts_from_one_address_is_stopped(
    client, editor, django_user_model
):
    """Password spraying: each account is tried once, the address is what repeats."""
    names = [f"user{n}" for n in range(12)]
    answers = [sign_in(client, name, "newsroom2026").status_code for name in names]

    limit = settings.AXES_FAILURE_LIMIT
    assert answers == [200] * (limit - 1) + [429] * (len(names) - limit + 1)
    # Not even a right password gets in from that address while the pause lasts...
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    # ...while the account itself is free from elsewhere.
    assert sign_in(Client(), "editor", PASSWORD, address="198.51.100.20").status_code == 302


def test_one_account_tried_from_many_addresses_is_stopped(client, editor):
    answers = [
        sign_in(Client(), "editor", "a wrong guess", address=f"203.0.113.{n}").status_code
        for n in range(1, 13)
    ]

    limit = settings.AXES_FAILURE_LIMIT
    assert answers == [200] * (limit - 1) + [429] * (12 - limit + 1)
    assert sign_in(client, "editor", PASSWORD, address="198.51.100.20").status_code == 429


def test_signing_in_to_an_account_of_their_own_does_not_let_a_sprayer_start_again(
    client, editor, django_user_model
):
    django_user_model.objects.create_user("mallory", password=PASSWORD, is_staff=True)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, f"user{n}", "newsroom2026").status_code == 200

    assert sign_in(client, "mallory", PASSWORD).status_code == 302
    client.logout()

    assert sign_in(client, "user-next", "newsroom2026").status_code == 429


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


@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("n3wsr00m!", "too short. It must contain at least 12 characters"),
        ("newsroom2026", "contains “newsroom”, from the site's name"),
        ("NewsRoom-desk-2026", "contains “newsroom”, from the site's name"),
        ("password1234", "too common"),
        ("123456789012", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_saying_why(editor, password, refusal):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=editor)
    assert refusal in " ".join(refused.value.messages)


def test_a_long_uncommon_password_is_accepted(editor):
    validate_password("harbour lamps at seven", user=editor)


def test_the_site_name_in_passwords_follows_the_setting(editor, settings):
    settings.NEWSROOM_SITE_NAME = "The Harbour Gazette"
    validate_password("newsroom desk at seven", user=editor)
    with pytest.raises(ValidationError, match="gazette"):
        validate_password("gazette desk at seven", user=editor)


def test_the_demo_administrators_password_passes_the_validators(django_user_model):
    out = io.StringIO()
    call_command("ensure_demo_admin", stdout=out)
    password = re.search(r"Password: (\S+)", out.getvalue()).group(1)
    admin = django_user_model.objects.get(username="admin")
    assert admin.check_password(password)
    validate_password(password, user=admin)


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
