"""A page that stays in flight until the test lets it go (load shedding tests)."""

import threading

from django.http import HttpResponse
from django.urls import path

from fascicolo.urls import urlpatterns as portal_urlpatterns

entered = threading.Semaphore(0)
release = threading.Event()


def held(request):
    entered.release()
    release.wait(timeout=30)
    return HttpResponse("done")


# Before the portal's own, which the 503 page links to.
urlpatterns = [path("area-personale/held/", held), path("healthz", held), *portal_urlpatterns]
