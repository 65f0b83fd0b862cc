"""Settings for drugref, one module for every environment.

Everything that differs between a laptop and production comes from the
environment (see .env.example). The defaults are safe for production:
DEBUG is off and a secret key must be given; local development opts in.
"""

import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [],
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. List the host names this site "
        "answers to, separated by commas (for example drugref.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "ninja",  # the content API's documentation pages and their static files
    "monographs",
]

MIDDLEWARE = [
    # Outermost, so that every response and log line carries the request's id.
    "drugref.logs.RequestIdMiddleware",
    # The security headers go on every response Django makes, refusals below included
    # (a NUL in the address, a bad Host, the redirect to HTTPS, a page from the cache).
    "drugref.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Text no field can hold (NUL characters) is a 400 before anything reads it.
    "drugref.request_checks.RejectNulMiddleware",
    # A cached page is served without sessions or authentication.
    "monographs.caching.pages.PageCacheMiddleware",
    # Likewise a partner's kept answer from the content API, once its key is checked.
    "monographs.api.responses.KeptAnswerMiddleware",
    # Below the page cache (a cached page reads no database): an anonymous reader's page from a replica.
    "drugref.replicas.ReplicaMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "drugref.urls"

TEMPLATES = [
    # The admin's pages, and the contrib apps' (sitemaps).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The public site's pages and the error pages (templates/jinja2/): see monographs/templating.py.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "site",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "OPTIONS": {"environment": "monographs.templating.environment"},
    },
]

WSGI_APPLICATION = "drugref.wsgi.application"


def _url_setting(name, parse, default, example):
    """Parse the URL in environment variable `name`, or refuse to start naming the variable (never its password)."""
    value = env.str(name, default=default)
    scheme = value.split("://")[0] if "://" in value else "no scheme"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns, then returns {}, for an unknown scheme
            config = parse(value)
    except (ImproperlyConfigured, ValueError):
        config = {}
    if not (config.get("ENGINE") or config.get("BACKEND")):
        raise ImproperlyConfigured(f"{name} is not a URL drugref can use ({scheme}): set it like {example}")
    return config


DATABASES = {
    "default": _url_setting(
        "DATABASE_URL",
        env.db_url_config,
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        "postgres://user:password@host:5432/drugref or sqlite:////path/to/db.sqlite3",
    ),
}
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:/// URL: drugref runs on those two.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Bind parameters on the server, so psycopg prepares a query the fifth time a connection runs it:
    # PostgreSQL then plans a page's queries once per connection, not on every request.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", 5)
    # No JIT compilation: PostgreSQL compiles any plan it estimates costly, and at a million answers its
    # estimates for a search are: 80 ms compiling a query that then runs in 2 ms.
    options.setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins and wait up to 20 s for it, so concurrent
    # saves queue instead of failing with "database is locked"; WAL lets readers go on meanwhile.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", 20)
    options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")

# Read replicas (PostgreSQL streaming replicas) for anonymous public reads: see drugref/replicas.py.
_replica_urls = [url.strip() for url in env.list("DATABASE_REPLICA_URLS", default=[]) if url.strip()]
for _number, _url in enumerate(_replica_urls, 1):
    if not _url.startswith(("postgres://", "postgresql://")) or DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS: each replica is a postgres:// URL of a streaming replica of DATABASE_URL's "
            "PostgreSQL database."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _replica = env.db_url_config(_url)
    # Like the primary, and a replica that does not answer costs a request a second, not a worker's timeout.
    _replica.update({key: DATABASES["default"][key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")})
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 1}
    _replica["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_ROUTERS = ["drugref.replicas.Router"]
# A replica further behind the primary than this (seconds) is not asked at all.
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)

CACHES = {
    "default": _url_setting(
        "CACHE_URL", env.cache_url_config, "locmemcache://", "redis://host:6379/0 or locmemcache://"
    )
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "drugref.redis_cache.Cache"
    # A cache that stops answering must cost a request milliseconds, not the worker's timeout.
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=0.5, socket_timeout=0.5)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed file names, so CSS can be cached for a year by browsers and CDNs.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Behind a TLS-terminating load balancer that sets X-Forwarded-Proto,
# production sets DJANGO_BEHIND_TLS_PROXY and DJANGO_SECURE_SSL_REDIRECT.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Load balancers probe the health checks over plain HTTP: they answer there, never with a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: browsers use only HTTPS for this long. On by default once the site redirects to HTTPS
# (a year, subdomains included, preload-ready); DJANGO_HSTS_SECONDS=0 turns it off.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent on every response, public pages and admin alike (drugref/headers.py). Enforced unless
# DJANGO_CSP_REPORT_ONLY is set (to try a stricter policy first); DJANGO_CSP_REPORT_URI collects violations.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        *([f"report-uri {env.str('DJANGO_CSP_REPORT_URI')}"] if env.str("DJANGO_CSP_REPORT_URI", default="") else []),
    ]
)
CONTENT_SECURITY_POLICY_REPORT_ONLY = env.bool("DJANGO_CSP_REPORT_ONLY", default=False)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# Login throttling (drugref/login_throttle.py): failures per account, then per address, lock sign-in for a while.
DRUGREF_LOGIN_ACCOUNT_LIMIT = env.int("DRUGREF_LOGIN_ACCOUNT_LIMIT", default=5)
DRUGREF_LOGIN_ADDRESS_LIMIT = env.int("DRUGREF_LOGIN_ADDRESS_LIMIT", default=30)
DRUGREF_LOGIN_LOCK_SECONDS = env.int("DRUGREF_LOGIN_LOCK_SECONDS", default=15 * 60)
# How many proxies (load balancer, CDN) add themselves to X-Forwarded-For in front of the app servers;
# 0 means readers connect directly and REMOTE_ADDR is their address.
DRUGREF_TRUSTED_PROXIES = env.int("DRUGREF_TRUSTED_PROXIES", default=0)

# Sessions live in the database, so logins survive a cache outage and are shared by every app server.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# One JSON object per line on stdout, with the request id (drugref/logs.py); DJANGO_LOG_FORMAT=text for people.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "drugref.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"refusals_in_one_line": {"()": "drugref.logs.RefusalsInOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": env.str("DJANGO_LOG_FORMAT", default="json"),
            "filters": ["refusals_in_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

# Page caching (README, "Performance"). Anonymous readers' pages are kept in the
# cache above and thrown away by tag when what they show changes.
# A cache in one process's memory cannot be purged by the others (other workers, management commands,
# the process that signed an answer off): pages are kept only in a cache they all share, unless
# DRUGREF_PAGE_CACHE says otherwise (one process serving alone; `manage.py check` warns).
PROCESS_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
DRUGREF_PAGE_CACHE = env.bool("DRUGREF_PAGE_CACHE", default=CACHES["default"]["BACKEND"] not in PROCESS_LOCAL_CACHES)
DRUGREF_PAGE_CACHE_ALIAS = "default"
DRUGREF_PAGE_CACHE_SECONDS = env.int("DRUGREF_PAGE_CACHE_SECONDS", default=24 * 3600)
# A front cache (Varnish) to purge by tag ("xkey") or by address ("url"); off when empty.
DRUGREF_FRONT_CACHE_PURGE = env.str("DRUGREF_FRONT_CACHE_PURGE", default="")
DRUGREF_FRONT_CACHE_URLS = env.list("DRUGREF_FRONT_CACHE_URLS", default=[])
if DRUGREF_FRONT_CACHE_PURGE not in ("", "xkey", "url"):
    raise ImproperlyConfigured("DRUGREF_FRONT_CACHE_PURGE must be xkey, url or empty (off).")
if DRUGREF_FRONT_CACHE_PURGE and not DRUGREF_FRONT_CACHE_URLS:
    raise ImproperlyConfigured("DRUGREF_FRONT_CACHE_PURGE is set: list the front caches in DRUGREF_FRONT_CACHE_URLS.")
# Browsers cannot be purged: they keep a page briefly. Shared caches keep it long only
# when every change purges them by tag; otherwise as briefly as browsers do.
DRUGREF_BROWSER_CACHE_SECONDS = env.int("DRUGREF_BROWSER_CACHE_SECONDS", default=60)
DRUGREF_SHARED_CACHE_SECONDS = env.int(
    "DRUGREF_SHARED_CACHE_SECONDS",
    default=24 * 3600 if DRUGREF_FRONT_CACHE_PURGE == "xkey" else DRUGREF_BROWSER_CACHE_SECONDS,
)
# While the app servers are down, a front cache may serve what it has for this long.
DRUGREF_STALE_IF_ERROR_SECONDS = env.int("DRUGREF_STALE_IF_ERROR_SECONDS", default=24 * 3600)

# Answers are due for medical review this many days after the last sign-off;
# an answer may set a shorter interval. "Due soon" starts this many days before.
DRUGREF_REVIEW_INTERVAL_DAYS = env.int("DRUGREF_REVIEW_INTERVAL_DAYS", default=365)
DRUGREF_REVIEW_DUE_SOON_DAYS = env.int("DRUGREF_REVIEW_DUE_SOON_DAYS", default=30)
# Two people per answer: a medical reviewer may not sign off text they wrote, unless a one-person team says so.
DRUGREF_SAME_PERSON_SIGN_OFF = env.bool("DRUGREF_SAME_PERSON_SIGN_OFF", default=False)
# Readers must be able to check an answer: a reviewer may not sign off one that cites no source.
DRUGREF_SIGN_OFF_NEEDS_SOURCE = env.bool("DRUGREF_SIGN_OFF_NEEDS_SOURCE", default=True)
# Name the writer of the signed-off revision in each answer's byline ("Written by …; medically reviewed by …").
DRUGREF_NAME_WRITERS = env.bool("DRUGREF_NAME_WRITERS", default=False)
# The reading level writers aim at (a US school grade; health-literacy guidance says 6 to 8): advice on the
# edit and sign-off pages (monographs/readability.py), never a block.
DRUGREF_READING_GRADE = env.int("DRUGREF_READING_GRADE", default=8)
# The content API for partners (monographs/api/): requests a minute per key, counted in this shared cache.
DRUGREF_API_REQUESTS_PER_MINUTE = env.int("DRUGREF_API_REQUESTS_PER_MINUTE", default=100)
DRUGREF_API_RATE_CACHE_ALIAS = "default"
# The line the licence asks partners to show with the content; in every API response.
DRUGREF_API_ATTRIBUTION = env.str(
    "DRUGREF_API_ATTRIBUTION",
    default="Medical answers from drugref, written and medically reviewed by pharmacists. Show this line with the "
    "content, link each answer to its url, and refresh your copies from the changes feed at least once a day.",
)
# Readers' problem reports (monographs/reports.py): how many one address may send in an hour.
DRUGREF_REPORTS_PER_HOUR = env.int("DRUGREF_REPORTS_PER_HOUR", default=5)

# E-mail (monographs/notifications.py): reviewers hear of submitted answers, editors of sign-offs and change
# requests. EMAIL_URL is e.g. smtp+tls://user:password@smtp.example.org:587; by default mail goes to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="drugref <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait on the mail server. Mail is sent off the request path (notifications.py), so
# nobody waits on it; a server that drops packets only delays the mail behind it.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
# Where links in e-mails point: the site's public address, e.g. https://answers.example.org.
DRUGREF_SITE_URL = env.str("DRUGREF_SITE_URL", default="http://localhost:8000").rstrip("/")
