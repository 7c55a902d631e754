"""App tokens: short-lived bearer keys a resident signed in at level 2 creates for the municipality's app.

A token is stored as the SHA-256 of its key (the key itself is shown once), lives
``API_TOKEN_LIFETIME`` and carries the level of assurance of the login that created it, so the API
applies the same ``require_loa`` rules (``fascicolo.api.permissions``). Reads take the owner first:
another resident's token id is simply not found (404).
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken
from .services import fiscal_code_for_user

API_TOKEN_LIFETIME = timedelta(hours=1)
API_TOKEN_PREFIX = "fdc_"  # noqa: S105  (a public marker, not a secret)


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def tokens_for(user):
    return ApiToken.objects.filter(user=user)


def active_tokens_for(user):
    return tokens_for(user).filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def token_for(user, token_id):
    """One of the user's tokens by id; ``Http404`` for anyone else's or a malformed id."""
    try:
        return tokens_for(user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def create_api_token(user, *, name, loa):
    """A new bearer token for the app, valid for ``API_TOKEN_LIFETIME``; returns (token, raw key).

    The raw key is shown once and never stored. ``PermissionDenied`` for a user who is not a resident.
    """
    if fiscal_code_for_user(user) is None:
        raise PermissionDenied(_("Solo i cittadini possono creare token per l'app."))
    name = (name or "").strip()[:100] or _("App del Comune")
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(raw),
        prefix=raw[: len(API_TOKEN_PREFIX) + 6],
        loa=int(loa),
        expires_at=timezone.now() + API_TOKEN_LIFETIME,
    )
    return token, raw


def revoke_api_token(user, token_id):
    token = token_for(user, token_id)
    if token.revoked_at is None:
        tokens_for(user).filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db(fields=["revoked_at"])
    return token


def revoke_all_api_tokens(user):
    """Revoke every live token of the user (at logout); returns how many were live."""
    return tokens_for(user).filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_for_key(raw):
    """The live token for a raw bearer key, or ``None`` (unknown, expired or revoked)."""
    if not raw or not raw.startswith(API_TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        # Written at most once a minute: a busy app must not turn every read into a write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
