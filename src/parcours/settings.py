"""Parcours settings: one module, read from PARCOURS_* environment variables.

A bad value stops start-up with a one-line message naming the variable (see `config.py`).
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from parcours.config import Env, data_dir, database, secret_key

env = Env()

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = data_dir(env, BASE_DIR)

SECRET_KEY = secret_key(env, DATA_DIR)
DEBUG = env.flag("PARCOURS_DEBUG", False)
DEMO = env.flag("PARCOURS_DEMO", False)
ALLOWED_HOSTS = env.items("PARCOURS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.items("PARCOURS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "parcours.accounts",
    "parcours.territory",
    "parcours.directory",
    "parcours.interop",
    "parcours.audit",
    "parcours.patients",
    "parcours.transitions",
    "parcours.coordination",
    "parcours.messaging",
    "parcours.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parcours.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parcours.accounts.middleware.SessionExpiryMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parcours.accounts.middleware.BearerTokenMiddleware",
    "parcours.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "parcours.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "parcours.urls"
WSGI_APPLICATION = "parcours.wsgi.application"
ASGI_APPLICATION = "parcours.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "parcours.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": database(env, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout: this many failed logins for one username within the window lock it for the window.
LOGIN_FAILURE_LIMIT = env.integer("PARCOURS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.integer("PARCOURS_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# Directory: a service's capacity not confirmed within this many days is shown as stale.
CAPACITY_STALE_DAYS = env.integer("PARCOURS_CAPACITY_STALE_DAYS", 14, minimum=1)

# Follow-up: a watched patient with no recorded contact for this many days is flagged.
BROKEN_FOLLOWUP_DAYS = env.integer("PARCOURS_BROKEN_FOLLOWUP_DAYS", 10, minimum=1)

# The hospital team of a stay keeps its access this many days after the discharge, for the
# follow-up it owns (day-2 call, medication reconciliation, day-30 check). 0: none after.
STAY_FOLLOWUP_ACCESS_DAYS = env.integer("PARCOURS_STAY_FOLLOWUP_ACCESS_DAYS", 30)

# Sessions end after this much inactivity, and in any case after the absolute limit.
SESSION_IDLE_MINUTES = env.integer("PARCOURS_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env.integer("PARCOURS_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.flag("PARCOURS_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.flag("PARCOURS_BEHIND_PROXY", False) else None
)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Brussels"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: SMTP when PARCOURS_EMAIL_HOST is set, otherwise files in the data directory, so a
# laptop install can still follow a password-reset link.
EMAIL_HOST = env.text("PARCOURS_EMAIL_HOST")
EMAIL_PORT = env.integer("PARCOURS_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.text("PARCOURS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env.text("PARCOURS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env.flag("PARCOURS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.flag("PARCOURS_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    from parcours.config import SettingsError

    raise SettingsError(
        "PARCOURS_EMAIL_USE_SSL: cannot be used together with PARCOURS_EMAIL_USE_TLS"
    )
DEFAULT_FROM_EMAIL = env.text("PARCOURS_EMAIL_FROM", "Parcours <noreply@parcours.invalid>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

REDIS_URL = env.url("PARCOURS_REDIS_URL", "", {"redis", "rediss", "unix"})
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOTIFY_MAX_ATTEMPTS = env.integer("PARCOURS_NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
ATTACHMENT_MAX_BYTES = env.integer("PARCOURS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
ATTACHMENT_ROOT = DATA_DIR / "attachments"
# Transmissions: hours after the reminder before an unacknowledged one goes to the referents.
TRANSMISSION_ESCALATION_HOURS = env.integer("PARCOURS_TRANSMISSION_ESCALATION_HOURS", 24, minimum=1)
SITE_URL = env.url("PARCOURS_SITE_URL", "http://127.0.0.1:8000", {"http", "https"})

# The port of the WebSocket server when `parcours serve` runs it beside the WSGI workers; pages
# open their live connection there. 0: same origin (a reverse proxy routes /ws/).
WEBSOCKET_PORT = env.integer("PARCOURS_WEBSOCKET_PORT", 0, maximum=65535)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("PARCOURS_LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 100
