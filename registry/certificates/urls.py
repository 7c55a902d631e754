"""The *Certificati* section, mounted at /area-personale/certificati/ (namespace ``certificates``)."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.index, name="index"),
    path("richiedi/", views.request_certificate, name="request"),
    path("autocertificazione/", views.self_declaration, name="self_declaration"),
    path("<int:pk>/stato/", views.status, name="status"),
    path("<int:pk>/pdf/", views.download_by_id, name="pdf"),
    path("scarica/<str:token>/", views.download, name="download"),
]
