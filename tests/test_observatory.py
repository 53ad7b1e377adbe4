"""A story page earns A+ by the scoring of Mozilla's HTTP Observatory.

The score is computed from the responses as the Observatory's scanner computes it
(github.com/mdn/mdn-http-observatory, src/grader/charts.js and src/analyzer/tests/):
every site starts at 100, penalties are subtracted, and bonuses are added only if the
result is still 90 or more. A+ is 100 or more. The site runs with production's own
security settings (tests/security_support.py), reached first over plain HTTP, as the
scanner does, then over HTTPS.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.security_support import HOST, apply_production_settings

pytestmark = pytest.mark.django_db

# The Observatory's results and their score modifiers, test by test.
SCORE_TABLE = {
    "content-security-policy": {
        "csp-implemented-with-no-unsafe-default-src-none": 10,
        "csp-implemented-with-no-unsafe": 5,
        "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
        "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
        "csp-implemented-with-unsafe-eval": -10,
        "csp-implemented-with-unsafe-inline": -20,
        "csp-implemented-with-insecure-scheme": -20,
        "csp-header-invalid": -25,
        "csp-not-implemented": -25,
    },
    "cookies": {
        "cookies-secure-with-httponly-sessions-and-samesite": 5,
        "cookies-secure-with-httponly-sessions": 0,
        "cookies-not-found": 0,
        "cookies-without-secure-flag-but-protected-by-hsts": -5,
        "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
        "cookies-without-secure-flag": -20,
        "cookies-samesite-flag-invalid": -20,
        "cookies-anticsrf-without-samesite-flag": -20,
        "cookies-session-without-httponly-flag": -30,
        "cookies-session-without-secure-flag": -40,
    },
    "cross-origin-resource-sharing": {
        "cross-origin-resource-sharing-not-implemented": 0,
        "cross-origin-resource-sharing-implemented-with-public-access": 0,
        "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
        "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    },
    "redirection": {
        "redirection-to-https": 0,
        "redirection-not-needed-no-http": 0,
        "redirection-off-host-from-http": -5,
        "redirection-not-to-https-on-initial-redirection": -10,
        "redirection-not-to-https": -20,
        "redirection-missing": -20,
    },
    "referrer-policy": {
        "referrer-policy-private": 5,
        "referrer-policy-not-implemented": 0,
        "referrer-policy-unsafe": -5,
        "referrer-policy-header-invalid": -5,
    },
    "strict-transport-security": {
        "hsts-preloaded": 5,
        "hsts-implemented-max-age-at-least-six-months": 0,
        "hsts-implemented-max-age-less-than-six-months": -10,
        "hsts-not-implemented": -20,
        "hsts-header-invalid": -20,
    },
    "subresource-integrity": {
        "sri-implemented-and-all-scripts-loaded-securely": 5,
        "sri-implemented-and-external-scripts-loaded-securely": 5,
        "sri-not-implemented-response-not-html": 0,
        "sri-not-implemented-but-no-scripts-loaded": 0,
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
        "sri-not-implemented-but-external-scripts-loaded-securely": -5,
        "sri-implemented-but-external-scripts-not-loaded-securely": -20,
        "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    },
    "x-content-type-options": {
        "x-content-type-options-nosniff": 0,
        "x-content-type-options-not-implemented": -5,
        "x-content-type-options-header-invalid": -5,
    },
    "x-frame-options": {
        "x-frame-options-implemented-via-csp": 5,
        "x-frame-options-sameorigin-or-deny": 0,
        "x-frame-options-allow-from-origin": 0,
        "x-frame-options-not-implemented": -20,
        "x-frame-options-header-invalid": -20,
    },
    "cross-origin-resource-policy": {
        "corp-implemented-with-same-origin": 10,
        "corp-implemented-with-same-site": 10,
        "corp-implemented-with-cross-origin": 0,
        "corp-not-implemented": 0,
        "corp-header-invalid": -5,
    },
}
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
GRADES = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
          (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]  # fmt: skip
SIX_MONTHS = 15_552_000  # the scanner's own threshold
BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}


def parse_csp(header):
    policy = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.strip().lower().split()
            policy.setdefault(name, set(sources))
    return policy


def csp_result(response, *, https=True):
    header = response.get("Content-Security-Policy")
    if not header:
        return "csp-not-implemented"
    csp = parse_csp(header)
    default = csp.get("default-src", {"*"})
    script = csp.get("script-src", default)
    style = csp.get("style-src", default)
    objects = csp.get("object-src", default)
    passive = csp.get("img-src", default) | csp.get("media-src", default)
    active = {s for name, sources in csp.items() if name not in ("img-src", "media-src")
              for s in sources} | script  # fmt: skip
    if script & (BROAD | UNSAFE_INLINE) or objects & BROAD:
        return "csp-implemented-with-unsafe-inline"
    if https and any(s.startswith(("http:", "ftp:")) for s in active):
        return "csp-implemented-with-insecure-scheme"
    if "'unsafe-eval'" in script | style:
        return "csp-implemented-with-unsafe-eval"
    if https and any(s.startswith(("http:", "ftp:")) for s in passive):
        return "csp-implemented-with-insecure-scheme-in-passive-content-only"
    if style & (BROAD | UNSAFE_INLINE):
        return "csp-implemented-with-unsafe-inline-in-style-src-only"
    if csp.get("default-src") == {"'none'"}:
        return "csp-implemented-with-no-unsafe-default-src-none"
    return "csp-implemented-with-no-unsafe"


def hsts_result(response):
    header = response.get("Strict-Transport-Security")
    if not header:
        return "hsts-not-implemented"
    ages = re.findall(r"max-age=(\d+)", header.lower())
    if "," in header or not ages:
        return "hsts-header-invalid"
    # Preloading can only be checked against the browsers' list, which this site is not on.
    return (
        "hsts-implemented-max-age-at-least-six-months"
        if int(ages[0]) >= SIX_MONTHS
        else "hsts-implemented-max-age-less-than-six-months"
    )


WORSE_FIRST = [
    "cookies-session-without-secure-flag",
    "cookies-session-without-httponly-flag",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-samesite-flag-invalid",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-without-secure-flag-but-protected-by-hsts",
]


def cookies_result(responses, *, hsts):
    cookies = [cookie for response in responses for cookie in response.cookies.values()]
    if not cookies:
        return "cookies-not-found"
    found = set()
    for cookie in cookies:
        name = cookie.key.lower()
        session = "login" in name or "sess" in name
        samesite = cookie["samesite"].lower()
        if samesite and samesite not in ("lax", "strict", "none"):
            found.add("cookies-samesite-flag-invalid")
        if not cookie["secure"]:
            found.add(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag"
            )
            if samesite == "none":
                found.add("cookies-samesite-flag-invalid")
            if session:
                found.add(
                    "cookies-session-without-secure-flag-but-protected-by-hsts"
                    if hsts
                    else "cookies-session-without-secure-flag"
                )
        if "csrf" in name and not samesite:
            found.add("cookies-anticsrf-without-samesite-flag")
        if session and not cookie["httponly"]:
            found.add("cookies-session-without-httponly-flag")
    for result in WORSE_FIRST:
        if result in found:
            return result
    if all(cookie["samesite"] for cookie in cookies):
        return "cookies-secure-with-httponly-sessions-and-samesite"
    return "cookies-secure-with-httponly-sessions"


def cors_result(response):
    origin = response.get("Access-Control-Allow-Origin")
    if origin is None:
        return "cross-origin-resource-sharing-not-implemented"
    if origin.strip() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    # The scanner sends Origin: https://http-observatory.security.mozilla.org; an echo of
    # it with credentials is universal access.
    if response.get("Access-Control-Allow-Credentials", "").lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def redirection_result(route):
    """`route`: the URLs from the first plain-HTTP request to the final page."""
    if len(route) == 1:
        return "redirection-missing"
    first, second, last = (urlsplit(route[0]), urlsplit(route[1]), urlsplit(route[-1]))
    if last.scheme != "https":
        return "redirection-not-to-https"
    if second.scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if first.hostname != second.hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def referrer_result(response):
    header = response.get("Referrer-Policy")
    if header is None:
        return "referrer-policy-not-implemented"
    good = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    bad = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
    known = [p.strip().lower() for p in header.split(",") if p.strip().lower() in good | bad]
    if not known:
        return "referrer-policy-header-invalid"
    return "referrer-policy-private" if known[-1] in good else "referrer-policy-unsafe"


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs)


def sri_result(response, base_url):
    if not response.get("Content-Type", "").startswith("text/html"):
        return "sri-not-implemented-response-not-html"
    parser = Scripts()
    parser.feed(response.content.decode())
    if not parser.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    site = urlsplit(base_url)
    external = [s for s in parser.scripts if urlsplit(s["src"]).netloc not in ("", site.netloc)]
    insecure = [s for s in external if not s["src"].startswith("https://")]
    with_sri = all("integrity" in s for s in external)
    if insecure:
        return (
            "sri-implemented-but-external-scripts-not-loaded-securely"
            if with_sri
            else "sri-not-implemented-and-external-scripts-not-loaded-securely"
        )
    if not external:
        return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
    return (
        "sri-implemented-and-external-scripts-loaded-securely"
        if with_sri
        else "sri-not-implemented-but-external-scripts-loaded-securely"
    )


def xcto_result(response):
    header = response.get("X-Content-Type-Options")
    if header is None:
        return "x-content-type-options-not-implemented"
    if header.strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def xfo_result(response):
    if "frame-ancestors" in parse_csp(response.get("Content-Security-Policy", "")):
        return "x-frame-options-implemented-via-csp"
    header = response.get("X-Frame-Options")
    if header is None:
        return "x-frame-options-not-implemented"
    value = header.strip().lower()
    if value in ("deny", "sameorigin"):
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def corp_result(response):
    header = response.get("Cross-Origin-Resource-Policy")
    if header is None:
        return "corp-not-implemented"
    return {
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(header.strip().lower(), "corp-header-invalid")


def score(results):
    """The score and grade of {test: result}, in the scanner's two rounds."""
    modifiers = [SCORE_TABLE[test][result] for test, result in results.items()]
    total = 100 + sum(m for m in modifiers if m < 0)
    if total >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        total += sum(m for m in modifiers if m > 0)
    total = max(total, 0)
    grade = next(grade for floor, grade in GRADES if total >= floor)
    return total, grade


def scan(client, path):
    """The Observatory's results for the page at `path`, from plain HTTP to the end."""
    route = [f"http://{HOST}{path}"]
    response = client.get(path, headers={"Origin": "https://http-observatory.example"})
    while response.status_code in (301, 302, 307, 308) and len(route) < 10:
        route.append(response["Location"])
        target = urlsplit(response["Location"])
        assert target.hostname == HOST, route
        response = client.get(
            target.path + (f"?{target.query}" if target.query else ""),
            secure=target.scheme == "https",
            headers={"Origin": "https://http-observatory.example"},
        )
    assert response.status_code == 200, (route, response.status_code)
    hsts = hsts_result(response)
    return {
        "content-security-policy": csp_result(response),
        "cookies": cookies_result(
            [response], hsts=hsts.startswith("hsts-implemented-max-age-at-least")
        ),
        "cross-origin-resource-sharing": cors_result(response),
        "redirection": redirection_result(route),
        "referrer-policy": referrer_result(response),
        "strict-transport-security": hsts,
        "subresource-integrity": sri_result(response, f"https://{HOST}/"),
        "x-content-type-options": xcto_result(response),
        "x-frame-options": xfo_result(response),
        "cross-origin-resource-policy": corp_result(response),
    }


@pytest.fixture
def production(settings):
    apply_production_settings(settings)
    return Client(HTTP_HOST=HOST)


def test_a_story_page_scores_a_plus(production, make_story):
    story = make_story("Harbour ferries go electric", published=True)
    results = scan(production, story.get_absolute_url())
    total, grade = score(results)
    assert grade == "A+", (total, results)
    assert total >= 100
    # Nothing costs a point; what is not a bonus is neutral.
    assert all(SCORE_TABLE[test][result] >= 0 for test, result in results.items()), results


def test_the_admin_sign_in_cookies_earn_the_cookie_bonus(production, django_user_model):
    django_user_model.objects.create_user("editor", password="a long passphrase", is_staff=True)
    login = reverse("admin:login")
    form = production.get(login, secure=True)
    signed_in = production.post(
        login,
        {"username": "editor", "password": "a long passphrase", "next": "/"},
        secure=True,
        headers={"Referer": f"https://{HOST}{login}"},
    )
    assert signed_in.status_code == 302
    assert {c.key for r in (form, signed_in) for c in r.cookies.values()} >= {
        "csrftoken",
        "sessionid",
    }
    assert (
        cookies_result([form, signed_in], hsts=True)
        == "cookies-secure-with-httponly-sessions-and-samesite"
    )


def test_the_scoring_itself_penalises_what_it_should(production, make_story):
    # A bare page without any of the headers: the scanner's own worked example gives D+/F.
    bare = {
        "content-security-policy": "csp-not-implemented",
        "cookies": "cookies-not-found",
        "cross-origin-resource-sharing": "cross-origin-resource-sharing-not-implemented",
        "redirection": "redirection-missing",
        "referrer-policy": "referrer-policy-not-implemented",
        "strict-transport-security": "hsts-not-implemented",
        "subresource-integrity": "sri-not-implemented-but-no-scripts-loaded",
        "x-content-type-options": "x-content-type-options-not-implemented",
        "x-frame-options": "x-frame-options-not-implemented",
        "cross-origin-resource-policy": "corp-not-implemented",
    }
    assert score(bare) == (10, "F")
    # Bonuses count only from 90 up: a site at 85 with every bonus stays at 85.
    almost = {**bare, "redirection": "redirection-to-https", "referrer-policy":
              "referrer-policy-private", "strict-transport-security": "hsts-not-implemented",
              "content-security-policy": "csp-implemented-with-no-unsafe",
              "x-frame-options": "x-frame-options-implemented-via-csp",
              "x-content-type-options": "x-content-type-options-nosniff",
              "cookies": "cookies-without-secure-flag-but-protected-by-hsts"}  # fmt: skip
    assert score(almost) == (75, "B")
    # A policy allowing inline scripts is caught.
    story = make_story("Harbour ferries go electric", published=True)
    response = production.get(story.get_absolute_url(), secure=True)
    response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    assert csp_result(response) == "csp-implemented-with-unsafe-inline"
