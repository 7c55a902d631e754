"""Private keys kept as JWK files: the demo provider's, and the portal's own (one to sign its
client assertions and request objects, one for providers to encrypt userinfo to). Generated on first
use when the file does not exist (development and demo); in production the files are provisioned and
the system check reports a missing one. Rotation: docs/identity.md, "The portal's keys"."""

import functools
import json
import os
import threading

from joserfc.jwk import KeySet, RSAKey

# What each kind of key is for, as published in the JWKS (RFC 7517 §4.2-4.4). RSA 2048 is the
# minimum the SPID/CIE OIDC rules accept ("Algoritmi crittografici").
KEY_PARAMETERS = {
    "sig": {"use": "sig", "alg": "RS256"},
    "enc": {"use": "enc", "alg": "RSA-OAEP"},
}


@functools.cache
def load_or_create(path, use="sig"):
    """The RSA key in ``path`` (a private JWK in JSON), created there first if missing.

    ``use`` (``sig`` or ``enc``) only matters when the key is generated.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        key = RSAKey.generate_key(2048, parameters=KEY_PARAMETERS[use], auto_kid=True)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(key.as_dict(private=True), handle)
        try:
            # link() is atomic and refuses to overwrite: when several processes start at once, the
            # first one's key wins and the others read it, never a half-written file.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as handle:
        return RSAKey.import_key(json.load(handle))


def public_jwks(*keys):
    """The public halves of ``keys`` as a JWKS dict, each key once (by ``kid``)."""
    unique = {key.kid: key for key in keys}
    return KeySet(list(unique.values())).as_dict(private=False)
