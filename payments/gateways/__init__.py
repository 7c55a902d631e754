"""Payment gateways as plugins (``fascicolo.plugins.PluginRegistry``; the contract is ``base.Gateway``).

Gateway classes register their ``type`` with ``register``; the payments app imports its built-in
types and calls ``load`` from ``PaymentsConfig.ready``, building one instance per entry of
``settings.PAYMENTS_GATEWAYS``. ``get_gateway(id)`` returns a configured instance;
``default_gateway()`` the one named by ``settings.PAYMENTS_GATEWAY`` (new attempts use it). Callers
go through ``payments.attempts``, never a concrete class. This module imports no gateway.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from fascicolo.plugins import PluginRegistry

gateways = PluginRegistry("PAYMENTS_GATEWAYS", noun="gateway")

register = gateways.register
load = gateways.load


def all_gateways():
    """The configured gateways by id, in configuration order."""
    return {gateway.id: gateway for gateway in gateways.enabled()}


def get_gateway(gateway_id):
    """The configured gateway with this id; ``ImproperlyConfigured`` for an unknown one."""
    gateway = gateways.get(gateway_id)
    if gateway is None:
        raise ImproperlyConfigured(f"unknown payment gateway {gateway_id!r}")
    return gateway


def default_gateway():
    return get_gateway(settings.PAYMENTS_GATEWAY)


@receiver(setting_changed)
def _reload_on_change(*, setting, **kwargs):
    # Tests switch gateways with override_settings; production never changes settings at run time.
    if setting == "PAYMENTS_GATEWAYS":
        load()
