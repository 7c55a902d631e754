from django.conf import settings


def portal(request):
    """What every page needs: the municipality and whether this is a demo installation."""
    return {"municipality": settings.MUNICIPALITY, "demo_mode": settings.DEMO_MODE}
