"""OpenID Connect relying party for SPID and CIE OIDC providers (and the demo provider).

The authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept server-side in the
session and used once, the ID token verified with joserfc against the provider's JWKS (from
discovery, cached), ``iss``/``aud``/``exp``/``iat``/``nonce`` checked, ``acr_values`` requested and
the returned ``acr`` enforced, and the SPID attributes requested with the ``claims`` parameter and
read from userinfo (docs/domain.md §2). Client authentication at the token endpoint is
``client_secret_basic`` or, as SPID/CIE require, ``private_key_jwt`` (docs/identity.md).
"""

import base64
import copy
import hashlib
import json
import logging
import secrets
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from registry.codicefiscale import InvalidCodiceFiscale, parse_codice_fiscale

from .. import backchannel, keys
from ..loa import LoA
from .base import ConfigProblem, IdentityBackend, LoginFailed, VerifiedIdentity
from .registry import register

logger = logging.getLogger(__name__)

FISCAL_NUMBER_CLAIM = "https://attributes.eid.gov.it/fiscal_number"
FISCAL_NUMBER_PREFIX = "TINIT-"
# The attributes the portal needs, requested as SPID requires: in the ``claims`` parameter, for
# userinfo (SPID forbids the ``profile`` scope; CIE accepts the same request).
USERINFO_CLAIMS = (FISCAL_NUMBER_CLAIM, "given_name", "family_name", "birthdate")
SIGNING_ALGORITHMS = ["RS256", "RS512", "ES256", "PS256"]
SESSION_KEY = "identity.oidc.pending"
# How long a started login may take before its state is forgotten, and how many may run at once
# (several tabs): enough for a person, too few to grow the session without bound.
PENDING_SECONDS = 15 * 60
MAX_PENDING = 5
CLOCK_LEEWAY_SECONDS = 30
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
# The issuer of the demo provider served by this same server, at whatever address the request came
# in on (so `make run` works on any host and port without setting SITE_URL).
SELF_ISSUER = "self"
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"

MESSAGES = {
    "state": _("La richiesta di accesso non è valida o è già stata usata. Ricomincia l'accesso."),
    "cancelled": _("L'accesso è stato annullato presso il gestore dell'identità."),
    "provider_error": _("Il gestore dell'identità ha rifiutato l'accesso. Riprova più tardi."),
    "provider_unreachable": _("Il gestore dell'identità non risponde. Riprova tra qualche minuto."),
    "token": _("Il gestore dell'identità non ha confermato l'accesso: il codice è scaduto o già usato."),
    "client_auth": _("Il gestore dell'identità non ha riconosciuto questo portale. Contatta il Comune."),
    "signature": _("La risposta del gestore dell'identità non ha una firma valida."),
    "claims": _("La risposta del gestore dell'identità non è destinata a questo portale o non è valida."),
    "expired": _("La risposta del gestore dell'identità è scaduta. Ricomincia l'accesso."),
    "acr": _("L'accesso è avvenuto con un livello di sicurezza inferiore a quello richiesto."),
    "fiscal_number_missing": _("Il gestore dell'identità non ha comunicato il codice fiscale."),
    "fiscal_number_invalid": _("Il codice fiscale comunicato dal gestore dell'identità non è valido."),
}


def fail(reason, detail="", **kwargs):
    """A ``LoginFailed`` with the resident-facing message for ``reason``; ``detail`` goes to the log."""
    logger.warning("oidc login failed", extra={"reason": reason, "detail": detail})
    return LoginFailed(reason, MESSAGES[reason.split(":", 1)[0]], **kwargs)


def pkce_pair():
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def access_token_hash(access_token):
    """``at_hash`` for RS256/ES256/PS256: the left half of the token's SHA-256, base64url (OIDC Core §3.1.3.6)."""
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def fiscal_code_from_claim(value):
    """The codice fiscale in a ``fiscal_number`` claim (``TINIT-`` stripped), validated; ``LoginFailed``."""
    if not value or not isinstance(value, str):
        raise fail("fiscal_number_missing")
    code = value.removeprefix(FISCAL_NUMBER_PREFIX)
    try:
        return parse_codice_fiscale(code)
    except InvalidCodiceFiscale as exc:
        raise fail("fiscal_number_invalid", exc.code, fiscal_code=code[:16]) from exc


@register
class OIDCBackend(IdentityBackend):
    """Configuration keys: ``issuer``, ``client_id``, ``client_auth`` (``client_secret_basic``, the
    default, with ``client_secret``; or ``private_key_jwt`` with ``private_key_file``, a private JWK
    whose public half the portal publishes at ``/accesso/<id>/jwks.json``), and the base class's."""

    type = "oidc"

    def __init__(self, config):
        super().__init__(config)
        self.issuer = (self.config.get("issuer") or "").rstrip("/")
        if self.issuer == SELF_ISSUER:
            self.is_demo = True
        # Back-channel URL prefixes answered in-process, besides IDENTITY_IN_PROCESS_PREFIXES.
        self.in_process = ()
        self.client_id = self.config.get("client_id") or ""
        self.client_secret = self.config.get("client_secret") or ""
        self.client_auth = self.config.get("client_auth") or "client_secret_basic"
        self.private_key_file = self.config.get("private_key_file") or ""

    def check_config(self):
        problems = []
        name = f"identity backend {self.id!r}"
        if self.issuer == SELF_ISSUER:
            if not settings.DEMO_IDP_ENABLED:
                problems.append(ConfigProblem(f"{name}: issuer 'self' needs the demo provider (DEMO_IDP)"))
        elif not self.issuer.startswith(("https://", "http://")):
            problems.append(ConfigProblem(f"{name}: issuer must be an http(s) URL"))
        elif self.issuer.startswith("http://") and not (settings.DEBUG or self.is_demo):
            problems.append(ConfigProblem(f"{name}: issuer must use https"))
        if not self.client_id:
            problems.append(ConfigProblem(f"{name}: client_id is missing"))
        if self.client_auth not in CLIENT_AUTH_METHODS:
            problems.append(ConfigProblem(f"{name}: client_auth must be one of {', '.join(CLIENT_AUTH_METHODS)}"))
        elif self.client_auth == "client_secret_basic" and not self.client_secret:
            problems.append(ConfigProblem(f"{name}: client_secret is missing"))
        elif self.client_auth == "private_key_jwt" and not self.private_key_file:
            problems.append(ConfigProblem(f"{name}: private_key_file is missing"))
        elif self.client_auth == "private_key_jwt" and not (settings.DEBUG or Path(self.private_key_file).exists()):
            # Generated on first use in development only: production keys are provisioned.
            problems.append(ConfigProblem(f"{name}: private_key_file {self.private_key_file} does not exist"))
        return problems

    def public_jwks(self):
        """The portal's public key for this provider (``private_key_jwt``), or ``None``."""
        if self.client_auth != "private_key_jwt":
            return None
        return keys.public_jwks(keys.load_or_create(self.private_key_file))

    def _client_authentication(self, token_endpoint):
        """``(data, auth)`` for the token request."""
        if self.client_auth != "private_key_jwt":
            return {}, (self.client_id, self.client_secret)
        key = keys.load_or_create(self.private_key_file)
        now = int(time.time())
        claims = {
            "iss": self.client_id, "sub": self.client_id, "aud": token_endpoint,
            "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex,
        }  # fmt: skip
        assertion = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
        return {
            "client_id": self.client_id,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion,
        }, None

    def bound(self, request):
        """This backend with ``issuer: self`` resolved to this server's demo provider, as addressed by
        ``request``; its back-channel calls to this server are then answered in-process."""
        if self.issuer != SELF_ISSUER:
            return self
        bound = copy.copy(self)
        bound.issuer = request.build_absolute_uri(reverse("demo_idp:discovery")).removesuffix(DISCOVERY_SUFFIX)
        bound.in_process = (f"{bound.issuer}/",)
        return bound

    # --- Provider metadata, cached in the shared cache ------------------------------------------

    def _cache_key(self, what):
        return f"identity:oidc:{what}:{hashlib.sha256(self.issuer.encode()).hexdigest()[:24]}"

    def _get_json(self, url):
        try:
            response = backchannel.session(self.in_process).get(url, timeout=backchannel.TIMEOUT)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise fail("provider_unreachable", f"{url}: {exc}") from exc

    def metadata(self):
        data = cache.get(self._cache_key("discovery"))
        if data is None:
            data = self._get_json(f"{self.issuer}{DISCOVERY_SUFFIX}")
            if data.get("issuer", "").rstrip("/") != self.issuer:
                raise fail("provider_error", f"discovery names issuer {data.get('issuer')!r}")
            cache.set(self._cache_key("discovery"), data, settings.IDENTITY_METADATA_CACHE_SECONDS)
        return data

    def jwks(self, refresh=False):
        data = None if refresh else cache.get(self._cache_key("jwks"))
        if data is None:
            data = self._get_json(self.metadata()["jwks_uri"])
            cache.set(self._cache_key("jwks"), data, settings.IDENTITY_METADATA_CACHE_SECONDS)
        try:
            return KeySet.import_key_set(data)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise fail("provider_error", f"bad JWKS: {exc}") from exc

    # --- Starting the login ------------------------------------------------------------------------

    def redirect_uri(self, request):
        return request.build_absolute_uri(reverse("identity:callback", args=[self.id]))

    def start_login(self, request, level, next_url):
        if self.issuer == SELF_ISSUER:
            return self.bound(request).start_login(request, level, next_url)
        metadata = self.metadata()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        pending = {
            key: value
            for key, value in request.session.get(SESSION_KEY, {}).items()
            if value["started"] > time.time() - PENDING_SECONDS
        }
        while len(pending) >= MAX_PENDING:
            pending.pop(min(pending, key=lambda key: pending[key]["started"]))
        pending[state] = {
            "backend": self.id,
            "nonce": nonce,
            "verifier": verifier,
            "level": int(level),
            "next": next_url,
            "redirect_uri": self.redirect_uri(request),
            "started": time.time(),
        }
        request.session[SESSION_KEY] = pending
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": pending[state]["redirect_uri"],
            "scope": "openid",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "acr_values": LoA(level).acr,
            "claims": _json({"userinfo": {claim: {"essential": True} for claim in USERINFO_CLAIMS}}),
            # SPID asks for a fresh authentication at every login of a service provider.
            "prompt": "login",
            "ui_locales": get_language() or settings.LANGUAGE_CODE,
        }
        return redirect(f"{metadata['authorization_endpoint']}?{urlencode(query)}")

    # --- The return from the provider --------------------------------------------------------------

    def handle_callback(self, request):
        if self.issuer == SELF_ISSUER:
            return self.bound(request).handle_callback(request)
        state = request.GET.get("state", "")
        pending_all = request.session.get(SESSION_KEY, {})
        # Single use: the state leaves the session before anything else is looked at.
        pending = pending_all.pop(state, None) if state else None
        request.session[SESSION_KEY] = pending_all
        if pending is None or pending["backend"] != self.id or pending["started"] < time.time() - PENDING_SECONDS:
            raise fail("state", "unknown, used or expired state")
        if "error" in request.GET:
            reason = "cancelled" if request.GET["error"] == "access_denied" else "provider_error"
            raise fail(reason, request.GET.get("error_description", request.GET["error"]))
        code = request.GET.get("code")
        if not code:
            raise fail("provider_error", "no code")
        # RFC 9207 (CIE sends it): an answer naming another issuer is a mix-up, not this login.
        if "iss" in request.GET and request.GET["iss"].rstrip("/") != self.issuer:
            raise fail("claims:iss", f"authorization response from {request.GET['iss']!r}")

        tokens = self._exchange_code(code, pending)
        claims = self._verify_id_token(tokens.get("id_token"), pending["nonce"])
        # SPID ID tokens carry at_hash: the access token must be the one this ID token was issued with.
        at_hash = claims.get("at_hash")
        if at_hash is not None and at_hash != access_token_hash(str(tokens.get("access_token", ""))):
            raise fail("claims:at_hash", "at_hash does not match the access token")
        level = self._achieved_level(claims, LoA(pending["level"]))
        userinfo = self._userinfo(tokens.get("access_token"), claims["sub"])
        cf = fiscal_code_from_claim(userinfo.get(FISCAL_NUMBER_CLAIM) or userinfo.get("fiscal_number"))

        identity = VerifiedIdentity(
            fiscal_code=cf.code,
            given_name=str(userinfo.get("given_name") or ""),
            family_name=str(userinfo.get("family_name") or ""),
            birth_date=_parse_date(userinfo.get("birthdate")),
            loa=level,
            backend_id=self.id,
            subject=str(claims["sub"]),
        )
        return identity, pending["next"]

    def _exchange_code(self, code, pending):
        token_endpoint = self.metadata()["token_endpoint"]
        client_data, client_auth = self._client_authentication(token_endpoint)
        try:
            response = backchannel.session(self.in_process).post(
                token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": pending["redirect_uri"],
                    "code_verifier": pending["verifier"],
                    **client_data,
                },
                auth=client_auth,
                headers={"Accept": "application/json"},
                timeout=backchannel.TIMEOUT,
            )
        except requests.RequestException as exc:
            raise fail("provider_unreachable", str(exc)) from exc
        if response.status_code == 401:
            raise fail("client_auth", response.text[:200])
        if response.status_code != 200:
            raise fail("token", f"{response.status_code} {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise fail("provider_error", "token response is not JSON") from exc

    def _decode(self, token):
        """Verify a JWT's signature against the provider's keys (fetched again once, for rotation)."""
        if not token or not isinstance(token, str):
            raise fail("signature", "no token")
        for refresh in (False, True):
            try:
                return jwt.decode(token, self.jwks(refresh=refresh), algorithms=SIGNING_ALGORITHMS)
            except (JoseError, ValueError) as exc:
                error = exc
        raise fail("signature", str(error)) from error

    def _claims_registry(self, **extra):
        return JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            **extra,
        )

    def _verify_id_token(self, id_token, nonce):
        token = self._decode(id_token)
        registry = self._claims_registry(
            exp={"essential": True}, iat={"essential": True}, nonce={"essential": True, "value": nonce}
        )
        try:
            registry.validate(token.claims)
        except ExpiredTokenError as exc:
            raise fail("expired", str(exc)) from exc
        except (InvalidClaimError, MissingClaimError) as exc:
            raise fail(f"claims:{exc.claim}", str(exc)) from exc
        except JoseError as exc:
            raise fail("claims", str(exc)) from exc
        # With several audiences, the authorized party must be this client (OIDC Core §3.1.3.7).
        aud = token.claims["aud"]
        if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != self.client_id:
            raise fail("claims:azp", "azp")
        return token.claims

    def _achieved_level(self, claims, requested):
        try:
            level = LoA.from_acr(claims.get("acr"))
        except ValueError as exc:
            raise fail("acr", f"unknown acr {claims.get('acr')!r}") from exc
        if level < requested:
            raise fail("acr", f"acr {level.acr} below {requested.acr}")
        return level

    def _userinfo(self, access_token, subject):
        if not access_token:
            raise fail("token", "no access token")
        try:
            response = backchannel.session(self.in_process).get(
                self.metadata()["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=backchannel.TIMEOUT,
            )
        except requests.RequestException as exc:
            raise fail("provider_unreachable", str(exc)) from exc
        if response.status_code != 200:
            raise fail("token", f"userinfo {response.status_code}")
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            # SPID returns userinfo as a signed JWT (encrypted too, which this backend does not ask for).
            token = self._decode(response.text.strip())
            try:
                self._claims_registry().validate(token.claims)
            except JoseError as exc:
                raise fail("claims", f"userinfo: {exc}") from exc
            userinfo = token.claims
        else:
            try:
                userinfo = response.json()
            except ValueError as exc:
                raise fail("provider_error", "userinfo is not JSON") from exc
        if not isinstance(userinfo, dict) or userinfo.get("sub") != subject:
            raise fail("claims:sub", "userinfo sub differs from the ID token's")
        return userinfo


def _json(value):
    return json.dumps(value, separators=(",", ":"))


def _parse_date(value):
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
