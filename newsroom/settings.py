"""Settings for Newsroom, read from environment variables (see README)."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import env_bool, env_int, env_list, env_rate, env_str, env_time_zone

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)"
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "csp",
    "axes",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "reversion",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "stories",
    # Benchmark and load tooling (`make bench`, `make loadtest`); no models, no URLs.
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache: pages are kept once, uncompressed, and compressed for
    # each reader who accepts gzip (only anonymous readers' pages: BREACH).
    "newsroom.compression.ReaderGZipMiddleware",
    # Above the policy headers' middleware: a cached page is stored with its headers,
    # so a cache hit is answered without building them again (and answers conditional
    # requests itself).
    "stories.page_cache.ReaderPageCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "newsroom.security.ContentSecurityPolicyMiddleware",
    "newsroom.security.CrossOriginResourcePolicyMiddleware",
    "newsroom.replica.ReaderReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
# Where the admin lives, e.g. "desk-7f3a/": one or more path segments, each ending in "/".
NEWSROOM_ADMIN_PATH = env_str("NEWSROOM_ADMIN_PATH", "admin/")
if not re.fullmatch(r"([A-Za-z0-9_~.-]+/)+", NEWSROOM_ADMIN_PATH) or ".." in NEWSROOM_ADMIN_PATH:
    raise ImproperlyConfigured(
        f"NEWSROOM_ADMIN_PATH={NEWSROOM_ADMIN_PATH!r} must be path segments (letters, digits, "
        "'-', '_', '.', '~') each followed by '/', with no leading '/', e.g. 'desk-7f3a/'"
    )
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stories.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Connections are kept and reused: opening one costs more than a reader page's
        # queries. Each is checked before a request uses it, so a database restart
        # costs one reconnect, not an error page.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if env_str("DATABASE_TEST_NAME"):
    # Lets two test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The test database is a file, not Django's in-memory default: the live server the
    # browser tests drive answers several requests at once (the admin polls presence and
    # autosaves while a page loads), and an in-memory database would have them all share
    # the test's one connection, racing on its transactions. With a file, each thread
    # has its own connection, as in production.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / "test.sqlite3")})
    # WAL lets readers go on while an editor saves; IMMEDIATE transactions take the
    # write lock up front, so concurrent saves queue (up to the timeout) instead of
    # failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # Tests run against one database; the replica is the same one there.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsroom.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's list of 20,000 common passwords, and the site's own name ("newsroom2026"):
    # the first guesses of anyone trying one password against many accounts.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "newsroom.security.SiteNameValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_time_zone("DJANGO_TIME_ZONE", "UTC")
# An English-language site: Django's translation machinery off. It would look up the
# active language for every number and date a page prints, a tenth of a listing's
# rendering time. Formats still come from FORMAT_MODULE_PATH.
USE_I18N = False
USE_TZ = True
# Times shown without an explicit format name their zone (newsroom/formats/).
FORMAT_MODULE_PATH = ["newsroom.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Fingerprinted, compressed files with far-future caching in production;
        # plain files while developing, so no collectstatic is needed to run.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if env_str("AWS_STORAGE_BUCKET_NAME"):
    # Media in S3-compatible object storage (django-storages); credentials come from
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as boto3 reads them.
    STORAGES["default"] = {
        "BACKEND": "newsroom.s3.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "region_name": env_str("AWS_S3_REGION_NAME"),
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN"),
            "file_overwrite": False,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        },
    }

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://"
    )
# Without Redis, a cache on local disk that every process of the machine shares
# (diskcache: SQLite-indexed, files for large values, least recently stored evicted
# past its size). Reads never wait on writers (SQLite's WAL); a writer waits up to
# DATABASE_TIMEOUT for another, then retries.
NEWSROOM_CACHE_DIR = env_str("NEWSROOM_CACHE_DIR") or str(VAR_DIR / "cache")
NEWSROOM_CACHE_MB = env_int("NEWSROOM_CACHE_MB", 2048, minimum=16)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "newsroom.caches.SharedDiskCache",
        "LOCATION": NEWSROOM_CACHE_DIR,
        "SHARDS": 8,
        "DATABASE_TIMEOUT": 0.25,
        "OPTIONS": {"size_limit": NEWSROOM_CACHE_MB * 2**20},
    }
}
CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX", "newsroom")

# Reader pages cached in CACHES["default"] (see stories/page_cache.py); off while developing
# so template edits show at once.
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", not DEBUG)
NEWSROOM_PAGE_CACHE_SECONDS = env_int("NEWSROOM_PAGE_CACHE_SECONDS", 300, minimum=1)
# Costly parts of pages (a story's related stories) kept between the pages made from them.
NEWSROOM_FRAGMENT_CACHE = env_bool("NEWSROOM_FRAGMENT_CACHE", NEWSROOM_PAGE_CACHE)
NEWSROOM_UNCACHED_PREFIXES = (f"/{NEWSROOM_ADMIN_PATH}", "/preview/", "/healthz")
NEWSROOM_PURGE_URL = env_str("NEWSROOM_PURGE_URL")
NEWSROOM_PURGE_BACKEND = (
    "stories.page_cache.HttpPurge" if NEWSROOM_PURGE_URL else "stories.page_cache.NoPurge"
)

NEWSROOM_SITE_NAME = env_str("NEWSROOM_SITE_NAME", "Newsroom")

# The read API (/api/): how many requests one address may make without an API token.
NEWSROOM_API_ANON_RATE = env_rate("NEWSROOM_API_ANON_RATE", "120/min")

# Feeds read by `manage.py ingest_sources`: seconds the whole fetch of one feed may take
# (a deadline, not a time per read), the largest feed, and whether
# private, loopback and link-local addresses may be fetched (only for tests or an intranet).
NEWSROOM_INGEST_TIMEOUT = env_int("NEWSROOM_INGEST_TIMEOUT", 10, minimum=1)
NEWSROOM_INGEST_MAX_BYTES = env_int("NEWSROOM_INGEST_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
NEWSROOM_INGEST_ALLOW_PRIVATE = env_bool("NEWSROOM_INGEST_ALLOW_PRIVATE", False)

# Background tasks (django-tasks): notification mail, CDN purges and the scheduled feed
# ingest run in a worker process (`manage.py run_worker`, which `make run` and `make
# serve` start), never in an editor's request. The database backend needs nothing more
# running; another django-tasks backend can be named instead.
TASKS = {
    "default": {
        "BACKEND": env_str("NEWSROOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Feeds the worker reads into the sources inbox every NEWSROOM_INGEST_EVERY_MINUTES.
NEWSROOM_INGEST_FEEDS = env_list("NEWSROOM_INGEST_FEEDS", [])
NEWSROOM_INGEST_EVERY_MINUTES = env_int("NEWSROOM_INGEST_EVERY_MINUTES", 30, minimum=1)

# Uploaded images: the largest file, and the most pixels counting every frame of an animation.
NEWSROOM_IMAGE_MAX_BYTES = env_int("NEWSROOM_IMAGE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
NEWSROOM_IMAGE_MAX_PIXELS = env_int("NEWSROOM_IMAGE_MAX_PIXELS", 50_000_000, minimum=1)

# Editorial workflow. Notification emails go to the console unless a backend is set;
# their links start with NEWSROOM_SITE_URL (e.g. https://news.example.org).
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")
# In debug, `make run` passes the address it serves at; runserver's own is the default.
_SITE_URL_DEFAULT = "http://127.0.0.1:8000" if DEBUG else ""
NEWSROOM_SITE_URL = env_str("NEWSROOM_SITE_URL", _SITE_URL_DEFAULT).rstrip("/")
if NEWSROOM_SITE_URL:
    _site = urlsplit(NEWSROOM_SITE_URL)
    if _site.scheme not in ("http", "https") or not _site.hostname:
        raise ImproperlyConfigured(
            f"NEWSROOM_SITE_URL {NEWSROOM_SITE_URL!r} must be an absolute address, "
            "e.g. https://news.example.org"
        )
# How long a preview share link works, and how long opening a story counts as being in it.
NEWSROOM_SHARE_LINK_HOURS = env_int("NEWSROOM_SHARE_LINK_HOURS", 48, minimum=1)
NEWSROOM_PRESENCE_MINUTES = env_int("NEWSROOM_PRESENCE_MINUTES", 15, minimum=1)

# ---- Security ----------------------------------------------------------------
# HTTPS in production: every request over plain HTTP is redirected (except /healthz, for
# load balancers) and HSTS tells browsers to use nothing else, preload-ready
# (hstspreload.org). A server run over plain HTTP on this machine (load tests,
# benchmarks) sets DJANGO_SECURE_SSL_REDIRECT=0.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 63072000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# Behind a reverse proxy that ends TLS, the header it sets to "https" on secure requests,
# e.g. X-Forwarded-Proto. Only name one the proxy always sets (overwriting the client's).
_proxy_ssl_header = env_str("DJANGO_SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
        raise ImproperlyConfigured(
            f"DJANGO_SECURE_PROXY_SSL_HEADER={_proxy_ssl_header!r} is not a header name "
            "(letters, digits and '-', e.g. X-Forwarded-Proto)"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# How many reverse proxies append to X-Forwarded-For before a request reaches the site:
# the client address for login throttling is that many entries from the end.
NEWSROOM_TRUSTED_PROXIES = env_int("NEWSROOM_TRUSTED_PROXIES", 0, minimum=0)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies: HTTPS only in production, never readable by scripts (the admin's forms carry
# the CSRF token themselves), not sent along with other sites' requests.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Sessions end after this many idle seconds: each request starts the time again.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True

# Content-Security-Policy (django-csp) on every response: scripts, styles and everything
# else from this site only, no inline code, no plugins, no framing, forms post here.
# Uploaded images may come from object storage or its CDN: NEWSROOM_MEDIA_ORIGIN, else
# the S3 custom domain or endpoint.
NEWSROOM_MEDIA_ORIGIN = env_str("NEWSROOM_MEDIA_ORIGIN") or (
    f"https://{env_str('AWS_S3_CUSTOM_DOMAIN')}"
    if env_str("AWS_S3_CUSTOM_DOMAIN")
    else env_str("AWS_S3_ENDPOINT_URL", "")
)
if NEWSROOM_MEDIA_ORIGIN:
    _media = urlsplit(NEWSROOM_MEDIA_ORIGIN)
    if _media.scheme != "https" or not _media.hostname or _media.path.strip("/"):
        raise ImproperlyConfigured(
            f"The media origin {NEWSROOM_MEDIA_ORIGIN!r} (NEWSROOM_MEDIA_ORIGIN, or the S3 "
            "custom domain or endpoint) must be https://host[:port], with no path"
        )
    NEWSROOM_MEDIA_ORIGIN = f"https://{_media.netloc}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([NEWSROOM_MEDIA_ORIGIN] if NEWSROOM_MEDIA_ORIGIN else [])],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Sign-in throttling (django-axes): after NEWSROOM_LOGIN_FAILURE_LIMIT wrong passwords
# from one address (whatever the accounts: password spraying), or for one account (from
# whatever addresses), that address or account is locked out for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "newsroom.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("NEWSROOM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NEWSROOM_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# axes would forget every failure from the address and for the account on a sign-in, so
# one account of their own would let a sprayer start again; a sign-in forgets only its
# own account's failures from its own address (newsroom.security.forget_own_failures).
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
AXES_LOCKOUT_CALLABLE = "newsroom.security.locked_out"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
