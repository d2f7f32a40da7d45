"""Settings for the community mental health directory.

Everything that differs between a developer's laptop and a region's production
server comes from the environment (or a local `.env` file, which `make run`
creates for development). Read `.env.example` for every variable.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import leaflet
from django.core.exceptions import ImproperlyConfigured

from directory import languages

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_dotenv(path: Path) -> None:
    """Load KEY=value lines from a local .env file; real environment variables win."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip().strip("'\"")
        os.environ.setdefault(key.strip(), value)


if os.environ.get("DIRECTORY_IGNORE_DOTENV") != "1":
    _read_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Security -----------------------------------------------------------------

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (refused when DEBUG is off)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def check_production_settings(debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Refuse to run without DEBUG on a configuration that would be unsafe in public."""
    if debug:
        return
    if not secret_key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DEBUG=1 for local development (`make run` does this for you)."
        )
    if secret_key == DEV_SECRET_KEY or len(secret_key) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY is the development key or shorter than 32 characters; "
            "generate a long random one for production."
        )
    if not allowed_hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name this site's host names when DEBUG is off.")


check_production_settings(DEBUG, SECRET_KEY, ALLOWED_HOSTS)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# An expired or missing form token gets our own 403 page, with crisis help.
CSRF_FAILURE_VIEW = "directory.errors.csrf_failure"
# The session holds a visitor's shortlist (and a staff login). Two weeks, said on the
# shortlist page: long enough for a GP to come back to a list, and a fixed promise, where
# "until the browser closes" is not one on phones, whose browsers rarely close.
SESSION_COOKIE_AGE = 14 * 24 * 60 * 60
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Off by default: only promise HTTPS for every subdomain (or ask browsers to preload it)
# when the whole domain is known to serve it.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Browser features pages may use: geolocation for our own pages only (the search page's
# "use my location"); the other powerful features are off for us and anything we embed.
PERMISSIONS_POLICY = {
    "geolocation": "self",
    **dict.fromkeys(
        [
            "accelerometer",
            "ambient-light-sensor",
            "autoplay",
            "bluetooth",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "hid",
            "idle-detection",
            "interest-cohort",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        ],
        (),
    ),
}
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Applications -------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "axes",
    # Background tasks (outgoing email): the Django Tasks backport and its database backend.
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "partners",
    "api",
    "editing",
    "signposting",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database that cannot be reached gets a 503 page with crisis help, not a 500.
    "directory.errors.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "directory.urls"
WSGI_APPLICATION = "directory.wsgi.application"

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
                "django.template.context_processors.i18n",
                "directory.context_processors.interface_languages",
                "partners.context_processors.site",
                "signposting.context_processors.shortlist",
                "signposting.context_processors.safety",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before each request reuses it, so a database
        # restart costs no failed requests afterwards.
        conn_health_checks=True,
    )
}
# SQLite builds the API's ordering index (partners migration 0010) without its INCLUDE
# column, which it does not support; the index still serves, so say nothing about it.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/manage/"
LOGOUT_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out login is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): lock out one email address from one IP address
# after AXES_FAILURE_LIMIT wrong passwords, for AXES_COOLOFF_MINUTES. Keyed on the
# pair so a stranger guessing cannot lock a colleague out from another office.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Django's login form calls the email field "username" (axes would look for "email").
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address and the email address exactly as login matches them (see
# "Several servers" below), so neither a proxy nor a change of case splits the count.
AXES_CLIENT_IP_CALLABLE = "directory.clients.client_ip"
AXES_USERNAME_CALLABLE = "accounts.models.axes_username"
AXES_VERBOSE = False
# Invitation links for organisation staff stop working after this many days.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
# One-tap links in emails (confirm a listing, answer a capacity check) stop working after
# this many days. They need no log-in and do one thing to one listing (editing/links.py).
ONE_TAP_LINK_DAYS = env_int("ONE_TAP_LINK_DAYS", 60)
# django-axes's records of logins and failed logins are deleted after this many days by
# the daily `purge_old_records` (the privacy page cites it).
LOGIN_RECORDS_KEPT_DAYS = env_int("LOGIN_RECORDS_KEPT_DAYS", 30)

# --- Several servers: shared cache, client addresses, background email -------------
# Any number of app servers may share one PostgreSQL database and one Redis: rate
# limits and anything cached live in Redis, login lockouts (django-axes) and queued
# email in the database. Without REDIS_URL the cache is per process, which is fine for
# development and one-process sites; `check --deploy` warns about it in production.
REDIS_URL = env_str("REDIS_URL") or env_str("CACHE_URL")
if REDIS_URL:
    if urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must be a redis://, rediss:// or unix:// address, not {REDIS_URL!r}.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering fails the request (and /healthz) in seconds, not minutes.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Seconds the map keeps an answer until a listing changes (partners/map_cache.py). Only with
# a shared cache: a per-process cache cannot hear of a change made in another process (a
# second app server, a worker, `manage.py import_listings`), so without REDIS_URL nothing
# is kept and the map is always current.
MAP_CACHE_SECONDS = env_int("MAP_CACHE_SECONDS", 15 * 60 if REDIS_URL else 0)
# How many reverse proxies you run in front of the app servers (a load balancer and
# nginx make 2). Each must append the address it received from to X-Forwarded-For;
# the client is the address the outermost one saw. 0 trusts no header at all: never
# set more than you run, or anyone can pretend to be any address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Rate limits on the public forms that send email, per client address an hour
# (password resets also per address asked about). Counted with django-ratelimit in
# the cache above under a keyed hash: no address is stored anywhere.
CLAIMS_PER_HOUR = env_int("CLAIMS_PER_HOUR", 5)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 5)
# django_ratelimit is used as a library, not an installed app: its system check calls
# Django's own Redis cache "not officially supported" and refuses the local one.
RATELIMIT_USE_CACHE = "default"
# Outgoing email is queued as a task saved in the same transaction as the change it
# tells about and sent by `manage.py db_worker` (retrying a failing mail server), so a
# slow mail server never slows a page. "immediate" sends inside the request: the
# default in development and tests, where no worker runs.
TASK_BACKEND = env_str("TASK_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND must be 'database' or 'immediate', not {TASK_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Internationalisation -----------------------------------------------------

# The interface languages come from directory/languages.py (one row per language). English
# pages keep their unprefixed URLs; the others live under /<code>/ (directory/urls.py).
LANGUAGE_CODE = languages.DEFAULT
LANGUAGES = languages.settings_languages()
LANGUAGES_BIDI = languages.bidi_codes()
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------

STATIC_URL = "/static/"
# Leaflet comes from the django-leaflet package's static files (no CDN). The app
# itself is not installed: its admin widgets need GDAL, which we do not use.
STATICFILES_DIRS = [BASE_DIR / "static", Path(leaflet.__file__).resolve().parent / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or CONSOLE_EMAIL_BACKEND
# Password-reset and invitation emails carry login links; on the console backend
# they land in the server's log, so production must ask for it by name.
ALLOW_CONSOLE_EMAIL = env_bool("ALLOW_CONSOLE_EMAIL", False)


def check_email_settings(debug: bool, backend: str, allow_console: bool) -> None:
    """Refuse to run without DEBUG on an email backend that prints login links to the log."""
    if not debug and backend == CONSOLE_EMAIL_BACKEND and not allow_console:
        raise ImproperlyConfigured(
            "EMAIL_BACKEND is the console, which would print password-reset and invitation links "
            "into the server's log. Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend "
            "and the EMAIL_HOST settings, or ALLOW_CONSOLE_EMAIL=1 if you really mean it."
        )


check_email_settings(DEBUG, EMAIL_BACKEND, ALLOW_CONSOLE_EMAIL)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "directory@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's own address, for links in emails and printed by management commands
# (they have no request to take the host from).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- The region this copy serves ----------------------------------------------

SITE_NAME = env_str("SITE_NAME", "Community Mental Health Directory")
REGION_NAME = env_str("REGION_NAME", "Bradford District and Craven")
MAP_CENTRE = (env_float("MAP_CENTRE_LAT", 53.87), env_float("MAP_CENTRE_LON", -1.90))
MAP_ZOOM = env_int("MAP_ZOOM", 10)
# Postcode areas (the letters before the digits) this region's postcodes start with.
POSTCODE_AREAS = [a.upper() for a in env_list("POSTCODE_AREAS", ["BD", "LS", "LA"])]
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
# "Report a problem" forms one client may send per hour (see the rate limits above).
PROBLEM_REPORTS_PER_HOUR = env_int("PROBLEM_REPORTS_PER_HOUR", 5)
# Listings not confirmed for this many days count as needing a check.
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 183)
# Owners of a listing due for a check are reminded again every this many days.
REMINDER_INTERVAL_DAYS = env_int("REMINDER_INTERVAL_DAYS", 30)
# Listings not confirmed for this long carry a public "may be out of date" notice
# and rank below fresher ones in search.
VERY_STALE_AFTER_DAYS = env_int("VERY_STALE_AFTER_DAYS", 365)
# Owners are asked "are you taking new people?" this many days after the last answer
# (send_capacity_checks, run daily), and the public sees an answer only while it is no
# older than CAPACITY_VALID_DAYS: after that it shows as not known.
CAPACITY_CHECK_DAYS = env_int("CAPACITY_CHECK_DAYS", 30)
CAPACITY_VALID_DAYS = env_int("CAPACITY_VALID_DAYS", 45)

# --- Safety, and who runs this copy ----------------------------------------------
# "Leave this site" goes to this neutral page: nothing about it suggests mental health.
EXIT_URL = env_str("EXIT_URL", "https://www.bbc.co.uk/weather")
if urlsplit(EXIT_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"EXIT_URL must be an http(s) address, not {EXIT_URL!r}.")
# Named on the About, privacy and accessibility pages as who runs the site, and how to reach them.
OPERATOR_NAME = env_str("OPERATOR_NAME", f"The {REGION_NAME} mental health partnership")
CONTACT_EMAIL = env_str("CONTACT_EMAIL", DEFAULT_FROM_EMAIL)

for _name, _value, _low, _high in (
    ("MAP_CENTRE_LAT", MAP_CENTRE[0], -90, 90),
    ("MAP_CENTRE_LON", MAP_CENTRE[1], -180, 180),
    ("MAP_ZOOM", MAP_ZOOM, 0, 19),
    ("REMINDER_INTERVAL_DAYS", REMINDER_INTERVAL_DAYS, 1, 3650),
    ("INVITATION_VALID_DAYS", INVITATION_VALID_DAYS, 1, 365),
    ("ONE_TAP_LINK_DAYS", ONE_TAP_LINK_DAYS, 1, 365),
    ("MAP_CACHE_SECONDS", MAP_CACHE_SECONDS, 0, 24 * 60 * 60),
    ("CAPACITY_CHECK_DAYS", CAPACITY_CHECK_DAYS, 1, 365),
    ("CAPACITY_VALID_DAYS", CAPACITY_VALID_DAYS, 1, 365),
    ("LOGIN_RECORDS_KEPT_DAYS", LOGIN_RECORDS_KEPT_DAYS, 1, 3650),
    ("PROBLEM_REPORTS_PER_HOUR", PROBLEM_REPORTS_PER_HOUR, 1, 1000),
    ("CLAIMS_PER_HOUR", CLAIMS_PER_HOUR, 1, 1000),
    ("PASSWORD_RESETS_PER_HOUR", PASSWORD_RESETS_PER_HOUR, 1, 1000),
    ("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT, 0, 10),
):
    if not _low <= _value <= _high:
        raise ImproperlyConfigured(f"{_name} must be between {_low} and {_high}, not {_value}.")

# --- Content Security Policy -----------------------------------------------------
# Our pages load nothing but our own scripts, styles and images, plus map tiles.
# No inline scripts or styles anywhere public. The Django admin (moderators only)
# is left out: its templates still carry a few inline styles.


def tile_source(url: str) -> str:
    """The CSP source for a tile URL template: its scheme and host, with {s} as a wildcard."""
    parts = urlsplit(url.replace("{s}.", "SUBDOMAIN."))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an http(s) address, not {url!r}.")
    return f"{parts.scheme}://{parts.netloc.replace('SUBDOMAIN.', '*.')}"


CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", tile_source(MAP_TILE_URL)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
