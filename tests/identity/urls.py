"""The portal's URLs plus one page that needs L2, for the step-up tests."""

from django.http import HttpResponse
from django.urls import path

from fascicolo.identity.decorators import require_loa
from fascicolo.identity.loa import LoA
from fascicolo.urls import urlpatterns as portal_urlpatterns


@require_loa(LoA.L2)
def protected(request):
    return HttpResponse('<!doctype html><html lang="it"><title>Protetta</title><main><h1>Pagina protetta</h1></main>')


urlpatterns = [path("protetta/", protected, name="protected"), *portal_urlpatterns]
