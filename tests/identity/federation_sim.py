"""A federation on loopback for the resolver's failure tests: entities whose statements the test
writes (signed with joserfc by ``federation.statements.sign``, or deliberately wrong), served over
real HTTP by a threaded server at the paths OpenID Federation names (``/.well-known/openid-federation``
and each authority's ``/fetch?sub=``). The happy path runs against the official SDK
(test_federation_peer.py); this builds what the SDK would never serve: bad signatures, expired
statements, foreign trust anchors, metadata its policy refuses.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from joserfc.jwk import RSAKey

from fascicolo.identity import keys
from fascicolo.identity.federation.statements import CONTENT_TYPE, sign

PROVIDER_METADATA = {
    "authorization_endpoint": "/authorization",
    "token_endpoint": "/token",
    "userinfo_endpoint": "/userinfo",
    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    "userinfo_encryption_enc_values_supported": ["A128CBC-HS256", "A256CBC-HS512", "A256GCM"],
    "acr_values_supported": ["https://www.spid.gov.it/SpidL1", "https://www.spid.gov.it/SpidL2"],
    "contacts": ["op@example.org"],
}


class Entity:
    def __init__(self, federation, name):
        self.federation = federation
        self.id = f"{federation.url}/{name}"
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.authority_hints = []
        self.metadata = {}
        self.subordinates = {}  # entity id -> extra claims of the statement about it
        self.lifetime = 3600
        self.signing_key = None  # another key to sign its own configuration with (a forgery)
        self.constraints = None

    def configuration(self):
        now = int(time.time())
        metadata = dict(self.metadata)
        if self.subordinates:
            metadata["federation_entity"] = {"federation_fetch_endpoint": f"{self.id}/fetch"}
        claims = {
            "iss": self.id, "sub": self.id, "iat": now, "exp": now + self.lifetime,
            "jwks": keys.public_jwks(self.key), "metadata": metadata, "authority_hints": self.authority_hints,
        }  # fmt: skip
        if self.constraints:
            claims["constraints"] = self.constraints
        return sign(claims, self.signing_key or self.key)

    def statement_about(self, subordinate_id):
        subordinate = self.federation.entities[subordinate_id]
        extra = dict(self.subordinates[subordinate_id])
        now = int(time.time())
        key = extra.pop("signed_with", None) or self.key
        lifetime = extra.pop("lifetime", 3600)
        claims = {
            "iss": self.id, "sub": subordinate_id, "iat": now, "exp": now + lifetime,
            "jwks": keys.public_jwks(subordinate.key), **extra,
        }  # fmt: skip
        return sign(claims, key)

    def add_subordinate(self, entity, **claims):
        self.subordinates[entity.id] = claims
        entity.authority_hints.append(self.id)


class Federation:
    """``entity(name)`` adds an entity at ``<url>/<name>``; ``provider(...)`` one with OP metadata."""

    def __init__(self):
        self.entities = {}
        handler = type("Handler", (_Handler,), {"federation": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def entity(self, name):
        entity = Entity(self, name)
        self.entities[entity.id] = entity
        return entity

    def provider(self, name="op", **metadata):
        entity = self.entity(name)
        endpoints = {key: entity.id + value for key, value in PROVIDER_METADATA.items() if key.endswith("_endpoint")}
        entity.metadata = {
            "openid_provider": {
                **PROVIDER_METADATA, **endpoints, "issuer": entity.id,
                "jwks": keys.public_jwks(RSAKey.generate_key(2048, auto_kid=True)), **metadata,
            }
        }  # fmt: skip
        return entity

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    federation = None

    def do_GET(self):
        url = urlsplit(self.path)
        entity_id = f"{self.federation.url}{url.path}"
        body = None
        if entity_id.endswith("/.well-known/openid-federation"):
            entity = self.federation.entities.get(entity_id.removesuffix("/.well-known/openid-federation"))
            body = entity.configuration() if entity else None
        elif entity_id.endswith("/fetch"):
            entity = self.federation.entities.get(entity_id.removesuffix("/fetch"))
            subject = parse_qs(url.query).get("sub", [""])[0]
            if entity and subject in entity.subordinates:
                body = entity.statement_about(subject)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass
