"""Trust chain resolution (OpenID Federation 1.0, §10 "Resolving the Trust Chain and Metadata").

From a subject's entity configuration the resolver climbs its ``authority_hints``: for each
authority it fetches the authority's entity configuration (self-signed), asks the authority's
``federation_fetch_endpoint`` for its statement about the entity below, verifies that statement with
the authority's keys, and verifies the entity below with the keys the statement vouches for. It
stops at the configured trust anchor, whose entity configuration is verified with the keys pinned in
the configuration when there are any. Every statement's ``exp`` is checked; the chain expires with
the first of them. The metadata policies of the subordinate statements are merged from the trust
anchor down and applied to the subject's metadata (``policy``); ``metadata`` in the immediate
superior's statement overrides the subject's own first (§6.1.4.2).

The rules follow the official SDK's (italia/spid-cie-oidc-django, ``entity/trust_chain.py`` and
``statements.py``): depth-first over the authority hints with loop prevention, a bounded number of
hints per hop, the trust anchor's ``constraints.max_path_length``; besides, this resolver checks
``exp`` of every statement and merges policies as the final specification says (the SDK applies them
one after the other).
"""

import logging
import time
from dataclasses import asdict, dataclass

from . import policy
from .statements import (
    Statement,
    StatementError,
    entity_configuration_url,
    fetch,
    fetch_subordinate_statement,
    unverified_claims,
    verify,
)

logger = logging.getLogger(__name__)

# How many authority hints are followed per hop and how many intermediates a chain may have, when the
# trust anchor sets no max_path_length: the SPID and CIE federations have at most one intermediate.
MAX_AUTHORITY_HINTS = 5
MAX_INTERMEDIATES = 4


class TrustChainError(StatementError):
    """No trust chain could be established. ``reason`` (stable, for the login history): a
    statement's (``unreachable``, ``invalid``, ``signature``, ``expired``), or ``trust_anchor`` (no
    path to the configured trust anchor), ``policy`` (the metadata policy refuses the metadata or
    cannot be merged), ``metadata`` (no metadata of the expected type); ``detail`` is for the log."""


@dataclass(frozen=True)
class TrustChain:
    """A resolved chain: ``statements`` are the compact JWTs from the subject's entity configuration
    up to the trust anchor's (§4: subject EC, subordinate statements, trust anchor EC), ``metadata``
    the subject's metadata after the policies (all entity types), ``expires`` a Unix time."""

    subject: str
    trust_anchor: str
    statements: list
    metadata: dict
    expires: int

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


def resolve(subject, trust_anchor, *, entity_type, trust_anchor_keys=None, leeway=120, session=None):
    """The ``TrustChain`` of ``subject`` (an entity id) to ``trust_anchor`` (an entity id), with the
    ``entity_type`` metadata (``openid_provider`` …) resolved. ``trust_anchor_keys``: a KeySet of the
    trust anchor's federation keys known out of band, else its self-signed configuration is trusted.
    Raises ``TrustChainError``.
    """
    subject, trust_anchor = subject.rstrip("/"), trust_anchor.rstrip("/")
    try:
        leaf = _entity_configuration(subject, leeway=leeway, session=session)
        anchor = _entity_configuration(trust_anchor, leeway=leeway, session=session, keys=trust_anchor_keys)
    except StatementError as exc:
        raise TrustChainError(exc.reason, exc.detail) from exc
    max_intermediates = _object(anchor.claims, "constraints", anchor).get("max_path_length", MAX_INTERMEDIATES)
    if not isinstance(max_intermediates, int) or isinstance(max_intermediates, bool) or max_intermediates < 0:
        raise TrustChainError("invalid", f"{trust_anchor}: constraints.max_path_length {max_intermediates!r}")
    failures = []
    path = _climb(
        leaf, anchor, visited={subject}, max_intermediates=max_intermediates, leeway=leeway,
        session=session, failures=failures,
    )  # fmt: skip
    if path is None:
        if failures:
            # The most telling failure: one on the way to the configured anchor, not "no path".
            raise TrustChainError(failures[0].reason, failures[0].detail)
        raise TrustChainError(
            "trust_anchor",
            f"no chain from {subject} to the trust anchor {trust_anchor} "
            f"(authority_hints {leaf.claims.get('authority_hints', [])}, at most {max_intermediates} intermediates)",
        )
    subordinates = path  # statements about the leaf, then about each intermediate, up to the anchor's
    metadata = _resolve_metadata(leaf, subordinates, entity_type)
    statements = [leaf, *subordinates, anchor]
    return TrustChain(
        subject=subject,
        trust_anchor=trust_anchor,
        statements=[statement.jwt for statement in statements],
        metadata=metadata,
        expires=min(statement.expires for statement in statements),
    )


def _entity_configuration(entity_id, *, leeway, session, keys=None):
    token = fetch(entity_configuration_url(entity_id), session=session)
    what = f"entity configuration of {entity_id}"
    if keys is None:
        # Self-signed: the keys it publishes verify it; a superior's statement vouches for them.
        keys = Statement(token, unverified_claims(token)).keys()
    return verify(token, keys, issuer=entity_id, subject=entity_id, leeway=leeway, what=what)


def _climb(entity, anchor, *, visited, max_intermediates, leeway, session, failures, depth=0):
    """The subordinate statements from ``entity`` up to ``anchor``, or ``None``."""
    hints = entity.claims.get("authority_hints") or []
    if not isinstance(hints, list):
        failures.append(TrustChainError("invalid", f"{entity.subject}: authority_hints is not a list"))
        return None
    for hint in hints[:MAX_AUTHORITY_HINTS]:
        hint = str(hint).rstrip("/")
        if hint in visited:
            logger.warning("trust chain: loop through %s skipped", hint)
            continue
        is_anchor = hint == anchor.subject
        if not is_anchor and depth >= max_intermediates:
            continue
        try:
            authority = anchor if is_anchor else _entity_configuration(hint, leeway=leeway, session=session)
            token = fetch_subordinate_statement(authority.fetch_endpoint(), entity.subject, session=session)
            statement = verify(
                token, authority.keys(), issuer=hint, subject=entity.subject, leeway=leeway,
                what=f"statement of {hint} about {entity.subject}",
            )  # fmt: skip
            # The superior vouches for the subordinate's federation keys: they must verify its configuration.
            verify(
                entity.jwt, statement.keys(), issuer=entity.subject, subject=entity.subject, leeway=leeway,
                what=f"entity configuration of {entity.subject} with the keys {hint} vouches for",
            )  # fmt: skip
        except StatementError as exc:
            logger.warning("trust chain: %s", exc)
            failures.append(TrustChainError(exc.reason, exc.detail))
            continue
        if is_anchor:
            return [statement]
        above = _climb(
            authority, anchor, visited=visited | {hint}, max_intermediates=max_intermediates, leeway=leeway,
            session=session, failures=failures, depth=depth + 1,
        )  # fmt: skip
        if above is not None:
            return [statement, *above]
    return None


def _object(claims, name, statement):
    """``claims[name]`` when it is a JSON object, ``{}`` when absent; else ``TrustChainError`` (invalid)."""
    value = claims.get(name, {})
    if not isinstance(value, dict):
        raise TrustChainError(
            "invalid", f"{statement.issuer} about {statement.subject}: {name} is not an object ({type(value).__name__})"
        )
    return value


def _resolve_metadata(leaf, subordinates, entity_type):
    metadata = _object(leaf.claims, "metadata", leaf).get(entity_type)
    if not isinstance(metadata, dict):
        raise TrustChainError("metadata", f"{leaf.subject} publishes no {entity_type} metadata")
    # The immediate superior may assert metadata about the leaf: it replaces the leaf's own values.
    superior = subordinates[0]
    metadata = {**metadata, **_object(_object(superior.claims, "metadata", superior), entity_type, superior)}
    merged = {}
    try:
        for statement in reversed(subordinates):  # from the trust anchor's down
            statement_policy = _object(_object(statement.claims, "metadata_policy", statement), entity_type, statement)
            critical = statement.claims.get("metadata_policy_crit", [])
            if not isinstance(critical, list):
                raise policy.PolicyError(f"metadata_policy_crit {critical!r} is not a list")
            policy.check(statement_policy, critical)
            merged = policy.merge(merged, statement_policy)
        resolved = policy.apply(metadata, merged)
    except policy.PolicyError as exc:
        raise TrustChainError("policy", f"{leaf.subject} ({entity_type}): {exc}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        # An operator's value of the wrong JSON type (subset_of: 5, unhashable values …).
        raise TrustChainError("policy", f"{leaf.subject} ({entity_type}): malformed policy ({exc!r})") from exc
    return {**leaf.claims["metadata"], entity_type: resolved}


def seconds_left(chain):
    return chain.expires - time.time()
