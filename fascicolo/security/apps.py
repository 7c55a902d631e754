from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "fascicolo.security"
    label = "security"
    verbose_name = _("Sicurezza delle sessioni")

    def ready(self):
        from . import signals  # noqa: F401  (starts the session clock at every login)
