from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Anagrafe")

    def ready(self):
        from fascicolo.imports.kinds import ImportKind, register

        from .import_jobs import run_residents

        register(ImportKind("residents", _("Residenti (tracciato ANPR)"), "registry.add_person", run_residents))
