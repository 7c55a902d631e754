"""The relying party's own entity configuration (OpenID Federation 1.0, §3.1, §5; SPID/CIE OIDC rules,
"Entity Configuration"): a statement the portal issues about itself (``iss`` = ``sub`` = its entity
id), signed with its federation key, served at ``<entity id>/.well-known/openid-federation`` with the
content type ``application/entity-statement+jwt``.
"""

import json
import time
from pathlib import Path

from .. import keys
from .statements import sign


def load_trust_marks(path):
    """The trust marks in ``path``: a JSON list of ``{"id": <type>, "trust_mark": <JWT>}`` as the
    federation's authority issued them (``trust_mark_type`` is accepted for ``id`` and both are
    published, as the SDK does for older and newer readers). Empty without a path."""
    if not path:
        return []
    marks = json.loads(Path(path).read_text())
    if not isinstance(marks, list) or not all(isinstance(mark, dict) and "trust_mark" in mark for mark in marks):
        raise ValueError(f"{path}: expected a JSON list of objects with a trust_mark")
    published = []
    for mark in marks:
        mark_type = mark.get("trust_mark_type") or mark.get("id")
        published.append({"id": mark_type, "trust_mark_type": mark_type, "trust_mark": mark["trust_mark"]})
    return published


def entity_configuration(*, entity_id, federation_key, authority_hints, trust_marks, metadata, lifetime):
    """The signed entity configuration (a compact JWT).

    ``federation_key``: the private joserfc key that signs it, whose public half is the statement's
    ``jwks``; ``metadata``: entity type → metadata (``openid_relying_party``, ``federation_entity``);
    ``lifetime``: seconds until ``exp``.
    """
    now = int(time.time())
    claims = {
        "iss": entity_id,
        "sub": entity_id,
        "iat": now,
        "exp": now + lifetime,
        "jwks": keys.public_jwks(federation_key),
        "authority_hints": list(authority_hints),
        "metadata": metadata,
    }
    if trust_marks:
        claims["trust_marks"] = list(trust_marks)
    return sign(claims, federation_key)
