"""/api/: the versioned API and its OpenAPI schema and docs.

Each app adds its v1 endpoints with one line in ``V1`` (docs/api.md); paths are versioned so that
a v2 can live beside v1 while the app updates.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

app_name = "api"

V1 = [
    path("", include("fascicolo.dossier.api_urls")),
    path("certificates/", include("registry.certificates.api_urls")),
    path("payments/", include("payments.api_urls")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Redoc styles itself with <style> elements it creates (no nonce: with one, browsers ignore
    # 'unsafe-inline'), and searches in a blob: worker.
    path(
        "docs/redoc/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    path("v1/", include((V1, "v1"))),
]
