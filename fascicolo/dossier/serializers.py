"""The dossier's API shapes. Read-only serializers mirror the web pages; writes go through services."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fascicolo.identity.models import ApiToken

from .models import Message, RectifiableDatum, RectificationRequest, RectificationStatus


class AddressSerializer(serializers.Serializer):
    toponym = serializers.CharField()
    street = serializers.CharField()
    civic_number = serializers.CharField()
    civic_suffix = serializers.CharField()
    staircase = serializers.CharField()
    interior = serializers.CharField()
    postal_code = serializers.CharField()
    municipality_name = serializers.CharField()
    municipality_istat = serializers.CharField()
    province = serializers.CharField()
    display = serializers.CharField(source="__str__")


class CitizenshipSerializer(serializers.Serializer):
    country = serializers.CharField()
    acquired_on = serializers.DateField(allow_null=True)
    lost_on = serializers.DateField(allow_null=True)


class DocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    number = serializers.CharField()
    issued_by = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()


class ResidenceStepSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    address = serializers.CharField()
    other_municipality = serializers.CharField()


class RegistryDataSerializer(serializers.Serializer):
    anpr_id = serializers.CharField(source="person.anpr_id", allow_null=True)
    given_name = serializers.CharField(source="person.given_name")
    family_name = serializers.CharField(source="person.family_name")
    sex = serializers.CharField(source="person.sex")
    birth_date = serializers.DateField(source="person.birth_date")
    birth_place = serializers.CharField(source="person.birth_place")
    birth_province = serializers.CharField(source="person.birth_province")
    birth_country = serializers.CharField(source="person.birth_country")
    civil_status = serializers.IntegerField(source="person.civil_status")
    civil_status_label = serializers.CharField(source="person.get_civil_status_display")
    civil_status_date = serializers.DateField(source="person.civil_status_date", allow_null=True)
    registration_status = serializers.CharField(source="person.registration_status")
    registry_email = serializers.CharField(source="person.email")
    citizenships = CitizenshipSerializer(many=True)
    documents = DocumentSerializer(many=True)
    residence = AddressSerializer(allow_null=True)
    residence_history = ResidenceStepSerializer(many=True)


class MeSerializer(serializers.Serializer):
    fiscal_code = serializers.CharField()
    display_name = serializers.CharField()
    in_registry = serializers.BooleanField()
    level_of_assurance = serializers.IntegerField()
    unread_messages = serializers.IntegerField()
    registry = RegistryDataSerializer(allow_null=True)


class HouseholdMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.pk")
    given_name = serializers.CharField(source="person.given_name")
    family_name = serializers.CharField(source="person.family_name")
    birth_date = serializers.DateField(source="person.birth_date")
    relationship = serializers.IntegerField()
    relationship_label = serializers.CharField(source="get_relationship_display")
    since = serializers.DateField(source="started_on")
    is_me = serializers.SerializerMethodField()
    may_act_for = serializers.SerializerMethodField()

    def get_is_me(self, membership) -> bool:
        return membership.person_id == self.context["me_id"]

    def get_may_act_for(self, membership) -> bool:
        return membership.person_id in self.context["actable_ids"]


class HouseholdSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    kind = serializers.CharField(allow_null=True)
    address = AddressSerializer(allow_null=True)
    members = HouseholdMemberSerializer(many=True)


class MessageSerializer(serializers.ModelSerializer):
    """A message in the request's language (``Accept-Language``): the Italian text when there is no
    translation. ``kind`` is empty for a clerk's message; ``link_url`` the portal page it points to."""

    kind = serializers.CharField(read_only=True, help_text="certificate_ready, payment_confirmed, …; empty: a clerk's")
    subject = serializers.CharField(source="text.subject", read_only=True)
    body = serializers.CharField(source="text.body", read_only=True)
    link_label = serializers.CharField(source="text.link_label", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Message
        fields = ("id", "kind", "subject", "body", "link_url", "link_label", "created_at", "read_at", "is_read")
        read_only_fields = fields


class AccessEntrySerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    actor_name = serializers.CharField()
    actor_office = serializers.CharField()
    action = serializers.CharField()
    object_description = serializers.CharField()
    purpose = serializers.CharField(help_text="In the request's language; empty when none was recorded")
    sentence = serializers.CharField(help_text="Who, what, in plain words (the web page's sentence)")


class LoginEntrySerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    method = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()


class SettingsSerializer(serializers.Serializer):
    # Plain strings rather than EmailField: an address not set yet is "" (which is no email).
    email = serializers.CharField(
        required=False,
        max_length=254,
        help_text='The verified contact email ("" if none). Writing a new address sends a verification link '
        "to it; it becomes the contact email only once the link is followed.",
    )
    email_verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pending_email = serializers.CharField(read_only=True, help_text='The address awaiting verification, or "".')
    registry_email = serializers.CharField(read_only=True, help_text="The registry office's record; read-only.")
    digital_notices = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate_email(self, value):
        return serializers.EmailField().run_validation(value)


class RectificationSerializer(serializers.ModelSerializer):
    datum = serializers.ChoiceField(choices=RectifiableDatum.choices)
    datum_label = serializers.CharField(source="get_datum_display", read_only=True)
    status = serializers.ChoiceField(choices=RectificationStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    correct_value = serializers.CharField(max_length=300, trim_whitespace=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    class Meta:
        model = RectificationRequest
        fields = (
            "id", "datum", "datum_label", "correct_value", "note", "status", "status_label", "clerk_note",
            "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "clerk_note", "created_at", "updated_at")


class TokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ("id", "name", "prefix", "loa", "created_at", "expires_at", "revoked_at", "last_used_at", "is_active")
        read_only_fields = fields

    def get_is_active(self, token) -> bool:
        from django.utils import timezone

        return token.revoked_at is None and token.expires_at > timezone.now()


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text=_("Il token: mostrato solo ora, non è conservato."))

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "token")
        read_only_fields = fields
