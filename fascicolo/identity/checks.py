"""System checks: every enabled backend is configured, and nothing demo runs in production."""

from django.conf import settings
from django.core.checks import Error, register

from .backends import registry


@register()
def identity_backends(app_configs, **kwargs):
    errors = []
    for backend in registry.enabled_backends():
        for problem in backend.check_config():
            errors.append(Error(problem.message, hint=problem.hint or None, id="identity.E001"))
    if settings.DEBUG or settings.DEMO_MODE:
        return errors
    # The demo provider and demo backends log anyone in as anyone.
    demo = [backend.id for backend in registry.enabled_backends() if backend.is_demo]
    if settings.DEMO_IDP_ENABLED:
        demo.insert(0, "demo-idp")
    if demo:
        errors.append(
            Error(
                f"Demo identity providers are enabled with DEBUG off: {', '.join(demo)}.",
                hint="Remove them from IDENTITY_PROVIDERS and set DEMO_IDP=0, or set DEMO_MODE=1 for a "
                "demonstration installation (every page then shows the demo banner).",
                id="identity.E002",
            )
        )
    return errors
