"""The demo provider's signing key: ``DEMO_IDP_SIGNING_KEY_FILE``, generated there on first use."""

from django.conf import settings

from .. import keys


def signing_key():
    return keys.load_or_create(settings.DEMO_IDP_SIGNING_KEY_FILE)


def public_jwks():
    return keys.public_jwks(signing_key())
