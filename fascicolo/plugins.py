"""One plugin shape for every pluggable area (identity backends, payment gateways).

An area owns one ``PluginRegistry``. Implementations are classes that set ``type`` and register
themselves with ``registry.register`` when their module is imported; an app imports its built-in
implementations from ``AppConfig.ready()`` (the registry itself imports no implementation). The
registry then builds one *instance* per configuration entry (a dict with at least ``id`` and
``type``, usually read from the environment in ``settings.py``), so the same class can serve several
configured instances, and enabling one is a configuration change, never a code change.

    backends = PluginRegistry("IDENTITY_BACKENDS")

    @backends.register
    class OIDCBackend(IdentityBackend):
        type = "oidc"

    backends.load()                 # from settings.IDENTITY_BACKENDS, in AppConfig.ready()
    backends.get("spid-demo")       # the configured instance, or None
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PluginRegistry:
    """Plugin classes by ``type``, and the configured instances by ``id`` (in configuration order).

    ``setting`` names the Django setting holding the list of configuration entries; ``load`` reads
    it (or the ``entries`` it is given) and raises ``ImproperlyConfigured`` for an unknown type, a
    missing or duplicate id, leaving the instances already loaded in place.
    """

    def __init__(self, setting, *, noun="plugin", default_type=None):
        self.setting = setting
        self.noun = noun  # what error messages call an implementation: "backend", "gateway"
        self.default_type = default_type
        self._types: dict[str, type] = {}
        self._instances: dict[str, object] = {}

    def register(self, cls):
        """Class decorator: make ``cls`` available under ``cls.type``."""
        if not getattr(cls, "type", ""):
            raise ImproperlyConfigured(f"{cls.__name__} has no type")
        self._types[cls.type] = cls
        return cls

    def types(self):
        return dict(self._types)

    def load(self, entries=None):
        """(Re)build the instances from ``entries`` (default: the setting)."""
        entries = getattr(settings, self.setting) if entries is None else entries
        instances = {}
        for entry in entries:
            plugin_id = entry.get("id")
            kind = entry.get("type") or self.default_type
            if not plugin_id:
                raise ImproperlyConfigured(f"{self.setting}: an entry has no id")
            if kind not in self._types:
                raise ImproperlyConfigured(f"{self.setting}: unknown {self.noun} type {kind!r} for {plugin_id!r}")
            if plugin_id in instances:
                raise ImproperlyConfigured(f"{self.setting}: duplicate id {plugin_id!r}")
            instances[plugin_id] = self._types[kind](entry)
        self._instances.clear()
        self._instances.update(instances)

    def enabled(self):
        """The configured instances, in configuration order."""
        return list(self._instances.values())

    def get(self, plugin_id):
        """The configured instance with this id, or ``None``."""
        return self._instances.get(plugin_id)
