from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

from registry.models import Household, Person, RegistrationStatus

STATS_CACHE_SECONDS = 300


def _registry_stats():
    # Counting 1.4 million rows on every home page view would be a click-day hazard: cache it.
    return cache.get_or_set(
        "home:registry-stats",
        lambda: {
            "residents": Person.objects.filter(registration_status=RegistrationStatus.RESIDENT).count(),
            "households": Household.objects.filter(dissolved_on__isnull=True).count(),
        },
        STATS_CACHE_SECONDS,
    )


def home(request):
    # identity.views.logout_view comes back here with ?uscita=1 (cookies are cleared, so no message cookie).
    if request.GET.get("uscita") == "1" and not request.user.is_authenticated:
        messages.success(request, _("Sei uscito dall'area personale."))
    return render(request, "home.html", {"registry_stats": _registry_stats()})


def accessibility(request):
    return render(request, "accessibility.html")
