"""System checks: the chosen gateway is configured, and nothing demo runs in production."""

import os

from django.conf import settings
from django.core.checks import Error, register


@register()
def payment_gateways(app_configs, **kwargs):
    from .gateways import all_gateways

    errors = []
    configured = all_gateways()
    if settings.PAYMENTS_GATEWAY and settings.PAYMENTS_GATEWAY not in configured:
        errors.append(Error(f"unknown payment gateway {settings.PAYMENTS_GATEWAY!r}", id="payments.E003"))
    for gateway in configured.values():
        for problem in gateway.check_config():
            errors.append(Error(problem, id="payments.E003"))
    # The test suite runs with DEBUG off and the simulator on (TESTING also unlocks the development
    # SECRET_KEY in settings.py: it never belongs in a production environment either).
    if settings.DEBUG or settings.DEMO_MODE or os.environ.get("TESTING"):
        return errors
    # The simulator accepts any "payment": it must never face real residents.
    if settings.PSP_SIMULATOR_ENABLED:
        errors.append(
            Error(
                "The PSP simulator is enabled with DEBUG off.",
                hint="Set PSP_SIMULATOR_ENABLED=0, or DEMO_MODE=1 for a demonstration installation.",
                id="payments.E001",
            )
        )
    for gateway in configured.values():
        if gateway.is_demo:
            errors.append(
                Error(
                    f"The payment gateway {gateway.id!r} is a demo gateway and DEBUG is off.",
                    hint="Configure real gateways in PAYMENTS_GATEWAYS / PAYMENTS_GATEWAY, or set DEMO_MODE=1.",
                    id="payments.E002",
                )
            )
    return errors
