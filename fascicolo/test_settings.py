"""Settings for the test suite: the production settings, pointed at the real local services.

Tests run against PostgreSQL and Redis (never SQLite or a local-memory cache), so the defaults below
name the local servers; ``scripts/with-services`` starts throwaway ones when those are not running
and exports their URLs. Each variable can still be overridden from the environment.
"""

import os
import tempfile

os.environ.setdefault("TESTING", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fascicolo")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# The live test server speaks plain HTTP on loopback.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("LOG_FORMAT", "text")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Anchors are written only by the tests that check them (into their own tmp_path); the development
# file under var/ names entries of another database.
AUDIT_ANCHOR_FILE = os.path.join(tempfile.gettempdir(), f"fascicolo-test-anchors-{os.getpid()}.log")
# Ways the demo identity provider misbehaves (fascicolo/identity/demo_idp/views.py): none, until a
# test sets some with pytest-django's ``settings``. Not a production setting.
DEMO_IDP_FAULTS = set()
