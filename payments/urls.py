"""The resident's payments, mounted at /area-personale/pagamenti/ (the dossier's menu links here)."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("posizioni/<int:pk>/", views.position_detail, name="position"),
    path("posizioni/<int:pk>/avviso.pdf", views.notice_download, name="notice_pdf"),
    path("ricevute/<int:pk>/ricevuta.pdf", views.receipt_download, name="receipt_pdf"),
    path("avvisi/<int:pk>/paga/", views.pay, name="pay"),
    path("esito/<uuid:public_id>/", views.result, name="result"),
    path("bollo/certificati/<int:certificate_id>/paga/", views.pay_certificate_stamp, name="pay_certificate_stamp"),
]
