"""Canonical URLs, so that one article cited under several spellings is one Source."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError

# Parameters that say how a reader arrived, not which article it is.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "_ga", "_gl", "spm",
        "cmpid", "ocid", "smid", "sr_share",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_parameter(name):
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url):
    """The canonical form of an http(s) URL; anything else raises ValidationError."""
    text = url.strip()
    if not text:
        raise ValidationError("The URL is empty.", code="empty")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise ValidationError(f"{text!r} contains spaces or control characters.", code="spaces")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not a valid URL ({exc}).", code="invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"'{scheme}:'" if scheme else "a relative URL"
        raise ValidationError(
            f"{text!r} is {shown}; only absolute http:// or https:// URLs are accepted.",
            code="scheme",
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError(f"{text!r} has no host name.", code="host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(f"{text!r} contains a user name or password.", code="userinfo")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def domain_of(url):
    """The host of an http(s) URL without "www.": the domain its publisher is known by."""
    host = urlsplit(canonical_url(url)).hostname or ""
    return host.removeprefix("www.")


def domain_suffixes(url):
    """The domains `url` is on, most specific first: news.example.org, example.org.

    A publisher known by example.org also publishes what is on its subdomains; a
    top-level domain alone (org) is no publisher's.
    """
    host = domain_of(url)
    labels = host.split(".")
    if ":" in host or len(labels) < 2 or labels[-1].isdigit():
        return [host]  # an IP address, or a single-label host name
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def normalise_domain(text):
    """A domain as a publisher gives it ("Example.com", "https://www.example.com/"),
    in the form sources are matched by (example.com); ValidationError if it is none."""
    text = text.strip()
    if not text:
        return ""
    url = text if "//" in text else f"https://{text}"
    try:
        domain = domain_of(url)
    except ValidationError:
        domain = ""
    if not domain or ("." not in domain and ":" not in domain):
        raise ValidationError(
            f"{text!r} is not a domain; give the site's host name, such as example.com.",
            code="domain",
        )
    return domain
