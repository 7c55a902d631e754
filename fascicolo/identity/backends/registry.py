"""The backends enabled by configuration, by id.

Backend classes register their ``type`` with ``register``; at start-up (``IdentityConfig.ready``)
``load`` builds one instance per entry of ``settings.IDENTITY_BACKENDS``. Enabling a backend is a
configuration change, never a code change.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

_types: dict[str, type] = {}
_backends: dict[str, object] = {}


def register(cls):
    """Class decorator: make a backend class available under its ``type``."""
    _types[cls.type] = cls
    return cls


def load():
    """(Re)build the enabled backends from settings."""
    from . import oidc  # noqa: F401  (registers the built-in types)

    backends = {}
    for entry in settings.IDENTITY_BACKENDS:
        kind = entry.get("type", "oidc")
        if kind not in _types:
            raise ImproperlyConfigured(f"IDENTITY_BACKENDS: unknown backend type {kind!r} for {entry.get('id')!r}")
        if entry["id"] in backends:
            raise ImproperlyConfigured(f"IDENTITY_BACKENDS: duplicate id {entry['id']!r}")
        backends[entry["id"]] = _types[kind](entry)
    _backends.clear()
    _backends.update(backends)


def enabled_backends():
    """The enabled backends, in configuration order."""
    return list(_backends.values())


def get_backend(backend_id):
    """The enabled backend with this id, or ``None``."""
    return _backends.get(backend_id)


@receiver(setting_changed)
def _reload_on_change(*, setting, **kwargs):
    # Tests switch providers with override_settings; production never changes settings at run time.
    if setting == "IDENTITY_BACKENDS":
        load()
