"""The environment of a production process (``fascicolo.settings`` with DEBUG off), for tests that
start one as a subprocess against this run's PostgreSQL and Redis."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "fascicolo.comune.example.it"


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "TESTING", "DEMO_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_COOKIES", None)
    env.pop("LOG_FORMAT", None)
    env.update(
        DJANGO_SETTINGS_MODULE="fascicolo.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fascicolo"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    )
    env.update(extra)
    return env


def manage(*args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def make_static(static_root):
    """The README's production step "make static": collectstatic with the manifest storage and
    WhiteNoise's compression, into ``static_root``."""
    env = production_env(STATIC_ROOT=str(static_root))
    result = subprocess.run(["make", "static"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return static_root
