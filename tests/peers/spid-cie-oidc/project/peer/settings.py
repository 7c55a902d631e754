"""A trust anchor and a SPID OpenID provider built from the official SDK (spid-cie-oidc), as the SDK's
own example project examples/federation_authority serves them (the trust anchor at the root, the
provider under oidc/op/), on loopback for tests/identity/test_federation_peer.py.

Environment: PEER_URL (``http://127.0.0.1:<port>``, the trust anchor's entity id), PEER_DB (its own
SQLite file). ``manage.py federation_setup`` writes the entities (federation_setup.py).
"""

import os

import aiohttp

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_URL = os.environ["PEER_URL"].rstrip("/")

SECRET_KEY = "test-peer-only-not-a-secret"  # a loopback test peer
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
APPEND_SLASH = False
ADMIN_PATH = "admin/"

OIDCFED_DEFAULT_TRUST_ANCHOR = PEER_URL
OIDCFED_TRUST_ANCHORS = [PEER_URL]
OIDCFED_PROVIDER_PROFILE = "spid"
OIDCFED_PROVIDER_MAX_REFRESH = 1
# Trust marks the provider requires of a relying party: none by default, as in the SDK's example.
OIDCFED_REQUIRED_TRUST_MARKS = [mark for mark in os.environ.get("PEER_REQUIRED_TRUST_MARKS", "").split(",") if mark]
HTTPC_PARAMS = {
    "connection": {"ssl": False},
    "session": {"timeout": aiohttp.ClientTimeout(total=8)},
}
FEDERATION_DEFAULT_POLICY = {
    "openid_relying_party": {"grant_types": {"subset_of": ["authorization_code", "refresh_token"]}},
    "openid_provider": {},
    "federation_entity": {},
    "oauth_resource": {},
}

AUTH_USER_MODEL = "spid_cie_oidc_accounts.User"
LOGIN_URL = "/oidc/op/authorization"
INSTALLED_APPS = [
    "spid_cie_oidc.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "bootstrap_italia_template",
    "spid_cie_oidc.entity",
    "spid_cie_oidc.authority",
    "spid_cie_oidc.provider",
    "djagger",
    "peer",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer.urls"
# Cookies ignore ports: on 127.0.0.1 the portal's own sessionid and csrftoken must not be overwritten.
SESSION_COOKIE_NAME = "peer_sessionid"
CSRF_COOKIE_NAME = "peer_csrftoken"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PEER_DB"]}}


class _NoMigrations(dict):
    """A throwaway database: tables straight from the models (``migrate --run-syncdb``), in one pass
    instead of the SDK's hundred migrations, as Django's test runner does."""

    def __contains__(self, label):
        return True

    def __getitem__(self, label):
        return None


MIGRATION_MODULES = _NoMigrations()
DJAGGER_DOCUMENT = {"app_names": ["spid_cie_oidc"]}
LANGUAGE_CODE = "it-it"
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"spid_cie_oidc": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
