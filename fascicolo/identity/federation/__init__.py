"""OpenID Federation 1.0 for the SPID/CIE OpenID Connect relying party.

``policy`` merges and applies metadata policies, ``statements`` signs and verifies entity statements,
``trust_chain`` resolves an entity's trust chain to a trust anchor, ``entity`` builds the relying
party's own entity configuration, ``chains`` keeps resolved chains in the shared cache.
docs/identity.md, "OpenID Federation", says why the resolution is the project's own code.
"""
