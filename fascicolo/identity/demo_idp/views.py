"""The demo provider's endpoints: discovery, JWKS, authorize (a login page), token, userinfo.

It follows the SPID/CIE OpenID Connect profile (italia.github.io/spid-cie-oidc-docs): the
authorization request as a **signed request object** verified against the client's published JWKS
(required for clients registered with a ``jwks_uri``), ``acr`` values SpidL1–L3, PKCE S256 required,
``private_key_jwt``, attributes requested with the ``claims`` parameter and released by userinfo as a
JWT **signed by the provider and encrypted to the client** (RSA-OAEP / A256CBC-HS512, ``cty: JWT``),
``fiscal_number`` with the ``TINIT-`` prefix. Test knobs (``DEMO_IDP_FAULTS``, in the test settings only) make it
misbehave in the ways a real provider, or an attacker in the middle, could — so the portal's checks
can be tested over real HTTP. ``unavailable`` makes every endpoint answer 503, ``<view>_unavailable``
(``token_unavailable``, ``authorize_unavailable``…) one of them, as an overloaded provider does.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from registry.codicefiscale import InvalidCodiceFiscale, parse_codice_fiscale
from registry.models import Person

from .. import backchannel
from ..backends.oidc import (
    CLIENT_ASSERTION_TYPE,
    CONTENT_ENCRYPTION_ALGORITHMS,
    ENCRYPTION_ALGORITHMS,
    FISCAL_NUMBER_CLAIM,
    FISCAL_NUMBER_PREFIX,
    SIGNING_ALGORITHMS,
    access_token_hash,
)
from ..loa import LoA
from . import keys
from .models import Grant
from .residents import demo_residents

CODE_SECONDS = 60
TOKEN_SECONDS = 300
ID_TOKEN_SECONDS = 300
# The SPID/CIE attributes, and the names brokers use for the fiscal number (``nin``, ``fiscal_number``).
SUPPORTED_CLAIMS = [FISCAL_NUMBER_CLAIM, "given_name", "family_name", "birthdate", "place_of_birth"]
BROKER_FISCAL_NUMBER_CLAIMS = ["nin", "fiscal_number"]
# What the login page carries between showing the form and its submission, signed by this server.
AUTHORIZATION_SALT = "fascicolo.identity.demo_idp.authorize"
AUTHORIZATION_SECONDS = 15 * 60
AUTHORIZATION_PARAMS = (
    "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method",
    "response_type", "scope", "acr_values", "claims",
)  # fmt: skip


def enabled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.DEMO_IDP_ENABLED:
            raise Http404
        if "unavailable" in faults() or f"{view.__name__}_unavailable" in faults():
            # An overloaded or broken provider (the "bonus bici" click day): every endpoint, or one.
            response = HttpResponse("Servizio non disponibile", status=503, content_type="text/plain")
            response["Retry-After"] = "30"
            return _no_store(response)
        return view(request, *args, **kwargs)

    return wrapped


def issuer(request):
    return request.build_absolute_uri(reverse("demo_idp:discovery")).removesuffix("/.well-known/openid-configuration")


def faults():
    # A test setting only (fascicolo/test_settings.py): production settings have no such knob.
    return set(getattr(settings, "DEMO_IDP_FAULTS", ()))


def clock_offset():
    """Seconds this provider's clock runs ahead (fault ``clock_ahead:<seconds>``), else 0."""
    for fault in faults():
        name, _sep, seconds = fault.partition(":")
        if name == "clock_ahead":
            return int(seconds)
    return 0


def _hash(value):
    return hashlib.sha256(value.encode()).hexdigest()


def _no_store(response):
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def oauth_error(error, description, status=400):
    return _no_store(JsonResponse({"error": error, "error_description": description}, status=status))


@enabled
@require_GET
def discovery(request):
    base = issuer(request)
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": request.build_absolute_uri(reverse("demo_idp:authorize")),
            "token_endpoint": request.build_absolute_uri(reverse("demo_idp:token")),
            "userinfo_endpoint": request.build_absolute_uri(reverse("demo_idp:userinfo")),
            "jwks_uri": request.build_absolute_uri(reverse("demo_idp:jwks")),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "userinfo_encryption_alg_values_supported": ENCRYPTION_ALGORITHMS,
            "userinfo_encryption_enc_values_supported": CONTENT_ENCRYPTION_ALGORITHMS,
            "request_parameter_supported": True,
            "request_object_signing_alg_values_supported": SIGNING_ALGORITHMS,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid"],
            "acr_values_supported": [level.acr for level in LoA],
            "claims_parameter_supported": True,
            "claims_supported": ["sub", "acr", *SUPPORTED_CLAIMS, *BROKER_FISCAL_NUMBER_CLAIMS],
            "prompt_values_supported": ["login", "consent"],
            "ui_locales_supported": ["it", "en"],
        }
    )


@enabled
@require_GET
def jwks(request):
    return JsonResponse(keys.public_jwks())


# --- Authorize: the login page ---------------------------------------------------------------------


class AuthorizeError(Exception):
    """A request the provider must not redirect back (unknown client or redirect URI, forged request)."""


class RedirectedError(Exception):
    """A request refused with an OAuth error sent back to the client's (verified) redirect URI."""

    def __init__(self, error, description, redirect_uri="", state=""):
        self.error, self.description = error, description
        self.redirect_uri, self.state = redirect_uri, state
        super().__init__(f"{error}: {description}")


def _client(client_id):
    """A registered client, as OpenID Connect client metadata.

    ``DEMO_IDP_CLIENTS`` maps ids to a secret (a plain client: no request object, signed userinfo),
    or to a dict with ``secret`` and/or ``jwks_uri`` (where the client publishes its keys; a path is
    on this provider's own host). A client with a ``jwks_uri`` gets the SPID/CIE profile unless its
    entry says otherwise: ``require_signed_request_object`` (default true),
    ``userinfo_encrypted_response_alg`` / ``_enc`` (default RSA-OAEP / A256CBC-HS512; ``None``: signed only).
    """
    entry = settings.DEMO_IDP_CLIENTS.get(client_id)
    if entry is None:
        return None
    client = {"secret": entry} if isinstance(entry, str) else dict(entry)
    full_profile = bool(client.get("jwks_uri"))
    client.setdefault("require_signed_request_object", full_profile)
    client.setdefault("userinfo_encrypted_response_alg", "RSA-OAEP" if full_profile else None)
    client.setdefault("userinfo_encrypted_response_enc", "A256CBC-HS512")
    return client


def _client_keys(request, client):
    """The client's public keys, fetched from its ``jwks_uri``; a path there is this server's own
    portal, answered in-process (a one-thread server cannot call itself over a socket)."""
    uri = client.get("jwks_uri")
    if not uri:
        raise ValueError("the client publishes no keys")
    in_process = ()
    if uri.startswith("/"):
        uri = request.build_absolute_uri(uri)
        in_process = (uri,)
    response = backchannel.session(in_process).get(uri, timeout=backchannel.TIMEOUT)
    response.raise_for_status()
    return KeySet.import_key_set(response.json())


def _validate_redirect(request, client_id, redirect_uri):
    if _client(client_id) is None:
        raise AuthorizeError(_("Client sconosciuto."))
    parts = urlsplit(redirect_uri)
    # Demo clients may come back only to the host that serves the provider (the portal itself).
    if parts.scheme not in ("http", "https") or parts.netloc != request.get_host() or parts.fragment:
        raise AuthorizeError(_("Indirizzo di ritorno non ammesso."))


def _error_redirect(redirect_uri, state, error, description):
    query = {"error": error, "error_description": description, "state": state}
    return HttpResponseRedirect(f"{redirect_uri}?{urlencode(query)}")


def _requested_level(acr_values):
    levels = []
    for value in (acr_values or "").split():
        try:
            levels.append(LoA.from_acr(value))
        except ValueError:
            continue
    return min(levels) if levels else LoA.L2


def _requested_userinfo_claims(raw):
    try:
        claims = raw if isinstance(raw, dict) else json.loads(raw or "{}")
        claims = claims.get("userinfo") or {}
    except (ValueError, AttributeError):
        return []
    known = [*SUPPORTED_CLAIMS, *BROKER_FISCAL_NUMBER_CLAIMS]
    return [name for name in claims if name in known] if isinstance(claims, dict) else []


def _endpoint(request, name):
    return request.build_absolute_uri(reverse(f"demo_idp:{name}"))


def _verified_request_object(request, client_id, client, value):
    """The parameters in a signed request object (RFC 9101): signed by the client's key, issued by
    the client, for this provider, not expired."""
    try:
        token = jwt.decode(value, _client_keys(request, client), algorithms=SIGNING_ALGORITHMS)
        JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": client_id},
            client_id={"essential": True, "value": client_id},
            aud={"essential": True, "values": [issuer(request), _endpoint(request, "authorize")]},
            exp={"essential": True},
            iat={"essential": True},
        ).validate(token.claims)
    except (requests.RequestException, ValueError, KeyError, TypeError, JoseError) as exc:
        raise AuthorizeError(_("La richiesta firmata (request object) non è valida.")) from exc
    return token.claims


def _authorization_request(request):
    """The verified authorization request's parameters; ``AuthorizeError`` or ``RedirectedError``."""
    query = request.GET
    client_id = query.get("client_id", "")
    client = _client(client_id)
    if client is None:
        raise AuthorizeError(_("Client sconosciuto."))
    if "request" in query:
        signed = _verified_request_object(request, client_id, client, query["request"])
        params = {name: signed.get(name, "") for name in AUTHORIZATION_PARAMS}
        # SPID: client_id, response_type and scope are sent outside the request object too, equal.
        for name in ("client_id", "response_type", "scope"):
            if name in query and query[name] != params[name]:
                raise AuthorizeError(_("La richiesta firmata non corrisponde ai parametri della richiesta."))
        _validate_redirect(request, client_id, params["redirect_uri"])
    else:
        params = {name: query.get(name, "") for name in AUTHORIZATION_PARAMS}
        _validate_redirect(request, client_id, params["redirect_uri"])
    back = {"redirect_uri": params["redirect_uri"], "state": params["state"]}
    if "request" not in query and client["require_signed_request_object"]:
        raise RedirectedError("invalid_request", "a signed request object (request parameter) is required", **back)
    if params["response_type"] != "code" or "openid" not in str(params["scope"]).split():
        raise RedirectedError("unsupported_response_type", "code flow with scope openid only", **back)
    if not params["code_challenge"] or params["code_challenge_method"] != "S256":
        raise RedirectedError("invalid_request", "PKCE with S256 is required", **back)
    if not params["state"] or not params["nonce"]:
        raise RedirectedError("invalid_request", "state and nonce are required", **back)
    return params


@enabled
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    if request.method == "POST":
        try:
            params = signing.loads(
                request.POST.get("authorization", ""), salt=AUTHORIZATION_SALT, max_age=AUTHORIZATION_SECONDS
            )
        except signing.BadSignature:
            message = _("Richiesta di accesso scaduta o alterata.")
            return render(request, "identity/demo_idp/error.html", {"message": message}, status=400)
    else:
        try:
            params = _authorization_request(request)
        except AuthorizeError as exc:
            return render(request, "identity/demo_idp/error.html", {"message": str(exc)}, status=400)
        except RedirectedError as exc:
            return _error_redirect(exc.redirect_uri, exc.state, exc.error, exc.description)
    redirect_uri, state = params["redirect_uri"], params["state"]
    requested = _requested_level(params["acr_values"])
    form = {"level": str(int(requested)), "fiscal_code": "", "resident": ""}
    error = None

    if request.method == "POST":
        if "cancel" in request.POST:
            return _error_redirect(redirect_uri, state, "access_denied", "the user cancelled the login")
        form = {name: request.POST.get(name, "").strip() for name in ("level", "fiscal_code", "resident")}
        chosen = form["fiscal_code"] or form["resident"]
        try:
            level = LoA(int(form["level"]))
            cf = parse_codice_fiscale(chosen) if chosen else None
        except (ValueError, InvalidCodiceFiscale) as exc:
            cf, level = None, None
            error = str(exc) if isinstance(exc, InvalidCodiceFiscale) else _("Scegli un livello di sicurezza.")
        if cf is None and error is None:
            error = _("Scegli una persona dall'elenco o scrivi un codice fiscale.")
        if error is None:
            code = _issue_code(params, cf, level)
            query = {"code": code, "state": state, "iss": issuer(request)}
            return HttpResponseRedirect(f"{redirect_uri}?{urlencode(query)}")

    return render(
        request,
        "identity/demo_idp/login.html",
        {
            # The verified request, carried by the form and signed so the submission cannot alter it.
            "params": {"authorization": signing.dumps(params, salt=AUTHORIZATION_SALT)},
            "residents": demo_residents(),
            "levels": list(LoA),
            "requested": requested,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


def _issue_code(params, cf, level):
    person = Person.objects.filter(fiscal_code=cf.code).first()
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    # Expired rows are of no use to anyone; clearing them here keeps the table small without a task.
    Grant.objects.filter(code_expires_at__lt=now - timedelta(hours=1)).filter(token_expires_at__isnull=True).delete()
    Grant.objects.filter(token_expires_at__lt=now - timedelta(hours=1)).delete()
    Grant.objects.create(
        code_hash=_hash(code),
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        code_challenge=params["code_challenge"],
        nonce=params["nonce"],
        level=int(level),
        userinfo_claims=_requested_userinfo_claims(params["claims"]),
        fiscal_code=cf.code,
        given_name=person.given_name if person else "Utente",
        family_name=person.family_name if person else "Dimostrativo",
        birth_date=person.birth_date if person else cf.birth_date,
        code_expires_at=now + timedelta(seconds=CODE_SECONDS),
    )
    return code


# --- Token and userinfo: the back channel ---------------------------------------------------------


def _birthdate(birth_date, knobs):
    """``YYYY-MM-DD``, or ``None``; fault ``other_birthdate``: a day later (a provider whose record
    contradicts the register)."""
    if birth_date is None:
        return None
    return (birth_date + timedelta(days=1 if "other_birthdate" in knobs else 0)).isoformat()


def _client_credentials(request):
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _sep, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return request.POST.get("client_id"), request.POST.get("client_secret")


def _authenticated_client(request):
    if request.POST.get("client_assertion_type") == CLIENT_ASSERTION_TYPE:
        return _client_from_assertion(request)
    client_id, secret = _client_credentials(request)
    expected = (_client(client_id or "") or {}).get("secret")
    if not expected or not secret or not hmac.compare_digest(expected, secret):
        return None
    return client_id


def _client_from_assertion(request):
    """``private_key_jwt`` (RFC 7523): a JWT signed with a key the client publishes at its jwks_uri."""
    client_id = request.POST.get("client_id", "")
    client = _client(client_id) or {}
    if not client.get("jwks_uri"):
        return None
    token_endpoint = _endpoint(request, "token")
    try:
        assertion = jwt.decode(
            request.POST.get("client_assertion", ""), _client_keys(request, client), algorithms=SIGNING_ALGORITHMS
        )
        JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": client_id},
            sub={"essential": True, "value": client_id},
            aud={"essential": True, "values": [token_endpoint, issuer(request)]},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(assertion.claims)
    except (requests.RequestException, ValueError, KeyError, TypeError, JoseError):
        return None
    # An assertion is single use: its jti is remembered until well after it expires.
    lifetime = max(60, int(assertion.claims["exp"] - time.time()) + 60)
    if not cache.add(f"demo_idp:jti:{client_id}:{assertion.claims['jti']}", 1, timeout=lifetime):
        return None
    return client_id


def _pkce_matches(verifier, challenge):
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest, challenge)


@enabled
@csrf_exempt
@require_POST
def token(request):
    client_id = _authenticated_client(request)
    if client_id is None:
        return oauth_error("invalid_client", "client authentication failed", status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return oauth_error("unsupported_grant_type", "authorization_code only")
    code = request.POST.get("code", "")
    now = timezone.now()
    with transaction.atomic():
        # Single use: only the request that flips code_used_at from NULL gets tokens.
        used = Grant.objects.filter(code_hash=_hash(code), code_used_at__isnull=True, code_expires_at__gt=now).update(
            code_used_at=now
        )
        grant = Grant.objects.filter(code_hash=_hash(code)).first()
        if not used:
            if grant is not None and grant.code_used_at is not None:
                # A replayed code may be stolen: revoke what the first use obtained.
                Grant.objects.filter(pk=grant.pk).update(revoked=True)
            return oauth_error("invalid_grant", "unknown, expired or already used code")
        if grant.client_id != client_id or grant.redirect_uri != request.POST.get("redirect_uri"):
            return oauth_error("invalid_grant", "code issued to another client or redirect URI")
        if not _pkce_matches(request.POST.get("code_verifier", ""), grant.code_challenge):
            return oauth_error("invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(32)
        grant.token_hash = _hash(access_token)
        grant.token_expires_at = now + timedelta(seconds=TOKEN_SECONDS)
        grant.save(update_fields=["token_hash", "token_expires_at"])

    return _no_store(
        JsonResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "id_token": _id_token(request, grant, access_token),
            }
        )
    )


def _subject(grant):
    # Pairwise, as SPID: the same person has a different subject at each client.
    message = f"{grant.client_id}|{grant.fiscal_code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, "sha256").hexdigest()


def _id_token(request, grant, access_token):
    now = int(time.time()) + clock_offset()
    knobs = faults()
    level = LoA.L1 if "low_acr" in knobs else LoA(grant.level)
    claims = {
        "iss": "https://impostore.example" if "wrong_issuer" in knobs else issuer(request),
        "sub": _subject(grant),
        "aud": "un-altro-client" if "wrong_audience" in knobs else grant.client_id,
        "iat": now - 3600 if "expired" in knobs else now,
        "exp": now - 3000 if "expired" in knobs else now + ID_TOKEN_SECONDS,
        "nonce": "nonce-sbagliato" if "wrong_nonce" in knobs else grant.nonce,
        "acr": level.acr,
        "jti": secrets.token_urlsafe(16),
        "at_hash": access_token_hash("token-di-un-altro" if "wrong_at_hash" in knobs else access_token),
    }
    key = keys.signing_key()
    if "foreign_key" in knobs:
        # Same kid, another key: what a forger would send.
        key = RSAKey.generate_key(2048, parameters={"kid": key.kid, "use": "sig", "alg": "RS256"})
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


@enabled
@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request):
    header = request.headers.get("Authorization", "")
    access_token = header[7:] if header.startswith("Bearer ") else ""
    grant = Grant.objects.filter(
        token_hash=_hash(access_token), token_expires_at__gt=timezone.now(), revoked=False
    ).first()
    if not access_token or grant is None:
        response = oauth_error("invalid_token", "unknown, expired or revoked access token", status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    knobs = faults()
    fiscal_number = f"{FISCAL_NUMBER_PREFIX}{grant.fiscal_code}"
    if "malformed_fiscal_number" in knobs:
        fiscal_number = f"{FISCAL_NUMBER_PREFIX}{grant.fiscal_code[:15]}!"
    if "lowercase_fiscal_number_prefix" in knobs:
        fiscal_number = FISCAL_NUMBER_PREFIX.lower() + fiscal_number.removeprefix(FISCAL_NUMBER_PREFIX)
    try:
        cf = parse_codice_fiscale(grant.fiscal_code)
        place_of_birth = {"locality": cf.birthplace_code, "region": cf.birthplace_province}
    except InvalidCodiceFiscale:
        place_of_birth = None
    values = {
        **{name: fiscal_number for name in (FISCAL_NUMBER_CLAIM, *BROKER_FISCAL_NUMBER_CLAIMS)},
        "given_name": grant.given_name,
        "family_name": grant.family_name,
        "birthdate": _birthdate(grant.birth_date, knobs),
        "place_of_birth": place_of_birth,
    }
    claims = {"sub": _subject(grant)}
    for name in grant.userinfo_claims:
        withheld = name in (FISCAL_NUMBER_CLAIM, *BROKER_FISCAL_NUMBER_CLAIMS) and "no_fiscal_number" in knobs
        if values.get(name) is not None and not withheld:
            claims[name] = values[name]
    if "userinfo_json" in knobs:
        # What a generic OpenID Connect provider sends.
        return _no_store(JsonResponse(claims))
    # SPID and CIE send userinfo as a JWT signed by the provider, then encrypted to the client.
    now = int(time.time()) + clock_offset()
    claims.update(iss=issuer(request), aud=grant.client_id, iat=now, exp=now + ID_TOKEN_SECONDS)
    key = keys.signing_key()
    body = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
    client = _client(grant.client_id) or {}
    if client.get("userinfo_encrypted_response_alg") and "userinfo_signed_only" not in knobs:
        try:
            body = _encrypted_to_client(request, client, body)
        except (requests.RequestException, ValueError, KeyError, TypeError, JoseError):
            return oauth_error("server_error", "the client's encryption key cannot be read", status=500)
    response = HttpResponse(body)
    response["Content-Type"] = "application/jwt"
    return _no_store(response)


def _encrypted_to_client(request, client, signed_jwt):
    """A nested JWT (RFC 7519 §5.2): ``signed_jwt`` encrypted to the client's encryption key."""
    candidates = [key for key in _client_keys(request, client).keys if key.get("use") == "enc"]
    if not candidates:
        raise ValueError("the client publishes no encryption key")
    key = candidates[0]
    header = {
        "alg": client["userinfo_encrypted_response_alg"],
        "enc": client["userinfo_encrypted_response_enc"],
        "cty": "JWT",
        "kid": key.kid,
    }
    return jwe.encrypt_compact(header, signed_jwt, key, algorithms=[header["alg"], header["enc"]])
