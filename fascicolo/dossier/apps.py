from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "fascicolo.dossier"
    label = "dossier"
    verbose_name = _("Area personale")

    def ready(self):
        from . import signals  # noqa: F401  (revokes the app's tokens when the resident logs out)
