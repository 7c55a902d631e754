from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PspSimulatorConfig(AppConfig):
    """The PSP simulator: a fake payment service provider for development, demos and tests.

    Installed only where it may run (``PSP_SIMULATOR_ENABLED``, settings.py): with production
    settings its table, tasks and URLs do not exist.
    """

    name = "payments.simulator"
    label = "psp_simulator"
    verbose_name = _("Simulatore PSP")
