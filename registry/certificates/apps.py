from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "registry.certificates"
    label = "certificates"
    verbose_name = _("Certificati anagrafici")

    def ready(self):
        from fascicolo import sections

        from . import messages
        from .selectors import ready_to_download

        sections.register(
            sections.Section(
                "certificates",
                _("Certificati"),
                "certificates:index",
                "it-file",
                order=40,
                needs_registry=True,
                attention=ready_to_download,
            )
        )
        if self.apps.is_installed("payments"):
            from payments.signals import stamp_paid

            from . import stamps  # noqa: F401  (the stamp_paid receiver)

            stamp_paid.connect(messages.announce_stamp_paid, dispatch_uid="certificates.messages.stamp_paid")
