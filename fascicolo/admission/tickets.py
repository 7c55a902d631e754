"""The waiting-room ticket a browser holds: a random token, signed and bound to that browser.

Two cookies: ``fascicolo_queue_key`` holds a random secret of the browser; ``fascicolo_queue`` holds
the ticket, ``signing.dumps({"t": token, "b": binding})`` with a timestamp, where ``binding`` is the
SHA-256 of the secret. A ticket whose signature is wrong (forged or altered), which is older than a
day (replayed later), or whose binding does not match the browser's secret (copied to another
browser) is refused, and the browser gets a new ticket at the end of the line. The ticket carries no
place in line: Redis keeps that (``queue.py``), so there is nothing in it to jump.
"""

import hashlib
import secrets

from django.conf import settings
from django.core import signing

TICKET_COOKIE = "fascicolo_queue"
SECRET_COOKIE = "fascicolo_queue_key"  # noqa: S105  (a cookie name, not a secret)
SALT = "fascicolo.admission.ticket"
MAX_AGE_SECONDS = 86400


def _binding(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def read(request):
    """The token of the request's valid ticket, or ``None`` (no ticket, forged, stale or not this browser's)."""
    ticket, secret = request.COOKIES.get(TICKET_COOKIE), request.COOKIES.get(SECRET_COOKIE)
    if not ticket or not secret:
        return None
    try:
        payload = signing.loads(ticket, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not secrets.compare_digest(str(payload.get("b", "")), _binding(secret)):
        return None
    return payload.get("t") or None


def issue(request):
    """A new ``(token, cookies)`` for this browser, keeping its secret when it has one."""
    secret = request.COOKIES.get(SECRET_COOKIE) or secrets.token_urlsafe(32)
    token = secrets.token_urlsafe(16)
    ticket = signing.dumps({"t": token, "b": _binding(secret)}, salt=SALT)
    return token, {SECRET_COOKIE: secret, TICKET_COOKIE: ticket}


def set_cookies(response, cookies):
    for name, value in cookies.items():
        response.set_cookie(
            name,
            value,
            max_age=MAX_AGE_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
