from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "registry.certificates"
    label = "certificates"
    verbose_name = _("Certificati anagrafici")

    def ready(self):
        from fascicolo.dossier.hooks import register_attention_provider

        from .selectors import ready_to_download

        register_attention_provider(ready_to_download)
        if self.apps.is_installed("payments"):
            from . import stamps  # noqa: F401  (the stamp_paid receiver)
