"""Server-to-server endpoints for payment gateways, mounted at /pagamenti/."""

from django.urls import path

from . import views

app_name = "payments_gateway"

urlpatterns = [
    path("notifiche/<slug:gateway_id>/", views.notify, name="notify"),
]
