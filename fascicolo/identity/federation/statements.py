"""Entity statements (OpenID Federation 1.0, §3): JWTs of type ``entity-statement+jwt``, signed with a
federation key. An *entity configuration* is the one an entity issues about itself (``iss`` = ``sub``),
published at ``<entity id>/.well-known/openid-federation``; a *subordinate statement* is the one a
superior issues about a subordinate, served by the superior's ``federation_fetch_endpoint``.

Signing and verification are joserfc's; this module only checks what the specification asks of the
header (``typ``, ``kid``) and of the claims (``iss``, ``sub``, ``iat``, ``exp``, ``jwks``).
"""

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from .. import backchannel
from ..keys import SIGNING_ALGORITHMS

STATEMENT_TYPE = "entity-statement+jwt"
CONTENT_TYPE = "application/entity-statement+jwt"
WELL_KNOWN_PATH = "/.well-known/openid-federation"
# The largest statement body read (bytes): a statement with trust marks is a few KiB; a larger answer
# is refused unread beyond this, so that an authority cannot fill the server's memory.
MAX_BYTES = 256 * 1024


class StatementError(Exception):
    """A statement that cannot be trusted. ``reason``: ``unreachable``, ``invalid``, ``signature``,
    ``expired``; ``detail`` says which statement and why (for the log)."""

    def __init__(self, reason, detail):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Statement:
    """A verified entity statement: its compact JWT and its claims."""

    jwt: str
    claims: dict

    @property
    def issuer(self):
        return self.claims["iss"]

    @property
    def subject(self):
        return self.claims["sub"]

    @property
    def expires(self):
        return int(self.claims["exp"])

    def keys(self):
        """The federation keys this statement publishes (``jwks``), as a joserfc KeySet."""
        try:
            return KeySet.import_key_set(self.claims["jwks"])
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise StatementError("invalid", f"{self.issuer} about {self.subject}: bad jwks ({exc})") from exc

    def fetch_endpoint(self):
        metadata = self.claims.get("metadata")
        entity = metadata.get("federation_entity") if isinstance(metadata, dict) else None
        endpoint = entity.get("federation_fetch_endpoint") if isinstance(entity, dict) else None
        if not endpoint or not isinstance(endpoint, str):
            raise StatementError("invalid", f"{self.subject} publishes no federation_fetch_endpoint")
        return endpoint


def entity_configuration_url(entity_id):
    return f"{entity_id.rstrip('/')}{WELL_KNOWN_PATH}"


def sign(claims, key):
    """An entity statement with ``claims``, signed RS256 with ``key`` (a private joserfc key)."""
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": STATEMENT_TYPE}, claims, key)


def unverified_claims(token):
    """The claims of ``token`` before any verification: only to read the keys an entity configuration
    publishes, which then verify the same token (a self-signed statement)."""
    try:
        claims = json.loads(extract_compact(token.encode()).payload)
    except (JoseError, ValueError, AttributeError) as exc:
        raise StatementError("invalid", f"not a JWS ({exc})") from exc
    if not isinstance(claims, dict):
        raise StatementError("invalid", "the payload is not a JSON object")
    return claims


def verify(token, keys, *, issuer, subject, leeway, what):
    """The ``Statement`` in ``token`` after checking it: header ``typ`` and ``kid``, the signature
    against ``keys`` (a KeySet: the issuer's federation keys), ``iss``/``sub``, ``iat`` not in the
    future and ``exp`` not past (``leeway`` seconds), and a ``jwks``. ``what`` names the statement in
    errors."""
    try:
        header = extract_compact(token.encode()).protected
    except (JoseError, ValueError, AttributeError) as exc:
        raise StatementError("invalid", f"{what}: not a JWS ({exc})") from exc
    if header.get("typ") != STATEMENT_TYPE:
        raise StatementError("invalid", f"{what}: typ {header.get('typ')!r}, expected {STATEMENT_TYPE}")
    if not header.get("kid"):
        raise StatementError("invalid", f"{what}: no kid in the header")
    try:
        claims = jwt.decode(token, keys, algorithms=SIGNING_ALGORITHMS).claims
    except (JoseError, ValueError) as exc:
        raise StatementError(
            "signature", f"{what}: signature not verified by the keys of {issuer} ({type(exc).__name__}: {exc})"
        ) from exc
    if claims.get("iss") != issuer or claims.get("sub") != subject:
        raise StatementError(
            "invalid",
            f"{what}: iss {claims.get('iss')!r} / sub {claims.get('sub')!r}, expected {issuer!r} / {subject!r}",
        )
    now = time.time()
    for name in ("iat", "exp"):
        if not isinstance(claims.get(name), (int, float)):
            raise StatementError("invalid", f"{what}: {name} missing or not a number")
    if claims["exp"] < now - leeway:
        raise StatementError("expired", f"{what}: expired {int(now - claims['exp'])} s ago")
    if claims["iat"] > now + leeway:
        raise StatementError("invalid", f"{what}: iat is {int(claims['iat'] - now)} s in the future")
    if not isinstance(claims.get("jwks"), dict) or not claims["jwks"].get("keys"):
        raise StatementError("invalid", f"{what}: no jwks")
    return Statement(token, claims)


def fetch(url, *, session=None):
    """The body of an entity statement served at ``url`` (GET, the back channel's timeouts), at most
    ``MAX_BYTES`` bytes; ``StatementError`` (unreachable) otherwise."""
    try:
        with (session or backchannel.session()).get(
            url, headers={"Accept": CONTENT_TYPE}, timeout=backchannel.TIMEOUT, stream=True
        ) as response:
            if response.raw is None:  # the in-process adapter: the body is already in memory
                body = response.content
            else:
                body = b""
                for chunk in response.iter_content(16 * 1024):  # requests' errors, not urllib3's
                    body += chunk
                    if len(body) > MAX_BYTES:
                        break
    except requests.RequestException as exc:
        raise StatementError("unreachable", f"{url}: {exc}") from exc
    text = body[:MAX_BYTES].decode(response.encoding or "utf-8", errors="replace")
    if response.status_code != 200:
        raise StatementError("unreachable", f"{url}: HTTP {response.status_code} {text[:200]}")
    if len(body) > MAX_BYTES:
        raise StatementError("unreachable", f"{url}: the answer is larger than {MAX_BYTES} bytes")
    return text.strip()


def fetch_subordinate_statement(endpoint, subject, *, session=None):
    """The superior's statement about ``subject`` from its fetch endpoint (§8.1.1: ``GET ?sub=``)."""
    separator = "&" if "?" in endpoint else "?"
    return fetch(f"{endpoint}{separator}{urlencode({'sub': subject})}", session=session)
