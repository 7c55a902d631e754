"""Identity settings from environment variables (imported by ``fascicolo.settings``; no Django here).

``IDENTITY_PROVIDERS`` lists backend ids; each id ``X`` reads ``IDENTITY_X_*`` (upper case, dashes as
underscores). Ids ending in ``-demo`` default to the demo provider served by this same server.
"""

import hashlib
import hmac
import os


def _env_bool(value, default):
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def demo_client_secret(secret_key):
    """The demo provider's client secret when none is configured: derived, so both sides agree."""
    return hmac.new(secret_key.encode(), b"fascicolo.identity.demo-idp.client", hashlib.sha256).hexdigest()


def backend_from_env(backend_id, *, demo_client_id, demo_client_secret_value):
    prefix = f"IDENTITY_{backend_id.upper().replace('-', '_')}_"

    def get(name, default=None):
        return os.environ.get(prefix + name, default)

    is_demo_default = backend_id.endswith("-demo")
    scheme = get("SCHEME", "cie" if backend_id.startswith("cie") else "spid")
    return {
        "id": backend_id,
        "type": get("TYPE", "oidc"),
        "label": get("LABEL", scheme.upper()),
        "scheme": scheme,
        "is_demo": _env_bool(get("DEMO"), is_demo_default),
        # "self": this server's demo provider, at the address each request came in on.
        "issuer": get("ISSUER", "self" if is_demo_default else ""),
        "client_id": get("CLIENT_ID", demo_client_id if is_demo_default else ""),
        "client_secret": get("CLIENT_SECRET", demo_client_secret_value if is_demo_default else ""),
        # private_key_jwt (SPID/CIE) with the portal's key in PRIVATE_KEY_FILE, or client_secret_basic.
        "client_auth": get("CLIENT_AUTH", "private_key_jwt"),
        # Empty: the portal's keys (IDENTITY_SIGNING_KEY_FILE, IDENTITY_ENCRYPTION_KEY_FILE).
        "private_key_file": get("PRIVATE_KEY_FILE", ""),
        "encryption_key_file": get("ENCRYPTION_KEY_FILE", ""),
        # Retired keys, still published and used to decrypt while providers catch up with a rotation.
        "previous_key_files": [path.strip() for path in get("PREVIOUS_KEY_FILES", "").split(",") if path.strip()],
        # The SPID/CIE profile by default: a signed request object, userinfo signed and encrypted.
        "request_object": _env_bool(get("REQUEST_OBJECT"), True),
        "userinfo": get("USERINFO", "encrypted"),
        "clock_leeway": get("CLOCK_LEEWAY", ""),
        # Claim mapping (fascicolo/identity/backends/claims.py); empty means SPID/CIE's names.
        "fiscal_number_claim": get("FISCAL_NUMBER_CLAIM", ""),
        "fiscal_number_format": get("FISCAL_NUMBER_FORMAT", ""),
        "given_name_claim": get("GIVEN_NAME_CLAIM", ""),
        "family_name_claim": get("FAMILY_NAME_CLAIM", ""),
        "birth_date_claim": get("BIRTH_DATE_CLAIM", ""),
        "birth_place_claim": get("BIRTH_PLACE_CLAIM", ""),
        # OpenID Federation (type oidc): the trust anchor's entity id switches it on; ISSUER is then
        # the provider's entity id and ENTITY_ID the relying party's (default SITE_URL).
        "trust_anchor": get("TRUST_ANCHOR", ""),
        "trust_anchor_jwks_file": get("TRUST_ANCHOR_JWKS_FILE", ""),
        "authority_hints": [hint.strip() for hint in get("AUTHORITY_HINTS", "").split(",") if hint.strip()],
        "trust_marks_file": get("TRUST_MARKS_FILE", ""),
        "federation_key_file": get("FEDERATION_KEY_FILE", ""),
        # SAML (type saml): the provider's metadata, the portal's entity id, certificate and contacts.
        "idp_metadata_file": get("IDP_METADATA_FILE", ""),
        "entity_id": get("ENTITY_ID", ""),
        "key_file": get("KEY_FILE", ""),
        "cert_file": get("CERT_FILE", ""),
        "ipa_code": get("IPA_CODE", ""),
        "contact_email": get("CONTACT_EMAIL", ""),
        "contact_phone": get("CONTACT_PHONE", ""),
    }
