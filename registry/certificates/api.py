"""/api/v1/certificates/: the same as the dossier page — request, status, download."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from fascicolo.api.pagination import CursorPagination
from fascicolo.documents.storage import open_private_file
from fascicolo.limits import check_resident

from . import selectors, services
from .catalogue import CERTIFICATE_KINDS
from .models import Certificate, StampExemption
from .states import Status


class CertificatePagination(CursorPagination):
    ordering = ("-requested_at", "-id")


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    title = serializers.CharField()
    holder = serializers.CharField()
    requested_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(allow_null=True, help_text="Short-lived browser link (session only)")

    def to_representation(self, instance):
        return selectors.status_payload(instance, self.context["request"].user)


class CertificateRequestSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(help_text="The registry id of the holder (yourself or someone you act for)")
    kind = serializers.ChoiceField(choices=list(CERTIFICATE_KINDS))
    exemption = serializers.ChoiceField(choices=StampExemption.choices, help_text="ANPR stamp-duty exemption code")
    exemption_description = serializers.CharField(required=False, allow_blank=True, max_length=256)


class CertificateList(generics.ListAPIView):
    serializer_class = CertificateSerializer
    pagination_class = CertificatePagination

    def get_queryset(self):
        return selectors.certificates_for(self.request.user)

    @extend_schema(summary="Your certificates, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CertificateRequestSerializer,
        responses={202: CertificateSerializer},
        summary="Request a certificate (generated asynchronously; poll its status)",
    )
    def post(self, request):
        check_resident(request, "certificate_requests")
        incoming = CertificateRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            certificate = services.request_certificate(
                request.user,
                person_id=data["person_id"],
                kind=data["kind"],
                exemption=data["exemption"],
                exemption_description=data.get("exemption_description", ""),
                language=getattr(request, "LANGUAGE_CODE", "it"),
            )
        except Certificate.DoesNotExist:
            raise NotFound from None
        except services.RequestRefused as refusal:
            raise ValidationError({"non_field_errors": refusal.messages}) from None
        return Response(
            CertificateSerializer(certificate, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class CertificateDetail(APIView):
    @extend_schema(responses=CertificateSerializer, summary="One certificate's status")
    def get(self, request, pk):
        certificate = selectors.certificate_for(request.user, pk)
        return Response(CertificateSerializer(certificate, context={"request": request}).data)


class CertificateDownload(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The sealed PDF, once ready (404 until then)",
    )
    def get(self, request, pk):
        certificate = selectors.certificate_for(request.user, pk)
        if certificate.status != Status.READY:
            raise NotFound
        return FileResponse(
            open_private_file(certificate.file_name),
            as_attachment=True,
            filename=f"{certificate.kind or 'autocertificazione'}-{certificate.verification_code}.pdf",
            content_type="application/pdf",
        )
