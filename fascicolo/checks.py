"""System checks for settings that must hold in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.security, deploy=True)
def demo_mode_off_in_production(app_configs, **kwargs):
    """DEMO_MODE allows the demo identity provider and the PSP simulator without DEBUG: on a real
    installation it would let anyone sign in as anyone."""
    if settings.DEMO_MODE and not settings.DEBUG:
        return [
            Warning(
                "DEMO_MODE is on with DEBUG off: the demo identity provider and the PSP simulator are "
                "served, and anyone can sign in as any resident.",
                hint="Unset DEMO_MODE on a real installation; keep it only for a public demonstration.",
                id="fascicolo.W001",
            )
        ]
    return []
