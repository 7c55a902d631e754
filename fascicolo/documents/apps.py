from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "fascicolo.documents"
    label = "documents"
    verbose_name = _("Documenti PDF")

    def ready(self):
        # Only Celery workers fire these signals; web processes never import WeasyPrint at start-up.
        from . import signals  # noqa: F401
