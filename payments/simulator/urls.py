from django.urls import path

from . import views

app_name = "psp_simulator"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/<str:id_cart>/", views.act, name="act"),
    path("api/checkouts/<str:id_cart>/", views.status, name="status"),
    path("api/flows/", views.reporting_flow, name="flows"),
]
