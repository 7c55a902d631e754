"""Private signing keys kept as JWK files: the demo provider's, and the portal's own for
``private_key_jwt``. Generated on first use when the file does not exist (development and demo);
in production the file is provisioned and the system check reports a missing one."""

import functools
import json
import os
import threading

from joserfc.jwk import KeySet, RSAKey


@functools.cache
def load_or_create(path):
    """The RSA key in ``path`` (a private JWK in JSON), created there first if missing."""
    path = os.fspath(path)
    if not os.path.exists(path):
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
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


def public_jwks(key):
    return KeySet([key]).as_dict(private=False)
