"""/api/: the versioned API and its OpenAPI schema and docs.

Each app adds its v1 endpoints with one line in ``V1`` (docs/api.md); paths are versioned so that
a v2 can live beside v1 while the app updates.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

app_name = "api"

V1 = [
    path("", include("fascicolo.dossier.api_urls")),
    path("certificates/", include("registry.certificates.api_urls")),
    path("payments/", include("payments.api_urls")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/", include((V1, "v1"))),
]
