from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "fascicolo.imports"
    label = "imports"
    verbose_name = _("Importazioni")
    default_auto_field = "django.db.models.BigAutoField"
