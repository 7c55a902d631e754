"""The demo provider's signing key: from ``DEMO_IDP_SIGNING_KEY_FILE`` (a private JWK in JSON),
generated there on first use when the file does not exist."""

import functools
import json
import os
import threading

from django.conf import settings
from joserfc.jwk import KeySet, RSAKey


@functools.cache
def _load(path):
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
        data = json.load(handle)
    return RSAKey.import_key(data)


def signing_key():
    return _load(settings.DEMO_IDP_SIGNING_KEY_FILE)


def public_jwks():
    return KeySet([signing_key()]).as_dict(private=False)
