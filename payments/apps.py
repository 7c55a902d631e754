from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Pagamenti")

    def ready(self):
        from fascicolo import sections

        from . import checks, messages  # noqa: F401  (system checks; the "payment received" message)
        from .gateways import load, simulator  # noqa: F401  (simulator registers the built-in gateway type)
        from .hooks import payments_due
        from .notify import register_emails

        load()
        register_emails()
        from fascicolo.imports.kinds import register

        from .imports import KINDS

        for kind in KINDS:
            register(kind)
        sections.register(
            sections.Section("payments", _("Pagamenti"), "payments:index", "it-card", order=50, attention=payments_due)
        )
