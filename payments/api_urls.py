"""The payments part of /api/v1/ (included by fascicolo/api/urls.py under payments/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("positions/", api.PositionList.as_view(), name="payments-positions"),
    path("positions/<int:pk>/", api.PositionDetail.as_view(), name="payments-position"),
    path("positions/<int:pk>/notice.pdf", api.NoticePdf.as_view(), name="payments-notice-pdf"),
    path("options/<int:pk>/pay/", api.Pay.as_view(), name="payments-pay"),
    path("receipts/", api.ReceiptList.as_view(), name="payments-receipts"),
    path("receipts/<int:pk>/", api.ReceiptDetail.as_view(), name="payments-receipt"),
    path("receipts/<int:pk>/receipt.pdf", api.ReceiptPdf.as_view(), name="payments-receipt-pdf"),
]
