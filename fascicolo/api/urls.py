"""/api/: the versioned API and its OpenAPI schema and docs.

Each app adds its v1 endpoints with one line in ``V1`` (docs/api.md); paths are versioned so that
a v2 can live beside v1 while the app updates.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

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
    # No Redoc page: its bundle always loads its vendor's logo from a CDN, which the
    # Content-Security-Policy refuses (and which would tell a third party who reads the docs).
    path("v1/", include((V1, "v1"))),
]
