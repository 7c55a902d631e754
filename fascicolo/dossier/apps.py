from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "fascicolo.dossier"
    label = "dossier"
    verbose_name = _("Area personale")

    def ready(self):
        from fascicolo import sections
        from fascicolo.outbox import services as outbox

        from . import services, signals  # noqa: F401  (signals: revokes the app's tokens at logout)

        sections.set_mailbox(services.deliver)
        outbox.register(services.MESSAGE_EMAIL, services.message_email)

        for section in (
            sections.Section("overview", _("Panoramica"), "dossier:overview", "it-horn", order=10),
            sections.Section("my_data", _("I miei dati"), "dossier:my_data", "it-user", order=20, needs_registry=True),
            sections.Section("family", _("La mia famiglia"), "dossier:family", "it-pa", order=30, needs_registry=True),
            sections.Section("messages", _("Messaggi"), "dossier:messages", "it-mail", order=60),
            sections.Section(
                "access_log",
                _("Accessi ai miei dati"),
                "dossier:access_log",
                "it-locked",
                order=70,
                needs_registry=True,
            ),
            sections.Section(
                "rectifications",
                _("Richieste di rettifica"),
                "dossier:rectifications",
                "it-pencil",
                order=80,
                needs_registry=True,
            ),
            sections.Section("settings", _("Impostazioni"), "dossier:settings", "it-settings", order=90),
        ):
            sections.register(section)
