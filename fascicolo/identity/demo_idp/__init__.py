"""The demo identity provider: a real OpenID Connect provider speaking the SPID OIDC profile.

It stands in for SPID and CIE in development, demos and tests (docs/identity.md). It logs anyone in
as anyone, so the system check ``identity.E002`` refuses it with ``DEBUG`` off unless ``DEMO_MODE``
is on.
"""
