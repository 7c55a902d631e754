from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Pagamenti")

    def ready(self):
        from fascicolo import sections

        from . import checks  # noqa: F401  (system checks)
        from .gateways import load, simulator  # noqa: F401  (simulator registers the built-in gateway type)
        from .hooks import payments_due

        load()
        from fascicolo.imports.kinds import register

        from .imports import KINDS

        for kind in KINDS:
            register(kind)
        sections.register(
            sections.Section("payments", _("Pagamenti"), "payments:index", "it-card", order=50, attention=payments_due)
        )
