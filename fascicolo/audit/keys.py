"""The access log chain's HMAC key, kept outside the database (``AUDIT_HMAC_KEY`` or the file
``AUDIT_HMAC_KEY_FILE``), so that whoever can write the database cannot recompute the chain."""

import secrets
from pathlib import Path

from django.conf import settings

from fascicolo.private_paths import ensure_private_dir, write_private_text


def hmac_key():
    """The key as bytes, or ``None`` when none is configured (entries are then hashed without one).

    A configured file that does not exist yet is created with a random key (0600): development and
    tests; in production the file (or the variable) is provisioned like any other secret.
    """
    if settings.AUDIT_HMAC_KEY:
        return settings.AUDIT_HMAC_KEY.encode()
    if not settings.AUDIT_HMAC_KEY_FILE:
        return None
    path = Path(settings.AUDIT_HMAC_KEY_FILE)
    if not path.exists():
        ensure_private_dir(path.parent)
        write_private_text(path, secrets.token_hex(32))
    return path.read_text().strip().encode()
