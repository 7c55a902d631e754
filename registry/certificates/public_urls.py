"""The public verification page, mounted at /verify/ (namespace ``certificates_public``); no login."""

from django.urls import path

from . import views

app_name = "certificates_public"

urlpatterns = [
    path("<str:code>/", views.verify, name="verify"),
]
