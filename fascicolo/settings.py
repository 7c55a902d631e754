"""Settings, read from environment variables.

Every variable has a default that suits development (``make run``) and a line in the README's
configuration table. Production is ``DEBUG`` off plus a real ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``.
"""

import datetime
import os
import secrets
from pathlib import Path

import csp.constants as _csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor as _WhiteNoiseCompressor

from fascicolo.private_paths import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    ensure_private_dir,
    ensure_private_file,
    write_private_text,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FASCICOLO_VAR_DIR", BASE_DIR / "var"))


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _development_secret_key():
    """A random key kept under var/ so that development sessions survive a restart."""
    path = VAR_DIR / "secret_key"
    ensure_private_dir(VAR_DIR)  # also holds the development database, keys and e-mails
    if not path.exists():
        write_private_text(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY") or (_development_secret_key() if DEBUG or env_bool("TESTING") else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the portal, used in links that leave the site (emails, QR codes on PDFs).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "fascicolo",
    "fascicolo.identity",
    # Before "allauth": its templates restyle allauth's pages with Bootstrap Italia.
    "fascicolo.staff",
    "fascicolo.security",
    "fascicolo.dossier",
    "fascicolo.audit",
    "fascicolo.documents",
    "fascicolo.outbox",
    "fascicolo.imports",
    "fascicolo.admission",
    "registry",
    "registry.certificates",
    "payments",
    "fascicolo.staff.apps.StaffAdminConfig",  # django.contrib.admin, behind the clerks' second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",  # countries by name, in Italian and English (registry's citizenship, birth state)
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "fascicolo.observability.RequestIdMiddleware",
    # Refuses at once (503 + Retry-After) what this process cannot start now (docs/reliability.md).
    "fascicolo.admission.shedding.LoadSheddingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fascicolo.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and auth middleware: the waiting room is served from Redis alone (docs/reliability.md).
    "fascicolo.admission.middleware.AdmissionMiddleware",
    # Outside the session and auth middleware, so it sees who the request was from (docs/dossier.md).
    "fascicolo.privacy.PrivateResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Residents' reads from the replica, when there is one (fascicolo/replica.py).
    "fascicolo.replica.ReplicaReadsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A view over one of the limits of fascicolo/limits.py answers with the 429 page.
    "fascicolo.limits.LimitExceededMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "fascicolo.security.middleware.SessionLifetimeMiddleware",
    "fascicolo.staff.middleware.AccountPagesMiddleware",
    "fascicolo.staff.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fascicolo.urls"
WSGI_APPLICATION = "fascicolo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fascicolo.context_processors.portal",
                # The area personale's menu and badge on every section page, whichever app renders it.
                "fascicolo.dossier.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# Unset DATABASE_URL: an embedded SQLite file under var/, so `make run` needs no server.
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fascicolo.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        # Django's native psycopg 3 pool: one pool per process, bounded so that many workers
        # cannot exhaust PostgreSQL's max_connections on a click day.
        "pool": {
            "min_size": int(env("DATABASE_POOL_MIN", "1")),
            "max_size": int(env("DATABASE_POOL_MAX", "8")),
            # Seconds a request waits for a connection; then it answers 503 (fascicolo/errors.py).
            "timeout": float(env("DATABASE_POOL_TIMEOUT", "10")),
        },
    }
    # The pool checks a connection before lending it (psycopg's ConnectionPool.check_connection), so
    # after a PostgreSQL restart the first requests get fresh connections instead of dead ones
    # (tests/faults/test_postgres_restart.py).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A hot standby of the primary for residents' reads, with read-your-writes (fascicolo/replica.py,
    # docs/scale-out.md). Unset: everything on the primary.
    if env("DATABASE_REPLICA_URL"):
        DATABASES["replica"] = {
            **dj_database_url.parse(env("DATABASE_REPLICA_URL")),
            "OPTIONS": DATABASES["default"]["OPTIONS"],
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"MIRROR": "default"},
        }
        DATABASE_ROUTERS = ["fascicolo.replica.ReplicaRouter"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
    ensure_private_file(DATABASES["default"]["NAME"])
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the web process and the Celery worker share the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Requests whose reads may come from the replica, and how long a browser that wrote reads from the
# primary (longer than the replica's lag).
DATABASE_REPLICA_PATHS = env_list("DATABASE_REPLICA_PATHS", "/area-personale/")
DATABASE_REPLICA_PIN_SECONDS = int(env("DATABASE_REPLICA_PIN_SECONDS", "30"))

# --- Cache, sessions, broker ----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "fascicolo"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page chrome that is the same for everyone, per process and language (fascicolo/chrome.py).
CACHES["chrome"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fascicolo-chrome"}

# Sessions live in the database, which every web process shares.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    for sub in ("out", "processed"):
        ensure_private_dir(_broker_dir / sub)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task not acknowledged within this time is delivered again (acks_late tasks survive a
        # killed worker). It must exceed the longest task's hard time limit.
        "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "600")),
    }
    if env("CELERY_BROKER_SENTINEL_MASTER"):
        # CELERY_BROKER_URL=sentinel://s1:26379;sentinel://s2:26379;…: the Sentinels' name of the
        # Redis primary (kombu's Sentinel transport, docs/scale-out.md).
        CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = env("CELERY_BROKER_SENTINEL_MASTER")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint's memory grows with use (Kozea/WeasyPrint#220): recycle a pool process past ~400 MB.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(env("CELERY_WORKER_MAX_MEMORY_PER_CHILD", "400000"))  # KiB
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
# The one periodic schedule (Celery beat), by explicit task name. Every task is idempotent, so a
# duplicate costs nothing; the sweepers catch whatever a lost message or a broker outage missed.
CELERY_BEAT_SCHEDULE = {
    # Certificate requests stuck in PENDING (registry/certificates/services.py).
    "certificates-sweep-pending": {"task": "certificates.sweep_pending", "schedule": 30.0},
    # Certificates whose stamp is paid while they still wait for it (registry/certificates/stamps.py).
    "certificates-release-paid-stamps": {"task": "certificates.release_paid_stamps", "schedule": 60.0},
    # Attempts whose notification never came: ask the gateway, expire the stale ones (payments/attempts.py).
    "payments-check-pending": {"task": "payments.check_pending_attempts", "schedule": 60.0},
    # PUBLISHED positions become payable at their validity date; VALID ones may expire after the last due date.
    "payments-time-based-statuses": {"task": "payments.refresh_time_based_statuses", "schedule": 3600.0},
    # Emails neither sent nor queued (fascicolo/outbox/services.py).
    "outbox-sweep-emails": {"task": "outbox.sweep_emails", "schedule": 60.0},
    # OpenID Federation trust chains of the identity providers, resolved again before they expire
    # (fascicolo/identity/federation/chains.py).
    "identity-refresh-trust-chains": {"task": "identity.refresh_trust_chains", "schedule": 600.0},
    # The access log's daily anchor, outside the database (fascicolo/audit, AUDIT_ANCHOR_FILE).
    "audit-anchor": {"task": "audit.anchor_access_log", "schedule": 24 * 3600.0},
}
# PDFs have their own queue (workers: -Q default,pdf), so a click day of certificates never delays
# other tasks, and PDF workers can be scaled on their own.
CELERY_TASK_ROUTES = {
    "certificates.generate_certificate": {"queue": "pdf"},
    # Payment notices and receipts (payments/documents.py).
    "payments.render_notice_pdf": {"queue": "pdf"},
    "payments.render_receipt_pdf": {"queue": "pdf"},
}

# --- Authentication -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email -------------------------------------------------------------------------------------
# Mail goes out over SMTP: to EMAIL_HOST when set, else to the local MTA on localhost:25. In
# development (DEBUG, tests) without EMAIL_HOST each message is written as a file under var/mail,
# so nothing is ever sent by accident.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Fascicolo del Cittadino <noreply@comune.example.it>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST") or not (DEBUG or env_bool("TESTING")):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST", "localhost"),
                "port": int(env("EMAIL_PORT", "587" if env("EMAIL_HOST") else "25")),
                "username": env("EMAIL_HOST_USER", ""),
                "password": env("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", bool(env("EMAIL_HOST"))),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
    ensure_private_dir(VAR_DIR / "mail")  # the messages carry residents' names and links

# --- Clerks' sign-in (docs/staff-auth.md) --------------------------------------------------------
# Clerks sign in with username, password and a mandatory second factor (allauth MFA: TOTP and
# recovery codes); residents never use a password (SPID/CIE), so signup is closed.
ACCOUNT_ADAPTER = "fascicolo.staff.adapters.StaffAccountAdapter"
# Django's own login redirects (login_required on clerks' pages) go to the clerks' sign-in; residents'
# pages declare their level with require_loa, which sends them to the SPID/CIE login instead.
LOGIN_URL = "account_login"
MFA_ADAPTER = "fascicolo.staff.adapters.StaffMFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_TOLERANCE = 1  # one 30 s step either side: phones' clocks drift
# Failed logins (password and second-factor code), counted in the cache (Redis): shared by every
# web process. "<n>/<period>/ip" per client address, "<n>/<period>/key" per account.
ACCOUNT_RATE_LIMITS = {"login_failed": env("STAFF_LOGIN_FAILED_LIMITS", "20/15m/ip,5/15m/key")}
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
# Seconds after a sign-in or a reauthentication during which allauth does not ask the password again
# before a second-factor change (StaffAccountAdapter.is_reauthentication_required).
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(env("STAFF_REAUTHENTICATION_TIMEOUT", "300"))

# --- Session lifetime (docs/staff-auth.md) --------------------------------------------------------
SESSION_IDLE_TIMEOUT = int(env("SESSION_IDLE_TIMEOUT", "900"))
SESSION_ABSOLUTE_TIMEOUT = int(env("SESSION_ABSOLUTE_TIMEOUT", str(8 * 3600)))
STAFF_SESSION_IDLE_TIMEOUT = int(env("STAFF_SESSION_IDLE_TIMEOUT", "1800"))
STAFF_SESSION_ABSOLUTE_TIMEOUT = int(env("STAFF_SESSION_ABSOLUTE_TIMEOUT", str(10 * 3600)))
SESSION_TIMEOUT_WARNING = int(env("SESSION_TIMEOUT_WARNING", "120"))
# Activity is written to the session at most once in this many seconds.
SESSION_ACTIVITY_RESOLUTION = 60
# The cookie outlives no session: the database row is cleaned up (clearsessions) after it.
SESSION_COOKIE_AGE = max(SESSION_ABSOLUTE_TIMEOUT, STAFF_SESSION_ABSOLUTE_TIMEOUT)

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
# "1 gennaio 1980" rather than Django's "01 Gennaio 1980" (fascicolo/formats/it/formats.py).
FORMAT_MODULE_PATH = ["fascicolo.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Personal documents (certificates, receipts) are never served as static or public media:
# they are read by views that check ownership.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", VAR_DIR / "private"))
# Stored files and the directories made for them: the portal's user only (fascicolo/private_paths.py).
FILE_UPLOAD_PERMISSIONS = PRIVATE_FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = PRIVATE_DIR_MODE
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env_bool("TESTING")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("TESTING")
# Source maps are fetched by developers' tools only: compressing them took a third of collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*_WhiteNoiseCompressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- The municipality -----------------------------------------------------------------------------
MUNICIPALITY = {
    "name": env("MUNICIPALITY_NAME", "Comune di Milano"),
    "istat_code": env("MUNICIPALITY_ISTAT", "015146"),
    "belfiore_code": env("MUNICIPALITY_BELFIORE", "F205"),
    "province": env("MUNICIPALITY_PROVINCE", "MI"),
    "postal_code": env("MUNICIPALITY_POSTAL_CODE", "20121"),
    "fiscal_code": env("MUNICIPALITY_FISCAL_CODE", "01199250158"),
    "accessibility_statement_url": env(
        "ACCESSIBILITY_STATEMENT_URL", "https://form.agid.gov.it/view/accessibility-statement"
    ),
}
# Demo mode: shows a banner on every page and allows demo backends outside DEBUG.
DEMO_MODE = env_bool("DEMO_MODE", False)

# --- Identity: SPID/CIE backends and the demo provider (fascicolo.identity, docs/identity.md) -------
from fascicolo.identity import config as _identity_config  # noqa: E402  (plain module, no Django)

# The demo OpenID Connect provider at /demo-idp/ logs anyone in as anyone: on by default only in
# development and demo mode; the system check identity.E002 refuses it with DEBUG off otherwise.
DEMO_IDP_ENABLED = env_bool("DEMO_IDP", DEBUG or DEMO_MODE)
DEMO_IDP_SIGNING_KEY_FILE = Path(env("DEMO_IDP_SIGNING_KEY_FILE", VAR_DIR / "demo_idp_signing_key.json"))
DEMO_IDP_CLIENT_ID = env("DEMO_IDP_CLIENT_ID", "fascicolo")
DEMO_IDP_CLIENT_SECRET = env("DEMO_IDP_CLIENT_SECRET") or _identity_config.demo_client_secret(SECRET_KEY)
# The portal registered as the demo provider's client with the SPID/CIE profile: its keys at
# /accesso/jwks.json on the provider's own host (request objects, private_key_jwt, userinfo encrypted
# to it), and a secret for backends configured with client_secret_basic.
DEMO_IDP_CLIENTS = {DEMO_IDP_CLIENT_ID: {"secret": DEMO_IDP_CLIENT_SECRET, "jwks_uri": "/accesso/jwks.json"}}
# Enabled identity backends, in login-page order; each id reads IDENTITY_<ID>_* (README).
IDENTITY_PROVIDERS = env_list("IDENTITY_PROVIDERS", "spid-demo,cie-demo" if DEMO_IDP_ENABLED else "")
IDENTITY_BACKENDS = [
    _identity_config.backend_from_env(
        backend_id,
        demo_client_id=DEMO_IDP_CLIENT_ID,
        demo_client_secret_value=DEMO_IDP_CLIENT_SECRET,
    )
    for backend_id in IDENTITY_PROVIDERS
]
# Back-channel URLs answered in-process rather than over a socket: the demo provider on this same
# server, so a login's callback never waits for a second free server thread (docs/identity.md).
IDENTITY_IN_PROCESS_PREFIXES = env_list(
    "IDENTITY_IN_PROCESS_PREFIXES", f"{SITE_URL}/demo-idp/,{SITE_URL}/accesso/" if DEMO_IDP_ENABLED else ""
)
IDENTITY_METADATA_CACHE_SECONDS = int(env("IDENTITY_METADATA_CACHE_SECONDS", "3600"))
# The demo provider is an app of its own, installed only where it may run (the test suite switches
# it on and off per test): with production settings its table and URLs do not exist.
if DEMO_IDP_ENABLED or env_bool("TESTING"):
    INSTALLED_APPS.insert(INSTALLED_APPS.index("fascicolo.identity") + 1, "fascicolo.identity.demo_idp")
# The relying party's private keys (JWK files; generated on first use in development and demo):
# one signs client assertions and request objects, the other is what providers encrypt userinfo to.
# Both are published at /accesso/jwks.json. Rotation: docs/identity.md.
IDENTITY_SIGNING_KEY_FILE = Path(env("IDENTITY_SIGNING_KEY_FILE", VAR_DIR / "identity-signing-key.json"))
IDENTITY_ENCRYPTION_KEY_FILE = Path(env("IDENTITY_ENCRYPTION_KEY_FILE", VAR_DIR / "identity-encryption-key.json"))
# OpenID Federation: the relying party's federation key (a private JWK, distinct from the two above),
# which signs its entity configuration at /.well-known/openid-federation, and that statement's lifetime.
IDENTITY_FEDERATION_KEY_FILE = Path(env("IDENTITY_FEDERATION_KEY_FILE", VAR_DIR / "identity-federation-key.json"))
IDENTITY_FEDERATION_STATEMENT_SECONDS = int(env("IDENTITY_FEDERATION_STATEMENT_SECONDS", str(24 * 3600)))
# xmlsec1, which pysaml2 signs and verifies SAML with (Debian package xmlsec1).
IDENTITY_XMLSEC_BINARY = env("IDENTITY_XMLSEC_BINARY", "/usr/bin/xmlsec1")

# --- Documents: the municipality's electronic seal (fascicolo.documents, docs/documents.md) --------
# PEM or DER files. Unset in development/tests/demo: a self-signed pair is generated under var/seal/.
SEAL_KEY_PATH = env("SEAL_KEY_PATH")
SEAL_CERT_PATH = env("SEAL_CERT_PATH")
SEAL_KEY_PASSPHRASE = env("SEAL_KEY_PASSPHRASE")

# --- Certificates (registry.certificates, docs/certificates.md) -------------------------------------
# A request still PENDING after this many seconds is enqueued again by the sweeper (Celery beat).
# Above the task's hard time limit (90 s), so a render still running is not sent twice; a duplicate
# of a request still waiting in a long queue costs one UPDATE.
CERTIFICATES_SWEEP_AFTER_SECONDS = int(env("CERTIFICATES_SWEEP_AFTER_SECONDS", "120"))
# How long a download link stays valid.
CERTIFICATES_DOWNLOAD_LINK_SECONDS = int(env("CERTIFICATES_DOWNLOAD_LINK_SECONDS", "300"))

# --- Payments (pagoPA) ----------------------------------------------------------------------------
from payments import config as _payments_config  # noqa: E402  (plain module, no Django)

# Segregation code assigned by PagoPA (2 digits) and the municipality's treasury IBAN.
PAGOPA_SEGREGATION_CODE = env("PAGOPA_SEGREGATION_CODE", "01")
PAGOPA_MUNICIPALITY_IBAN = env("PAGOPA_MUNICIPALITY_IBAN", "IT60X0542811101000000123456")
# The province that receives TEFA (the provincial environmental levy collected with TARI).
PAGOPA_PROVINCE_FISCAL_CODE = env("PAGOPA_PROVINCE_FISCAL_CODE", "08911820960")
PAGOPA_PROVINCE_IBAN = env("PAGOPA_PROVINCE_IBAN", "IT57Y0306909606100000046051")
# The PSP simulator (the psp_simulator app at /psp-simulator/; demo only, docs/payments.md).
PSP_SIMULATOR_ENABLED = env_bool("PSP_SIMULATOR_ENABLED", DEBUG or DEMO_MODE or env_bool("TESTING"))
# The gateway new payments use (payments/gateways/). Empty: online payment is off (notices can still
# be paid at any PSP with their code).
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", "simulator" if PSP_SIMULATOR_ENABLED else "")
# The configured gateways: ids in PAYMENTS_GATEWAYS, each id reading PAYMENTS_GATEWAY_<ID>_* (README).
_gateway_ids = env_list("PAYMENTS_GATEWAYS", PAYMENTS_GATEWAY)
if PAYMENTS_GATEWAY and PAYMENTS_GATEWAY not in _gateway_ids:
    _gateway_ids.append(PAYMENTS_GATEWAY)  # the gateway new payments use is always configured
PAYMENTS_GATEWAYS = _payments_config.gateways_from_env(_gateway_ids)
# A certificate that owes the €16 stamp duty is released once the stamp is paid online (pagoPA
# @e.bollo bound to the document hash, payments/certificate_stamps.py): possible whenever a payment
# gateway is configured; without one, only exempt certificates can be requested.
CERTIFICATES_PAID_STAMP_ENABLED = env_bool("CERTIFICATES_PAID_STAMP_ENABLED", bool(PAYMENTS_GATEWAY))
PAYMENTS_ATTEMPT_TTL_MINUTES = int(env("PAYMENTS_ATTEMPT_TTL_MINUTES", "30"))
PSP_SIMULATOR_SECRET = env("PSP_SIMULATOR_SECRET") or f"simulator:{SECRET_KEY}"
# The simulator is an app of its own (label psp_simulator), installed only when enabled: with
# production settings its table, task and URLs do not exist.
if PSP_SIMULATOR_ENABLED:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("payments") + 1, "payments.simulator")
# Where the portal reaches the simulator server to server (status queries); defaults to SITE_URL.
PSP_SIMULATOR_URL = env("PSP_SIMULATOR_URL", SITE_URL).rstrip("/")
# How the simulator misbehaves, as real PSPs do: a duplicate, a late or an out-of-order notification.
PSP_SIMULATOR_KNOBS = {
    "duplicate_rate": float(env("PSP_SIMULATOR_DUPLICATE_RATE", "0.2")),
    "late_rate": float(env("PSP_SIMULATOR_LATE_RATE", "0.2")),
    "late_seconds": float(env("PSP_SIMULATOR_LATE_SECONDS", "5")),
    "reorder_rate": float(env("PSP_SIMULATOR_REORDER_RATE", "0.2")),
    "seed": env("PSP_SIMULATOR_SEED"),
    # "celery" sends notifications from a task; "thread" from a background thread of the web process.
    "delivery": env("PSP_SIMULATOR_DELIVERY", "celery"),
}

# --- Access log: keyed chain and anchors (docs/audit.md) ------------------------------------------
# The chain's HMAC key lives outside the database, so that write access to the database is not
# enough to rebuild the chain: AUDIT_HMAC_KEY (text), else the file AUDIT_HMAC_KEY_FILE (generated
# 0600 in development and tests). Unset in production: entries are hashed without a key (scheme 1)
# and the system check audit.W001 says so.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEY_FILE = env(
    "AUDIT_HMAC_KEY_FILE", str(VAR_DIR / "audit_hmac_key") if DEBUG or env_bool("TESTING") else ""
)
# Where the daily anchor (the chain head's sequence and hash) is appended, outside the database;
# and who receives it by e-mail (comma-separated, optional).
AUDIT_ANCHOR_FILE = env("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.log"))
AUDIT_ANCHOR_EMAILS = env_list("AUDIT_ANCHOR_EMAILS")

# --- Admission control and the waiting room (fascicolo/admission, docs/reliability.md section 4) -----
# Residents admitted at once (0 = no limit); an operator changes it live from the admin.
ADMISSION_CAPACITY = int(env("ADMISSION_CAPACITY", "0"))
# Seconds an admitted resident keeps the admission after their last request (survives a slow login).
ADMISSION_WINDOW_SECONDS = int(env("ADMISSION_WINDOW_SECONDS", "1200"))
# Scheduled opening (ISO 8601 with offset, e.g. 2026-04-01T09:00:00+02:00): earlier arrivals are shuffled.
ADMISSION_OPENS_AT = (
    int(datetime.datetime.fromisoformat(env("ADMISSION_OPENS_AT")).timestamp()) if env("ADMISSION_OPENS_AT") else 0
)
# Shell patterns (fnmatch) of the gated paths: the login page and its start, the area personale.
ADMISSION_PATHS = env_list("ADMISSION_PATHS", "/accesso/,/accesso/*/avvia/,/area-personale/*,/sessione/*")
# Requests in flight in one process above which the next gets the 503 page at once (0 = off).
SHEDDING_MAX_IN_FLIGHT = int(env("SHEDDING_MAX_IN_FLIGHT", "0"))
# Seconds the waiting room waits for Redis before admitting (it fails open, docs/reliability.md).
ADMISSION_REDIS_TIMEOUT = float(env("ADMISSION_REDIS_TIMEOUT", "2"))
ADMISSION_REDIS_PREFIX = env("ADMISSION_REDIS_PREFIX", "fascicolo:admission:")

# --- Limits on costly actions (fascicolo/limits.py) ------------------------------------------------
# Rates in django-ratelimit's notation ("20/h", "5/10m"), counted in the cache (Redis) and so shared
# by every web process; a web page and the API endpoint for the same action share one count.
LIMITS = {
    "certificate_requests": env("LIMIT_CERTIFICATE_REQUESTS", "20/h"),  # per resident, web and API
    "payment_starts": env("LIMIT_PAYMENT_STARTS", "20/h"),  # per resident: "Paga", stamp payments
    "api_tokens": env("API_TOKEN_RATE", "20/h"),  # per resident, settings page and API
    "step_up": env("LIMIT_STEP_UP", "10/h"),  # per resident: logins started to raise the level
    "verify_uploads_client": env("LIMIT_VERIFY_UPLOADS_CLIENT", "20/10m"),  # per client address
    "verify_uploads_code": env("LIMIT_VERIFY_UPLOADS_CODE", "30/h"),  # per verification code
}
# Certificate requests of one resident not yet generated (or waiting for the stamp) at once.
LIMIT_CERTIFICATES_PENDING = int(env("LIMIT_CERTIFICATES_PENDING", "5"))
RATELIMIT_CACHE_PREFIX = "limits:"
# Public upload on /verify/: the most a body may carry, and the bounds a PDF's structure must keep
# before any signature work; verification runs in a child process under a CPU and memory budget.
VERIFY_UPLOAD_MAX_BYTES = int(env("VERIFY_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
VERIFY_PDF_MAX_OBJECTS = int(env("VERIFY_PDF_MAX_OBJECTS", "5000"))
VERIFY_PDF_MAX_SIGNATURE_FIELDS = int(env("VERIFY_PDF_MAX_SIGNATURE_FIELDS", "5"))
VERIFY_PDF_MAX_FIELDS = int(env("VERIFY_PDF_MAX_FIELDS", "50"))
VERIFY_PDF_MAX_DEPTH = int(env("VERIFY_PDF_MAX_DEPTH", "8"))
VERIFY_PDF_MAX_PAGES = int(env("VERIFY_PDF_MAX_PAGES", "50"))
VERIFY_CPU_SECONDS = int(env("VERIFY_CPU_SECONDS", "3"))
VERIFY_MEMORY_MB = int(env("VERIFY_MEMORY_MB", "512"))

# --- Clerks' imports in the background (fascicolo.imports, docs/imports.md) ---------------------------
# The largest file a clerk may upload for an import, and how long one import may run in a worker.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
IMPORT_TIME_LIMIT_SECONDS = int(env("IMPORT_TIME_LIMIT_SECONDS", "3600"))

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The API framework (docs/api.md): bearer tokens or the browser session, residents at level 2,
    # cursor pagination, RFC 9457 problem responses.
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fascicolo.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fascicolo.api.permissions.IsResidentWithLoA"],
    "DEFAULT_PAGINATION_CLASS": "fascicolo.api.pagination.CursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "fascicolo.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fascicolo del Cittadino API",
    "DESCRIPTION": "The resident's dossier for the municipality's app. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fascicolo.api.schema.add_problem_responses",
    ],
}

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A refused form answers with the portal's 403 page, in the visitor's language (fascicolo/errors.py).
CSRF_FAILURE_VIEW = "fascicolo.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # TLS terminates at the reverse proxy in front of the portal.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy (django-csp): only the portal's own files, no inline script without the
# request's nonce (``<script nonce="{{ request.csp_nonce }}">``), no inline <style> element without it, no
# plugin, no framing. Identity providers and payment gateways are reached by redirects and links,
# which the policy leaves alone (there is deliberately no form-action). See docs/production.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_csp.SELF],
        "script-src": [_csp.SELF, _csp.NONCE],
        "style-src": [_csp.SELF, _csp.NONCE],
        # Style attributes: Bootstrap Italia's components and the admin's charts set a few.
        "style-src-attr": [_csp.UNSAFE_INLINE],
        # Bootstrap Italia's icons in CSS, QR codes of the clerks' second factor: data: URIs.
        "img-src": [_csp.SELF, "data:"],
        "font-src": [_csp.SELF, "data:"],  # an icon font embedded in bootstrap-italia.min.css
        "connect-src": [_csp.SELF],
        "object-src": [_csp.NONE],
        "base-uri": [_csp.SELF],
        "frame-ancestors": [_csp.NONE],
    },
}
# Browser features the portal never uses, switched off for every page (fascicolo/headers.py).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"

# --- Logging ------------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "fascicolo.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step and fontTools every font it subsets, at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
