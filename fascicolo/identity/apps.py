from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "fascicolo.identity"
    label = "identity"
    verbose_name = _("Identità digitale")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .backends import oidc, registry, saml  # noqa: F401  (oidc and saml register the built-in types)

        registry.load()
