from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Pagamenti")

    def ready(self):
        from . import checks  # noqa: F401  (system checks)
        from .gateways import load, simulator  # noqa: F401  (simulator registers the built-in gateway type)

        load()
        if self.apps.is_installed("fascicolo.dossier"):
            from fascicolo.dossier.hooks import register_attention_provider

            from .hooks import payments_due

            register_attention_provider(payments_due)
