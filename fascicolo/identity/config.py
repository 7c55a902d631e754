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


def backend_from_env(backend_id, *, demo_client_id, demo_client_secret_value, var_dir="var"):
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
        # client_secret_basic, or private_key_jwt (SPID/CIE) with the portal's key in PRIVATE_KEY_FILE.
        "client_auth": get("CLIENT_AUTH", "client_secret_basic"),
        "private_key_file": get("PRIVATE_KEY_FILE", os.path.join(var_dir, f"identity-{backend_id}-key.json")),
    }
