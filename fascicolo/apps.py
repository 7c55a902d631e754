from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FascicoloConfig(AppConfig):
    name = "fascicolo"
    verbose_name = _("Fascicolo del Cittadino")

    def ready(self):
        from . import checks, chrome, groups  # noqa: F401  (system checks, the chrome's reset, the post_migrate hook)
