"""Resolved trust chains kept in the shared cache (Redis in production), refreshed before they expire.

``get`` answers from the cache while the chain has more than its refresh margin left
(``REFRESH_MARGIN`` seconds, or a quarter of its lifetime when that is shorter), and resolves it again
otherwise, or when ``refresh`` is asked (after a signature failure that a key rotation may explain).
The Celery beat task ``identity.refresh_trust_chains`` calls ``get`` for every federation backend, so
logins rarely wait for a resolution.
"""

import hashlib
import logging
import time

from django.core.cache import cache

from .trust_chain import TrustChain, resolve

logger = logging.getLogger(__name__)

# A chain is resolved again when it has less than this left (seconds); the beat task runs more often.
REFRESH_MARGIN = 30 * 60


def cache_key(subject, trust_anchor):
    digest = hashlib.sha256(f"{subject.rstrip('/')}\n{trust_anchor.rstrip('/')}".encode()).hexdigest()[:32]
    return f"identity:federation:chain:{digest}"


def get(subject, trust_anchor, *, entity_type, refresh=False, **options):
    """The ``TrustChain`` of ``subject`` to ``trust_anchor``, from the cache or resolved now
    (``trust_chain.resolve``, whose ``options`` pass through). Raises ``TrustChainError``."""
    key = cache_key(subject, trust_anchor)
    cached = None if refresh else cache.get(key)
    if cached is not None and cached["chain"]["expires"] - time.time() > cached["margin"]:
        return TrustChain.from_dict(cached["chain"])
    chain = resolve(subject, trust_anchor, entity_type=entity_type, **options)
    lifetime = int(chain.expires - time.time())
    if lifetime > 0:
        cache.set(key, {"chain": chain.as_dict(), "margin": min(REFRESH_MARGIN, lifetime // 4)}, lifetime)
    logger.info(
        "trust chain of %s to %s resolved, %d statements, expires in %d s",
        chain.subject, chain.trust_anchor, len(chain.statements), lifetime,
    )  # fmt: skip
    return chain


def forget(subject, trust_anchor):
    cache.delete(cache_key(subject, trust_anchor))
