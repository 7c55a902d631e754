from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoIdpConfig(AppConfig):
    name = "fascicolo.identity.demo_idp"
    label = "demo_idp"
    verbose_name = _("Gestore di identità dimostrativo")
