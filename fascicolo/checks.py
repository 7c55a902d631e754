"""System checks for settings that must hold in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def municipality_configured(app_configs, **kwargs):
    errors = []
    fiscal_code = settings.MUNICIPALITY["fiscal_code"]
    if not (fiscal_code.isdigit() and len(fiscal_code) == 11):
        errors.append(
            Error(
                "MUNICIPALITY_FISCAL_CODE must be the municipality's 11-digit fiscal code.",
                id="fascicolo.E001",
            )
        )
    return errors
