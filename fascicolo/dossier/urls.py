"""The area personale, mounted at /area-personale/.

``certificates`` and ``payments`` are placeholders: the certificates and payments apps mount their
own URLs at the same addresses, before this module in ``fascicolo/urls.py`` (docs/dossier.md).
"""

from django.urls import path

from . import views

app_name = "dossier"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("dati/", views.my_data, name="my_data"),
    path("famiglia/", views.family, name="family"),
    path("certificati/", views.certificates_placeholder, name="certificates"),
    path("pagamenti/", views.payments_placeholder, name="payments"),
    path("messaggi/", views.message_list, name="messages"),
    path("messaggi/<int:pk>/", views.message_detail, name="message_detail"),
    path("accessi/", views.access_log, name="access_log"),
    path("rettifiche/", views.rectification_list, name="rectifications"),
    path("rettifiche/nuova/", views.rectification_new, name="rectification_new"),
    path("rettifiche/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("impostazioni/", views.settings_page, name="settings"),
    path("impostazioni/token/<int:pk>/revoca/", views.token_revoke, name="token_revoke"),
    path("impostazioni/email/<str:token>/", views.verify_email, name="verify_email"),
]
