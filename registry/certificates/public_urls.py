"""The public verification page, mounted at /verify/ (namespace ``certificates_public``); no login."""

from django.urls import path

from . import views

app_name = "certificates_public"

urlpatterns = [
    path("", views.verify_landing, name="landing"),
    path("controlla/", views.verify_upload, name="upload"),
    path("<str:code>/", views.verify, name="verify"),
    path("<str:code>/controlla/", views.verify_upload, name="upload_for_code"),
]
