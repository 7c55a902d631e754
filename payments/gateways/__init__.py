"""Payment gateways as plugins, registered by id (see ``base.Gateway``).

``get_gateway(id)`` returns the registered instance; ``default_gateway()`` the one named by
``settings.PAYMENTS_GATEWAY``. Callers go through ``payments.attempts``, never a concrete class.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_gateways = {}


def register(cls):
    if not cls.id:
        raise ImproperlyConfigured(f"{cls.__name__} has no id")
    _gateways[cls.id] = cls()
    return cls


def load():
    from . import simulator  # noqa: F401  (registers the built-in gateways)


def all_gateways():
    load()
    return dict(_gateways)


def get_gateway(gateway_id):
    load()
    try:
        return _gateways[gateway_id]
    except KeyError:
        raise ImproperlyConfigured(f"unknown payment gateway {gateway_id!r}") from None


def default_gateway():
    return get_gateway(settings.PAYMENTS_GATEWAY)
