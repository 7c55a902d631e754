"""The back office: clerks list, search (verification code, codice fiscale), filter and revoke."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from . import services
from .codes import normalize_verification_code
from .models import Certificate
from .states import Status


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Motivo della revoca"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


@admin.register(Certificate)
class CertificateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("display_code", "title", "holder", "status", "requested_at", "issued_at", "revoked_at")
    list_filter = ("status", "document_kind", "kind", "exemption", "requested_at")
    search_fields = ("=verification_code", "=holder__fiscal_code", "^holder__family_name")
    search_help_text = _("Codice di verifica, codice fiscale o cognome dell'intestatario")
    date_hierarchy = "requested_at"
    list_select_related = ("holder",)
    raw_id_fields = ("holder", "requested_by", "revoked_by")
    actions = ["revoke_selected"]
    readonly_fields = [f.name for f in Certificate._meta.fields if f.name != "id"] + ["display_code"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # certificates are requested by residents, never typed in

    def has_delete_permission(self, request, obj=None):
        return False  # an issued certificate is revoked, never deleted

    @admin.display(description=_("codice di verifica"), ordering="verification_code")
    def display_code(self, obj):
        return obj.display_code

    def get_search_results(self, request, queryset, search_term):
        # Codes are printed in groups ("ABCD-EFGH-…"): accept them as printed.
        try:
            search_term = normalize_verification_code(search_term)
        except ValidationError:
            search_term = search_term.strip().upper() if len(search_term.strip()) == 16 else search_term
        return super().get_search_results(request, queryset, search_term)

    # Revoking is the only change a clerk makes to a certificate: the registry office has it, supervisors do not.
    @admin.action(description=_("Revoca i certificati selezionati"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        queryset = queryset.filter(status__in=(Status.READY, Status.AWAITING_STAMP))
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for certificate in queryset:
                services.revoke(certificate.pk, reason=form.cleaned_data["reason"], by=request.user)
            count = queryset.count()
            message = ngettext("%d certificato revocato.", "%d certificati revocati.", count) % count
            self.message_user(request, message, messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/certificates/revoke.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Revoca dei certificati"),
                "certificates": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
