"""The dossier's endpoints under /api/v1/: the same reads and actions as the web pages."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from fascicolo.api.pagination import ListCursorPagination
from fascicolo.api.permissions import request_loa
from fascicolo.identity import selectors as identity_selectors
from fascicolo.identity import tokens
from fascicolo.identity.models import ApiToken
from fascicolo.identity.services import fiscal_code_for_user, person_for_user
from fascicolo.limits import check_resident

from . import selectors, services
from .serializers import (
    AccessEntrySerializer,
    HouseholdSerializer,
    LoginEntrySerializer,
    MeSerializer,
    MessageSerializer,
    RectificationSerializer,
    SettingsSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The signed-in resident and their registry data")
    def get(self, request):
        user = request.user
        person = person_for_user(user)
        data = {
            "fiscal_code": fiscal_code_for_user(user),
            "display_name": person.full_name if person else user.get_full_name(),
            "in_registry": person is not None,
            "level_of_assurance": int(request_loa(request)),
            "unread_messages": selectors.unread_count(user),
            "registry": selectors.my_data(user),
        }
        return Response(MeSerializer(data).data)


class HouseholdView(APIView):
    @extend_schema(responses=HouseholdSerializer, summary="The resident's household and whom they may act for")
    def get(self, request):
        members = selectors.household_members(request.user)
        household = members[0].household if members else None
        person = person_for_user(request.user)
        context = {
            "me_id": person.pk if person else None,
            "actable_ids": {p.pk for p in selectors.actable_people(request.user)},
        }
        data = {
            "code": household.code if household else None,
            "kind": household.kind if household else None,
            "address": household.address if household else None,
            "members": members,
        }
        return Response(HouseholdSerializer(data, context=context).data)


class MessageList(generics.ListAPIView):
    serializer_class = MessageSerializer

    def get_queryset(self):
        queryset = selectors.messages_for(self.request.user)
        unread = self.request.query_params.get("unread")
        if unread is None:
            return queryset
        if unread not in ("true", "false"):
            raise ValidationError({"unread": _("Usa true o false.")})
        return queryset.filter(read_at__isnull=unread == "true")

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (true) or read (false)")],
        summary="The resident's messages, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MessageDetail(APIView):
    @extend_schema(responses=MessageSerializer, summary="One message (reading it here does not mark it read)")
    def get(self, request, pk):
        return Response(MessageSerializer(selectors.message_for(request.user, pk)).data)


class MessageRead(APIView):
    @extend_schema(request=None, responses=MessageSerializer, summary="Mark a message read (idempotent)")
    def post(self, request, pk):
        return Response(MessageSerializer(services.mark_message_read(request.user, pk)).data)


def _paginated(name, item):
    return inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


class AccessLogView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque page position")],
        responses=_paginated("PaginatedAccessEntryList", AccessEntrySerializer),
        summary="Every time a clerk read or changed the resident's data, newest first",
    )
    def get(self, request):
        entries = selectors.access_entries(request.user) or []
        paginator = ListCursorPagination()
        page = paginator.paginate(entries, request)
        return paginator.response(AccessEntrySerializer(page, many=True).data)


class LoginLogView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque page position")],
        responses=_paginated("PaginatedLoginEntryList", LoginEntrySerializer),
        summary="The resident's own logins, newest first",
    )
    def get(self, request):
        entries = selectors.login_entries(request.user) or []
        paginator = ListCursorPagination()
        page = paginator.paginate(entries, request)
        return paginator.response(LoginEntrySerializer(page, many=True).data)


def _settings_data(user):
    profile = identity_selectors.profile_for(user)
    return {
        "email": profile.email,
        "email_verified_at": profile.email_verified_at,
        "pending_email": profile.pending_email,
        "registry_email": selectors.registry_email(user),
        "digital_notices": profile.digital_notices,
        "language": profile.language,
    }


class SettingsView(APIView):
    @extend_schema(responses=SettingsSerializer, summary="The resident's settings")
    def get(self, request):
        return Response(SettingsSerializer(_settings_data(request.user)).data)

    @extend_schema(
        request=SettingsSerializer,
        responses=SettingsSerializer,
        summary="Change settings; a new email becomes pending until its verification link is followed",
    )
    def patch(self, request):
        serializer = SettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if "email" in values:
            services.request_email_change(request.user, values["email"])
        if "digital_notices" in values or "language" in values:
            services.update_preferences(
                request.user, digital_notices=values.get("digital_notices"), language=values.get("language")
            )
        return Response(SettingsSerializer(_settings_data(request.user)).data)


class RectificationList(generics.ListCreateAPIView):
    serializer_class = RectificationSerializer

    def get_queryset(self):
        return selectors.rectifications_for(self.request.user)

    @extend_schema(summary="The resident's correction requests, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Ask the registry office to correct a datum")
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.submit_rectification(request.user, **serializer.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class RectificationDetail(APIView):
    @extend_schema(responses=RectificationSerializer, summary="One correction request and its status")
    def get(self, request, pk):
        return Response(RectificationSerializer(selectors.rectification_for(request.user, pk)).data)


class TokenList(generics.ListAPIView):
    serializer_class = TokenSerializer

    def get_queryset(self):
        return tokens.tokens_for(self.request.user)

    @extend_schema(summary="The resident's app tokens")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer},
        summary="Create a one-hour app token (only from a browser session signed in at level 2)",
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            # A token minting tokens would outlive the strong login it came from.
            raise PermissionDenied(_("I token si creano solo da un accesso con SPID o CIE, non con un altro token."))
        check_resident(request, "api_tokens")  # one count with the settings page's form
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = tokens.create_api_token(request.user, name=serializer.validated_data["name"],
                                               loa=request_loa(request))  # fmt: skip
        token.token = raw
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetail(APIView):
    @extend_schema(responses=TokenSerializer, summary="One app token")
    def get(self, request, pk):
        return Response(TokenSerializer(tokens.token_for(request.user, pk)).data)

    @extend_schema(responses={204: None}, summary="Revoke an app token (idempotent)")
    def delete(self, request, pk):
        tokens.revoke_api_token(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
