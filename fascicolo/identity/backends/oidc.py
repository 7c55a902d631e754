"""OpenID Connect relying party for SPID and CIE OIDC providers (and the demo provider).

As the SPID/CIE OpenID Connect technical rules require (italia.github.io/spid-cie-oidc-docs): the
authorization code flow with PKCE (S256); the authorization request sent as a **signed request
object** (``request`` parameter, RFC 9101 / OIDC Core §6.1); ``state`` and ``nonce`` kept
server-side in the session and used once; client authentication by ``private_key_jwt`` (or
``client_secret_basic`` for generic providers); the ID token verified with joserfc against the
provider's JWKS (from discovery, cached) with ``iss``/``aud``/``exp``/``iat``/``nonce`` checked
within a configurable clock leeway; ``acr_values`` requested and the returned ``acr`` enforced; the
attributes requested with the ``claims`` parameter and read from **userinfo, a JWT signed by the
provider and encrypted to the portal** (nested JWE → JWS), whose ``sub`` must be the ID token's.
Only the algorithms the rules allow are accepted. docs/identity.md describes every setting.
"""

import base64
import copy
import hashlib
import json
import logging
import secrets
import time
import uuid
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from joserfc import jwe, jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from .. import backchannel, keys
from ..federation import chains
from ..federation.trust_chain import TrustChainError
from ..loa import LoA
from .base import CLAIM_MESSAGES, ConfigProblem, IdentityBackend, VerifiedIdentity, login_failure
from .claims import SPID_FISCAL_NUMBER_CLAIM, TINIT_PREFIX, ClaimMapping, ClaimProblem
from .registry import register

logger = logging.getLogger(__name__)

FISCAL_NUMBER_CLAIM = SPID_FISCAL_NUMBER_CLAIM
FISCAL_NUMBER_PREFIX = TINIT_PREFIX
SIGNING_ALGORITHMS = keys.SIGNING_ALGORITHMS
# Key management and content encryption for the JWEs sent to the portal (its keys are RSA, so the
# ECDH-ES variants CIE also allows do not apply).
ENCRYPTION_ALGORITHMS = ["RSA-OAEP", "RSA-OAEP-256"]
CONTENT_ENCRYPTION_ALGORITHMS = ["A128CBC-HS256", "A256CBC-HS512"]
REQUEST_OBJECT_SECONDS = 120
# The least protection a userinfo answer may carry: ``encrypted`` (a signed JWT inside a JWE, as SPID
# and CIE send it; the default), ``signed`` (a signed JWT), ``json`` (plain JSON, generic providers).
# A more protected answer than the minimum is always accepted.
USERINFO_FORMATS = ("encrypted", "signed", "json")
SESSION_KEY = "identity.oidc.pending"
# How long a started login may take before its state is forgotten, and how many may run at once
# (several tabs): enough for a person, too few to grow the session without bound.
PENDING_SECONDS = 15 * 60
MAX_PENDING = 5
# Providers' clocks run ahead of ours by tens of seconds in practice: two minutes of leeway accept
# that and still refuse a token from ten minutes in the future (IDENTITY_<ID>_CLOCK_LEEWAY).
CLOCK_LEEWAY_SECONDS = 120
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
    "clock": _(
        "L'orologio del gestore dell'identità non è allineato con quello del portale: la sua risposta "
        "risulta emessa nel futuro. Riprova tra qualche minuto; se il problema continua, contatta il Comune."
    ),
    "decryption": _("La risposta del gestore dell'identità non è cifrata per questo portale e non si può leggere."),
    "trust_chain": _(
        "Il portale non ha potuto verificare che il gestore dell'identità faccia parte della federazione "
        "SPID/CIE, quindi per sicurezza non ti ha inviato da lui. Riprova più tardi o scegli un altro modo di accedere."
    ),
    "userinfo_format": _(
        "Il gestore dell'identità ha inviato i tuoi dati senza la protezione richiesta (firma e cifratura): "
        "per sicurezza l'accesso è stato interrotto."
    ),
    **CLAIM_MESSAGES,
}


fail = partial(login_failure, logger, "oidc", MESSAGES)


def pkce_pair():
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def access_token_hash(access_token):
    """``at_hash`` for RS256/ES256/PS256: the left half of the token's SHA-256, base64url (OIDC Core §3.1.3.6)."""
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@register
class OIDCBackend(IdentityBackend):
    """One OpenID Connect provider. Configuration keys (docs/identity.md, "Configuration"):

    - ``issuer``, ``client_id``; ``client_auth``: ``private_key_jwt`` (the default, as SPID/CIE
      require) or ``client_secret_basic`` with ``client_secret``;
    - ``request_object`` (bool, default on): the authorization request as a signed JWT;
    - ``userinfo``: the least protection accepted, one of ``USERINFO_FORMATS`` (default ``encrypted``);
    - ``private_key_file`` (signing) and ``encryption_key_file``: the portal's private JWKs, default
      ``IDENTITY_SIGNING_KEY_FILE`` and ``IDENTITY_ENCRYPTION_KEY_FILE``; ``previous_key_files``:
      retired keys still published and still used to decrypt during a rotation;
    - ``clock_leeway`` (seconds, default ``CLOCK_LEEWAY_SECONDS``);
    - the claim mapping (``backends.claims.ClaimMapping.from_config``);
    - and the base class's.
    """

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
        self.client_auth = self.config.get("client_auth") or "private_key_jwt"
        self.request_object = _flag(self.config.get("request_object"), default=True)
        self.userinfo_format = self.config.get("userinfo") or "encrypted"
        # One relying party, one key pair by default (as its federation entity configuration has
        # one JWKS); a backend may have its own.
        self.private_key_file = self.config.get("private_key_file") or str(settings.IDENTITY_SIGNING_KEY_FILE)
        self.encryption_key_file = self.config.get("encryption_key_file") or str(settings.IDENTITY_ENCRYPTION_KEY_FILE)
        self.previous_key_files = list(self.config.get("previous_key_files") or [])
        self.clock_leeway = self.config.get("clock_leeway")
        self.claim_mapping = ClaimMapping.from_config(self.config)
        # OpenID Federation: with a trust anchor, ``issuer`` is the provider's entity id, its metadata
        # comes from the resolved trust chain, and the client is registered automatically: its
        # client_id is the relying party's entity id (docs/identity.md, "OpenID Federation").
        self.trust_anchor = (self.config.get("trust_anchor") or "").rstrip("/")
        self.entity_id = (self.config.get("entity_id") or settings.SITE_URL).rstrip("/")
        self.authority_hints = list(
            self.config.get("authority_hints") or ([self.trust_anchor] if self.trust_anchor else [])
        )
        self.trust_anchor_jwks_file = self.config.get("trust_anchor_jwks_file") or ""
        self.trust_marks_file = self.config.get("trust_marks_file") or ""
        self.federation_key_file = self.config.get("federation_key_file") or str(settings.IDENTITY_FEDERATION_KEY_FILE)
        if self.federation and not self.client_id:
            self.client_id = self.entity_id

    @property
    def federation(self):
        """Whether the provider is found through an OpenID Federation trust chain."""
        return bool(self.trust_anchor)

    @property
    def signs(self):
        """Whether the portal signs for this provider (client assertions, request objects)."""
        return self.client_auth == "private_key_jwt" or self.request_object

    @property
    def decrypts(self):
        """Whether the provider encrypts to the portal (userinfo)."""
        return self.userinfo_format == "encrypted"

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
        if self.userinfo_format not in USERINFO_FORMATS:
            problems.append(ConfigProblem(f"{name}: userinfo must be one of {', '.join(USERINFO_FORMATS)}"))
        try:
            leeway = self.leeway()
        except (TypeError, ValueError):
            problems.append(ConfigProblem(f"{name}: clock_leeway must be a whole number of seconds"))
        else:
            if not 0 <= leeway <= 300:
                problems.append(ConfigProblem(f"{name}: clock_leeway must be between 0 and 300 seconds"))
        problems += [ConfigProblem(f"{name}: {problem}") for problem in self.claim_mapping.problems()]
        if self.federation:
            problems += self._federation_problems(name)
        key_files = [
            *([self.private_key_file] if self.signs else []),
            *([self.encryption_key_file] if self.decrypts else []),
            *self.previous_key_files,
        ]
        for path in key_files:
            # Generated on first use in development only: production keys are provisioned.
            if not (settings.DEBUG or self.is_demo or Path(path).exists()):
                problems.append(ConfigProblem(f"{name}: key file {path} does not exist"))
        return problems

    def _federation_problems(self, name):
        problems = []
        for what, url in (("trust_anchor", self.trust_anchor), ("entity_id", self.entity_id)):
            if not url.startswith("https://") and not (url.startswith("http://") and (settings.DEBUG or self.is_demo)):
                problems.append(ConfigProblem(f"{name}: {what} must be an https URL"))
        if self.client_id != self.entity_id:
            problems.append(
                ConfigProblem(
                    f"{name}: with OpenID Federation the client_id is the relying party's entity id {self.entity_id}",
                    hint="Leave IDENTITY_<ID>_CLIENT_ID empty (automatic registration).",
                )
            )
        if self.client_auth != "private_key_jwt" or not self.request_object:
            problems.append(ConfigProblem(f"{name}: OpenID Federation needs private_key_jwt and request objects"))
        for path in (self.trust_anchor_jwks_file, self.trust_marks_file):
            if path and not Path(path).exists():
                problems.append(ConfigProblem(f"{name}: file {path} does not exist"))
        if self.trust_anchor_jwks_file and Path(self.trust_anchor_jwks_file).exists():
            try:
                self.trust_anchor_keys()
            except ValueError as exc:
                problems.append(ConfigProblem(f"{name}: {exc}"))
        if not (settings.DEBUG or self.is_demo or Path(self.federation_key_file).exists()):
            problems.append(ConfigProblem(f"{name}: federation key file {self.federation_key_file} does not exist"))
        return problems

    def leeway(self):
        """Seconds of clock difference tolerated on ``iat``, ``nbf`` and ``exp``."""
        return CLOCK_LEEWAY_SECONDS if self.clock_leeway in (None, "") else int(self.clock_leeway)

    # --- The portal's keys -------------------------------------------------------------------------

    def signing_key(self):
        return keys.load_or_create(self.private_key_file, "sig")

    def decryption_keys(self):
        """The current encryption key and the retired ones, as a KeySet (a JWE names its key by kid)."""
        current = keys.load_or_create(self.encryption_key_file, "enc")
        previous = [keys.load_or_create(path) for path in self.previous_key_files]
        return KeySet([current, *(key for key in previous if key.get("use") == "enc")])

    def public_jwks(self):
        """The portal's public keys for this provider: the signing key (client assertions, request
        objects), the encryption key (userinfo), and retired keys during a rotation; ``None`` when the
        provider needs none."""
        if not (self.signs or self.decrypts):
            return None
        current = [
            *([self.signing_key()] if self.signs else []),
            *([keys.load_or_create(self.encryption_key_file, "enc")] if self.decrypts else []),
        ]
        return keys.public_jwks(*current, *(keys.load_or_create(path) for path in self.previous_key_files))

    # --- OpenID Federation: what the relying party says about itself ---------------------------------

    def federation_key(self):
        """The relying party's federation key (signs its entity configuration), not an OIDC key."""
        return keys.load_or_create(self.federation_key_file, "sig")

    def relying_party_metadata(self, request):
        """This backend's part of the ``openid_relying_party`` metadata of the entity configuration
        (SPID/CIE OIDC rules, "Metadata openid_relying_party"; the algorithms those rules allow and
        this backend uses)."""
        contacts = [self.config["contact_email"]] if self.config.get("contact_email") else []
        return {
            "client_id": self.entity_id,
            "client_registration_types": ["automatic"],
            "client_name": settings.MUNICIPALITY["name"],
            "organization_name": settings.MUNICIPALITY["name"],
            **({"contacts": contacts} if contacts else {}),
            "application_type": "web",
            "redirect_uris": [self.redirect_uri(request)],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "jwks": self.public_jwks(),
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "request_object_signing_alg": "RS256",
            "id_token_signed_response_alg": "RS256",
            "userinfo_signed_response_alg": "RS256",
            "userinfo_encrypted_response_alg": ENCRYPTION_ALGORITHMS[0],
            "userinfo_encrypted_response_enc": CONTENT_ENCRYPTION_ALGORITHMS[-1],
        }

    def _client_authentication(self, token_endpoint):
        """``(data, auth)`` for the token request."""
        if self.client_auth != "private_key_jwt":
            return {}, (self.client_id, self.client_secret)
        key = self.signing_key()
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

    def trust_anchor_keys(self):
        """The trust anchor's federation keys pinned in ``trust_anchor_jwks_file`` (a KeySet), or
        ``None`` when there is no file; ``ValueError`` saying why when the file is not a JWKS."""
        if not self.trust_anchor_jwks_file:
            return None
        try:
            return KeySet.import_key_set(json.loads(Path(self.trust_anchor_jwks_file).read_text()))
        except (OSError, ValueError, TypeError, KeyError, AttributeError, JoseError) as exc:
            raise ValueError(
                f"trust anchor JWKS file {self.trust_anchor_jwks_file} is not a JWKS ({type(exc).__name__}: {exc})"
            ) from exc

    def trust_chain(self, refresh=False):
        """The provider's resolved trust chain (``federation.trust_chain.TrustChain``), from the cache or
        resolved now; ``LoginFailed`` with reason ``trust_chain:<why>`` when there is none."""
        try:
            anchor_keys = self.trust_anchor_keys()
        except ValueError as exc:
            raise fail("trust_chain:trust_anchor_keys", str(exc)) from exc
        try:
            return chains.get(
                self.issuer, self.trust_anchor, entity_type="openid_provider", refresh=refresh,
                trust_anchor_keys=anchor_keys, leeway=self.leeway(), session=backchannel.session(self.in_process),
            )  # fmt: skip
        except TrustChainError as exc:
            raise fail(f"trust_chain:{exc.reason}", f"{self.issuer} to {self.trust_anchor}: {exc.detail}") from exc

    def metadata(self, refresh=False):
        if self.federation:
            data = self.trust_chain(refresh=refresh).metadata["openid_provider"]
            if str(data.get("issuer", "")).rstrip("/") != self.issuer:
                raise fail("trust_chain:metadata", f"openid_provider metadata names issuer {data.get('issuer')!r}")
            return data
        data = cache.get(self._cache_key("discovery"))
        if data is None:
            data = self._get_json(f"{self.issuer}{DISCOVERY_SUFFIX}")
            if data.get("issuer", "").rstrip("/") != self.issuer:
                raise fail("provider_error", f"discovery names issuer {data.get('issuer')!r}")
            cache.set(self._cache_key("discovery"), data, settings.IDENTITY_METADATA_CACHE_SECONDS)
        return data

    def jwks(self, refresh=False):
        if self.federation:
            # SPID/CIE providers publish their keys in their metadata; a refresh resolves the chain again.
            metadata = self.metadata(refresh=refresh)
            if metadata.get("jwks"):
                data = metadata["jwks"]
            elif metadata.get("jwks_uri"):
                data = self._get_json(metadata["jwks_uri"])
            else:
                raise fail("trust_chain:metadata", "openid_provider metadata has neither jwks nor jwks_uri")
        else:
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
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": pending[state]["redirect_uri"],
            "scope": "openid",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "acr_values": LoA(level).acr,
            # SPID forbids the profile scope: attributes are asked for one by one, for userinfo.
            "claims": {"userinfo": {claim: {"essential": True} for claim in self.claim_mapping.requested()}},
            # SPID asks for a fresh authentication and the consent page at every login of a service
            # provider: "consent login" (authorization_endpoint, "prompt"; the official SDK's OP accepts
            # only "consent" or "consent login").
            "prompt": "consent login",
        }
        if not self.federation:
            # The official SDK's OP (the federation's reference) refuses ui_locales as the string OIDC
            # defines, and its RP sends none: federation providers get none.
            params["ui_locales"] = get_language() or settings.LANGUAGE_CODE
        if self.request_object:
            # SPID: client_id, response_type and scope travel both outside and inside the signed
            # request object; PKCE's challenge too (authorization_endpoint, "Request").
            query = {name: params[name] for name in ("client_id", "response_type", "scope")}
            query.update(
                code_challenge=challenge,
                code_challenge_method="S256",
                request=self._sign_request_object(params),
            )
        else:
            query = {**params, "claims": _json(params["claims"])}
        return redirect(f"{metadata['authorization_endpoint']}?{urlencode(query)}")

    def _sign_request_object(self, params):
        """The authorization request as a JWT signed with the portal's key (RFC 9101; OIDC Core §6.1)."""
        key = self.signing_key()
        now = int(time.time())
        claims = {
            **params, "iss": self.client_id, "aud": self.issuer,
            "iat": now, "exp": now + REQUEST_OBJECT_SECONDS, "jti": uuid.uuid4().hex,
        }  # fmt: skip
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "oauth-authz-req+jwt"}, claims, key)

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
        try:
            attributes = self.claim_mapping.read(userinfo)
        except ClaimProblem as problem:
            raise fail(problem.reason, problem.detail, fiscal_code=problem.fiscal_code) from problem

        identity = VerifiedIdentity(
            fiscal_code=attributes.fiscal_code,
            given_name=attributes.given_name,
            family_name=attributes.family_name,
            birth_date=attributes.birth_date,
            birth_place=attributes.birth_place,
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

    def _decrypt(self, token):
        """The JWS inside a JWE encrypted to one of the portal's keys (RFC 7519 §5.2, nested JWT)."""
        if not self.decrypts:
            raise fail("decryption", "encrypted answer, but this backend publishes no encryption key")
        try:
            encrypted = jwe.decrypt_compact(
                token, self.decryption_keys(), algorithms=[*ENCRYPTION_ALGORITHMS, *CONTENT_ENCRYPTION_ALGORITHMS]
            )
        except (JoseError, ValueError) as exc:
            raise fail("decryption", f"{type(exc).__name__}: {exc}") from exc
        if str(encrypted.protected.get("cty", "JWT")).upper() != "JWT":
            raise fail("decryption", f"cty {encrypted.protected.get('cty')!r}, expected JWT")
        return encrypted.plaintext.decode("ascii", errors="replace")

    def _decode(self, token):
        """Verify a JWT's signature against the provider's keys (fetched again once, for rotation);
        an encrypted one (five parts) is decrypted first."""
        if not token or not isinstance(token, str):
            raise fail("signature", "no token")
        if token.count(".") == 4:
            token = self._decrypt(token)
        for refresh in (False, True):
            try:
                return jwt.decode(token, self.jwks(refresh=refresh), algorithms=SIGNING_ALGORITHMS)
            except (JoseError, ValueError) as exc:
                error = exc
        raise fail("signature", f"{type(error).__name__}: {error}") from error

    def _validate(self, claims, what, **options):
        """Check ``claims`` against this provider and ``options``; clock problems get their own reason."""
        leeway = self.leeway()
        registry = JWTClaimsRegistry(
            leeway=leeway,
            **{
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "sub": {"essential": True},
                **options,
            },
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise fail("expired", f"{what}: exp {claims.get('exp')} is {_ago(claims.get('exp'))}") from exc
        except InvalidClaimError as exc:
            if exc.claim in ("iat", "nbf") and isinstance(claims.get(exc.claim), (int, float)):
                ahead = int(claims[exc.claim] - time.time())
                raise fail(
                    "clock",
                    f"{what}: {exc.claim} is {ahead} s ahead of this server's clock (leeway {leeway} s); "
                    "check the provider's and this server's time synchronisation",
                ) from exc
            raise fail(f"claims:{exc.claim}", f"{what}: {exc}") from exc
        except MissingClaimError as exc:
            raise fail(f"claims:{exc.claim}", f"{what}: {exc}") from exc
        except JoseError as exc:
            raise fail("claims", f"{what}: {exc}") from exc

    def _verify_id_token(self, id_token, nonce):
        token = self._decode(id_token)
        self._validate(
            token.claims,
            "ID token",
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
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
        body = response.text.strip()
        if response.headers.get("Content-Type", "").startswith(("application/jwt", "application/jose")):
            protection = "encrypted" if body.count(".") == 4 else "signed"
        else:
            protection = "json"
        if USERINFO_FORMATS.index(protection) > USERINFO_FORMATS.index(self.userinfo_format):
            raise fail("userinfo_format", f"userinfo is {protection}, this backend requires {self.userinfo_format}")
        if protection == "json":
            try:
                userinfo = response.json()
            except ValueError as exc:
                raise fail("provider_error", "userinfo is not JSON") from exc
        else:
            userinfo = self._decode(body).claims
            # OIDC Core §5.3.2: a signed userinfo SHOULD carry iss and aud; when it does they must be
            # right. The official SDK's OP sends neither; the signature and sub bind it to this login.
            self._validate(
                userinfo,
                "userinfo",
                iss={"essential": False, "value": self.issuer},
                aud={"essential": False, "value": self.client_id},
            )
        if not isinstance(userinfo, dict) or userinfo.get("sub") != subject:
            raise fail("claims:sub", "userinfo sub differs from the ID token's")
        return userinfo


def _json(value):
    return json.dumps(value, separators=(",", ":"))


def _flag(value, *, default):
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _ago(timestamp):
    try:
        return f"{int(time.time() - timestamp)} s in the past"
    except TypeError:
        return "not a number"
