"""The certificates' part of /api/v1/ (included by fascicolo/api/urls.py at certificates/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.CertificateList.as_view(), name="certificates"),
    path("<int:pk>/", api.CertificateDetail.as_view(), name="certificate-detail"),
    path("<int:pk>/download/", api.CertificateDownload.as_view(), name="certificate-download"),
]
