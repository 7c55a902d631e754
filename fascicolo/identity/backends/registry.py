"""The identity backends enabled by configuration, by id (``fascicolo.plugins.PluginRegistry``).

Backend classes register their ``type`` with ``register`` when their module is imported; the
identity app imports its built-in types and calls ``load`` from ``IdentityConfig.ready``, which
builds one instance per entry of ``settings.IDENTITY_BACKENDS``. This module imports no backend.
"""

from django.core.signals import setting_changed
from django.dispatch import receiver

from fascicolo.plugins import PluginRegistry

backends = PluginRegistry("IDENTITY_BACKENDS", noun="backend", default_type="oidc")

register = backends.register
load = backends.load
enabled_backends = backends.enabled
get_backend = backends.get


@receiver(setting_changed)
def _reload_on_change(*, setting, **kwargs):
    # Tests switch providers with override_settings; production never changes settings at run time.
    if setting == "IDENTITY_BACKENDS":
        load()
