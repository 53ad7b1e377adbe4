"""A source's URL is stored in one canonical form; anything but http(s) is refused."""

import pytest
from django.core.exceptions import ValidationError

from stories.canonical import canonical_url


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=4", "https://example.com/a?id=4"),
        ("https://example.com/a?fbclid=1&gclid=2&ref=rss", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://[2001:DB8::1]/a", "https://[2001:db8::1]/a"),
        ("https://example.com/a?q=", "https://example.com/a?q="),
    ],
)
def test_canonical_form(given, canonical):
    assert canonical_url(given) == canonical


def test_spellings_of_one_article_share_a_canonical_url():
    spellings = [
        "https://news.example.org/a?lang=en&ref=rss",
        "HTTPS://NEWS.example.org:443/a?utm_campaign=x&lang=en#top",
        "https://news.example.org/a?lang=en",
    ]
    assert len({canonical_url(url) for url in spellings}) == 1


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("javascript:alert(1)", "'javascript:'"),
        ("data:text/html,<script>alert(1)</script>", "'data:'"),
        ("/relative/path", "a relative URL"),
        ("example.com/a", "a relative URL"),
        ("ftp://example.com/file", "'ftp:'"),
        ("https://", "no host name"),
        ("https://user:secret@example.com/", "user name or password"),
        ("https://example.com/a b", "spaces or control characters"),
        ("https://example.com:99999/", "not a valid URL"),
        ("", "empty"),
    ],
)
def test_refusals_say_why(given, reason):
    with pytest.raises(ValidationError) as refused:
        canonical_url(given)
    assert reason in refused.value.messages[0]


@pytest.mark.parametrize(
    "parameter",
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "UTM_Source",
     "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src",
     "_ga", "_gl"],
)  # fmt: skip
def test_each_tracking_parameter_is_dropped(parameter):
    given = f"https://example.com/a?id=7&{parameter}=abc"
    assert canonical_url(given) == "https://example.com/a?id=7"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1&a=0", "https://example.com/a?a=0&a=1&b=2"),
        ("https://[2001:db8::1]:443/a", "https://[2001:db8::1]/a"),
        ("HTTP://EXAMPLE.COM:80", "http://example.com/"),
        ("https://example.com/Caf%C3%A9?q=%C3%A9", "https://example.com/Caf%C3%A9?q=%C3%A9"),
        ("https://example.com/a;params?x=1#frag", "https://example.com/a;params?x=1"),
    ],
)
def test_more_canonical_forms(given, canonical):
    assert canonical_url(given) == canonical


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("mailto:desk@example.com", "'mailto:'"),
        ("file:///etc/passwd", "'file:'"),
        ("//example.com/a", "a relative URL"),
        ("http:example.com", "no host name"),
        ("https://example.com/a\tb", "spaces or control characters"),
        ("   ", "empty"),
    ],
)
def test_more_refusals_say_why(given, reason):
    with pytest.raises(ValidationError) as refused:
        canonical_url(given)
    assert reason in refused.value.messages[0]
