"""Clerks' side of the area personale: writing messages, handling correction requests.

Both hold personal data, so both go through the access log (``AuditedAdminMixin``): the resident
sees in *Accessi ai miei dati* which clerk opened their request or wrote to them, and why.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from . import services
from .models import RECTIFICATION_TRANSITIONS, Message, RectificationRequest, RectificationStatus


@admin.register(Message)
class MessageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("subject", "recipient_fiscal_code", "created_at", "read_at", "sender")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=recipient_fiscal_code", "subject")
    raw_id_fields = ("recipient_person",)
    fields = ("recipient_person", "recipient_fiscal_code", "subject", "body", "sender", "created_at", "read_at")
    readonly_fields = ("sender", "created_at", "read_at")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        # A sent message is part of what the resident was told: it is never edited afterwards.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.sender = request.user
        super().save_model(request, obj, form, change)


class RectificationAdminForm(forms.ModelForm):
    class Meta:
        model = RectificationRequest
        fields = ("status", "clerk_note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "status" in self.fields:  # absent for a clerk who may only view it
            current = RectificationStatus(self.instance.status)
            allowed = (current, *RECTIFICATION_TRANSITIONS[current])
            self.fields["status"].choices = [(s.value, s.label) for s in allowed]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == RectificationStatus.REJECTED and not cleaned.get("clerk_note"):
            self.add_error("clerk_note", _("Spiega al cittadino perché la richiesta è respinta."))
        return cleaned


class _StatusThroughServiceAdmin(admin.ModelAdmin):
    """Saves a correction request through the service (transition table, row lock, message)."""

    def save_model(self, request, obj, form, change):
        try:
            services.change_rectification_status(
                obj, status=form.cleaned_data["status"], clerk=request.user, clerk_note=form.cleaned_data["clerk_note"]
            )
        except ValidationError as exc:  # the form already checked; a concurrent change can still refuse
            self.message_user(request, "; ".join(exc.messages), level="error")


@admin.register(RectificationRequest)
class RectificationRequestAdmin(AuditedAdminMixin, _StatusThroughServiceAdmin):
    form = RectificationAdminForm
    list_display = ("__str__", "datum", "status", "created_at", "handled_by")
    list_filter = ("status", "datum")
    search_fields = ("=person__fiscal_code",)
    list_select_related = ("person", "handled_by")
    readonly_fields = ("person", "requested_by", "datum", "correct_value", "note", "created_at", "handled_by")
    fields = (*readonly_fields, "status", "clerk_note")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # requests come from residents, through the area personale

    def has_delete_permission(self, request, obj=None):
        return False
