"""The portal's URLs plus views that fail in each way the error pages answer (test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from fascicolo.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a crafted request")


def crash(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError("connection refused")


urlpatterns = [
    path("test-errors/forbidden/", forbidden),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/crash/", crash),
    path("test-errors/database-down/", database_down),
    path("api/test-errors/crash/", crash),
    path("api/test-errors/database-down/", database_down),
    *urlpatterns,
]
