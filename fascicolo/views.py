from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from registry.models import Household, Person, RegistrationStatus

STATS_CACHE_SECONDS = 300


def _registry_stats():
    """``{"residents": int, "households": int}``, cached; ``None`` while the cache (Redis) is down.

    Counting 1.4 million rows on every home page view would be a click-day hazard: without the cache
    the page leaves the figures out rather than count them, or fail (tests/faults/test_redis_outage.py).
    """
    try:
        return cache.get_or_set(
            "home:registry-stats",
            lambda: {
                "residents": Person.objects.filter(registration_status=RegistrationStatus.RESIDENT).count(),
                "households": Household.objects.filter(dissolved_on__isnull=True).count(),
            },
            STATS_CACHE_SECONDS,
        )
    except (RedisConnectionError, RedisTimeoutError):
        return None


def home(request):
    # identity.views.logout_view comes back here with ?uscita=1 (cookies are cleared, so no message cookie).
    if request.GET.get("uscita") == "1" and not request.user.is_authenticated:
        messages.success(request, _("Sei uscito dall'area personale."))
    return render(request, "home.html", {"registry_stats": _registry_stats()})


def accessibility(request):
    return render(request, "accessibility.html")
