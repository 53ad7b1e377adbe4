"""Security headers and login throttling, as settings.py wires them.

The policies themselves are settings (CONTENT_SECURITY_POLICY, SECURE_*, AXES_*);
this module holds only what Django, django-csp and django-axes do not do alone.
"""

import re

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The site's policy on every response; the admin's pages may also use inline styles.

    Django's admin and its customised templates style a few elements inline. Styles
    cannot run code, and scripts stay as strict there as everywhere else.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(admin_prefix()):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


class CrossOriginResourcePolicyMiddleware:
    """Cross-Origin-Resource-Policy: other sites may not embed our responses...

    ...except uploaded media, which feed readers and link previews on other sites show.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cross-Origin-Resource-Policy" not in response:
            shared = settings.MEDIA_URL.startswith("/") and request.path.startswith(
                settings.MEDIA_URL
            )
            response["Cross-Origin-Resource-Policy"] = "cross-origin" if shared else "same-origin"
        return response


def admin_prefix():
    return f"/{settings.NEWSROOM_ADMIN_PATH}"


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lock-out check on every sign-in made over HTTP.

    authenticate() called without a request (the test client's login(), management
    commands) is code on this machine, not a sign-in from outside, so it is not counted.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def forget_own_failures(sender, request, user, **kwargs):
    """A sign-in forgets the failures for its account from its address, and no others."""
    address = getattr(request, "axes_ip_address", None)
    if address is not None:
        AccessAttempt.objects.filter(username=user.get_username(), ip_address=address).delete()


def connect_signals():
    user_logged_in.connect(forget_own_failures, dispatch_uid="newsroom.security")


class SiteNameValidator:
    """Refuses a password containing a word of the site's name, such as "newsroom2026"."""

    def words(self):
        return set(re.findall(r"[^\W\d_]{4,}", settings.NEWSROOM_SITE_NAME.casefold()))

    def validate(self, password, user=None):
        folded = password.casefold()
        found = sorted(word for word in self.words() if word in folded)
        if found:
            raise ValidationError(
                "This password contains “%(word)s”, from the site's name: it is among the "
                "first guesses of anyone trying to break in.",
                code="password_contains_site_name",
                params={"word": found[0]},
            )

    def get_help_text(self):
        return f"Your password can’t contain the site’s name, “{settings.NEWSROOM_SITE_NAME}”."


def client_ip(request):
    """The address a sign-in comes from, for counting failures.

    Behind NEWSROOM_TRUSTED_PROXIES reverse proxies, each appends the address it was
    reached from to X-Forwarded-For, so the client is that many entries from the end;
    anything before those was written by the client and could be anything.
    """
    proxies = settings.NEWSROOM_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request, response=None, credentials=None):
    """The page a locked-out sign-in gets (429): what happened and when to try again."""
    cool_off = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "admin/locked_out.html",
        {
            **admin.site.each_context(request),
            "title": "Too many failed sign-ins",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cool_off_minutes": int(cool_off.total_seconds() // 60),
            "try_again_at": timezone.localtime() + cool_off,
        },
        status=429,
    )
