"""The payments endpoints under /api/v1/payments/: the same reads and action as the web pages.

Every query is scoped to the signed-in resident's codice fiscale: another resident's id is a 404
problem document, like a missing one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from fascicolo.api.pagination import CursorPagination
from fascicolo.documents.storage import open_private_file
from fascicolo.identity.services import fiscal_code_for_user
from fascicolo.limits import check_resident

from . import attempts, documents, selectors
from .gateways.base import ReturnUrls
from .models import Receipt
from .pdf import qr_payload


class TransferSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    amount_cents = serializers.IntegerField()
    beneficiary_fiscal_code = serializers.CharField()
    remittance = serializers.CharField()


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    installment_number = serializers.IntegerField(help_text="0 = single payment")
    notice_number = serializers.CharField()
    iuv = serializers.CharField()
    amount_cents = serializers.IntegerField()
    due_date = serializers.DateField()
    status = serializers.CharField()
    receipt_id = serializers.SerializerMethodField()
    qr_payload = serializers.SerializerMethodField()

    def get_receipt_id(self, option) -> int | None:
        receipt = getattr(option, "receipt", None) if hasattr(option, "receipt") else None
        return receipt.pk if receipt else None

    def get_qr_payload(self, option) -> str:
        return qr_payload(option)


class PositionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    iupd = serializers.CharField()
    subject = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    debtor_name = serializers.CharField()
    payment_date = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    options = OptionSerializer(many=True)


class ReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receipt
        fields = [
            "id",
            "receipt_id",
            "notice_number",
            "iuv",
            "amount_cents",
            "outcome",
            "psp_id",
            "psp_name",
            "payment_datetime",
            "created_at",
        ]


class PositionList(generics.ListAPIView):
    serializer_class = PositionSerializer

    def get_queryset(self):
        return selectors.positions_for(fiscal_code_for_user(self.request.user)).order_by("-created_at", "-id")

    @extend_schema(summary="The resident's debt positions (notices), newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PositionDetail(generics.RetrieveAPIView):
    serializer_class = PositionSerializer

    def get_object(self):
        position = selectors.position_for(fiscal_code_for_user(self.request.user), self.kwargs["pk"])
        if position is None:
            raise Http404
        return position


class ReceiptList(generics.ListAPIView):
    serializer_class = ReceiptSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        return Receipt.objects.filter(option__position__debtor_fiscal_code=fiscal_code_for_user(self.request.user))


class ReceiptDetail(generics.RetrieveAPIView):
    serializer_class = ReceiptSerializer

    def get_object(self):
        receipt = selectors.receipt_for(fiscal_code_for_user(self.request.user), self.kwargs["pk"])
        if receipt is None:
            raise Http404
        return receipt


PREPARING = inline_serializer("PdfPreparing", {"status": serializers.CharField(help_text="preparing")})


def _stored_pdf(name, filename):
    """The stored PDF, or 202 ``{"status": "preparing"}`` with ``Retry-After`` while a worker renders it."""
    if name is None:
        return Response({"status": "preparing"}, status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "5"})
    return FileResponse(open_private_file(name), as_attachment=True, filename=filename, content_type="application/pdf")


class NoticePdf(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): bytes, 202: PREPARING},
        summary="The payment notice as sealed PDF (202 while it is being prepared: retry after Retry-After)",
    )
    def get(self, request, pk):
        position = selectors.position_for(fiscal_code_for_user(request.user), pk)
        if position is None:
            raise Http404
        return _stored_pdf(documents.ask_for_notice(position), f"avviso-{position.pk}.pdf")


class ReceiptPdf(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): bytes, 202: PREPARING},
        summary="The receipt as sealed PDF (202 while it is being prepared: retry after Retry-After)",
    )
    def get(self, request, pk):
        receipt = selectors.receipt_for(fiscal_code_for_user(request.user), pk)
        if receipt is None:
            raise Http404
        return _stored_pdf(documents.ask_for_receipt(receipt), f"ricevuta-{receipt.receipt_id}.pdf")


class Pay(APIView):
    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "PayStarted", {"attempt": serializers.UUIDField(), "checkout_url": serializers.URLField()}
            )
        },
        summary="Start paying one notice: returns the gateway checkout URL to open",
    )
    def post(self, request, pk):
        check_resident(request, "payment_starts")
        fiscal_code = fiscal_code_for_user(request.user)
        option = selectors.option_for(fiscal_code, pk)
        if option is None:
            raise Http404

        def return_urls(attempt):
            result = request.build_absolute_uri(reverse("payments:result", args=[attempt.public_id]))
            notify = request.build_absolute_uri(reverse("payments_gateway:notify", args=[attempt.gateway]))
            return ReturnUrls(f"{result}?esito=ok", f"{result}?esito=annullato", f"{result}?esito=errore", notify)

        try:
            attempt, url = attempts.pay_option(option, fiscal_code, return_urls)
        except DjangoValidationError as exc:
            raise ValidationError({"option": exc.messages}) from exc
        return Response(
            {"attempt": attempt.public_id, "checkout_url": request.build_absolute_uri(url)},
            status=status.HTTP_201_CREATED,
        )
