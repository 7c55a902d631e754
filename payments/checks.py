"""System checks: the chosen gateway is configured, and nothing demo runs in production."""

import os

from django.conf import settings
from django.core.checks import Error, register


@register()
def payment_gateways(app_configs, **kwargs):
    from .gateways import get_gateway

    errors = []
    gateway = None
    if settings.PAYMENTS_GATEWAY:
        try:
            gateway = get_gateway(settings.PAYMENTS_GATEWAY)
        except Exception as exc:
            errors.append(Error(str(exc), id="payments.E003"))
    if gateway is not None:
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
    if gateway is not None and gateway.is_demo:
        errors.append(
            Error(
                f"The payment gateway {gateway.id!r} is a demo gateway and DEBUG is off.",
                hint="Choose a real gateway in PAYMENTS_GATEWAY, or set DEMO_MODE=1.",
                id="payments.E002",
            )
        )
    return errors
