"""The area personale's own sections, mounted at /area-personale/.

The certificates and payments apps mount their sections under the same prefix themselves
(``fascicolo/urls.py``) and register them in ``fascicolo.sections`` (docs/dossier.md).
"""

from django.urls import path

from . import views

app_name = "dossier"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("dati/", views.my_data, name="my_data"),
    path("famiglia/", views.family, name="family"),
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
