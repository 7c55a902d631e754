"""The wire protocol between the PSP simulator and the portal, shared by both ends.

Notifications are JSON bodies signed like Stripe's webhooks: header
``Psp-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>``. Status queries are
signed the same way over ``"<t>." + path``.
"""

import hashlib
import hmac
import time

from django.conf import settings

from ..gateways.base import SIGNATURE_TOLERANCE_SECONDS, NotificationRefused

SIGNATURE_HEADER = "Psp-Signature"


def _mac(secret, timestamp, payload: bytes):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def sign(payload: bytes, timestamp=None, secret=None):
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={_mac(secret or settings.PSP_SIMULATOR_SECRET, timestamp, payload)}"


def verify(header, payload: bytes, now=None, secret=None):
    """Return the signed timestamp, or raise ``NotificationRefused`` (bad format, signature, or age)."""
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(","))
        timestamp = int(parts["t"])
        signature = parts["v1"]
    except (KeyError, ValueError):
        raise NotificationRefused("malformed_signature") from None
    expected = _mac(secret or settings.PSP_SIMULATOR_SECRET, timestamp, payload)
    # Constant-time comparison: a timing difference must not reveal how much of a forgery was right.
    if not hmac.compare_digest(expected, signature):
        raise NotificationRefused("bad_signature")
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise NotificationRefused("stale_timestamp", f"signed at {timestamp}, now {int(now)}")
    return timestamp
