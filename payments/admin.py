"""The clerks' side: positions (by hand or from a TARI roll), publication and invalidation, attempts,
notifications, receipts, reporting flows with reconciliation, anomalies, and the dashboard."""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from . import dashboard, services, tari
from .forms import PositionForm, UploadForm
from .models import (
    Anomaly,
    AttemptTransition,
    DebtPosition,
    GatewayNotification,
    PaymentAttempt,
    PaymentOption,
    Receipt,
    ReportingFlow,
    ReportingFlowLine,
    Transfer,
)
from .states import PositionStatus


class ReadOnlyMixin:
    """Payments change only through services: the admin shows, actions act."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OptionInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentOption
    fields = ["installment_number", "notice_number", "amount_cents", "due_date", "status"]
    readonly_fields = fields
    extra = 0


class DebtorAuditedMixin(AuditedAdminMixin):
    """A debt position or an attempt names its debtor by codice fiscale, not by a link to the register:
    a clerk's read is recorded against the resident that code belongs to (none for non-residents)."""

    audit_fiscal_code_field = "debtor_fiscal_code"


@admin.register(DebtPosition)
class DebtPositionAdmin(DebtorAuditedMixin, admin.ModelAdmin):
    list_display = ["iupd", "debtor_fiscal_code", "debtor_name", "category", "subject", "status", "created_at"]
    list_filter = ["status", "category"]
    search_fields = ["=debtor_fiscal_code", "=iupd", "=options__notice_number", "debtor_name"]
    readonly_fields = [f.name for f in DebtPosition._meta.fields]
    inlines = [OptionInline]
    actions = ["publish", "invalidate"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [
            path("nuova/", self.admin_site.admin_view(self.new_position), name="payments_new_position"),
            path("importa-tari/", self.admin_site.admin_view(self.import_tari), name="payments_import_tari"),
            path("importa-flussi/", self.admin_site.admin_view(self.import_flows), name="payments_import_flows"),
            path("cruscotto/", self.admin_site.admin_view(self.dashboard), name="payments_dashboard"),
        ]
        return extra + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:payments_new_position")

    def _page(self, request, template, context):
        return TemplateResponse(
            request, template, {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        )

    def new_position(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PositionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            cents = int(data["amount"] * Decimal(100))
            options = [
                services.OptionSpec(
                    cents,
                    data["due_date"],
                    data["subject"],
                    [services.municipality_transfer(cents, data["category"], data["subject"])],
                )
            ]
            for number, share in enumerate(tari._split(cents, data["installments"]) if data["installments"] else [], 1):
                label = f"{data['subject']} — {_('rata')} {number}"
                options.append(
                    services.OptionSpec(
                        share,
                        tari.add_months(data["due_date"], number - 1),
                        label,
                        [services.municipality_transfer(share, data["category"], label)],
                        installment_number=number,
                    )
                )
            try:
                position = services.create_position(
                    debtor_type=data["debtor_type"],
                    debtor_fiscal_code=data["debtor_fiscal_code"],
                    debtor_name=data["debtor_name"],
                    debtor_email=data["debtor_email"],
                    category=data["category"],
                    subject=data["subject"],
                    options=options,
                    publish=data["publish"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Posizione %(iupd)s creata.") % {"iupd": position.iupd})
                return redirect("admin:payments_debtposition_change", position.pk)
        return self._page(request, "admin/payments/form.html", {"form": form, "title": _("Nuova posizione debitoria")})

    def import_tari(self, request):
        """Upload the TARI roll; it is imported in the background (fascicolo.imports)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._upload(request, "tari_roll", _("Importa il ruolo TARI"), with_year=True)

    def import_flows(self, request):
        """Upload reporting flows; they are imported and reconciled in the background."""
        if not self.has_change_permission_for_flows(request):
            raise PermissionDenied
        return self._upload(request, "reporting_flows", _("Importa flussi di rendicontazione"))

    def _upload(self, request, kind, title, with_year=False):
        from fascicolo.imports.admin import submit_upload

        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            options = {**form.dialect(), **({"year": form.cleaned_data["year"]} if with_year else {})}
            job = submit_upload(request, form, kind, {name: value for name, value in options.items() if value})
            if job is not None:
                return redirect("admin:imports_importjob_change", job.pk)
        return self._page(request, "admin/payments/form.html", {"form": form, "title": title, "upload": True})

    def has_change_permission_for_flows(self, request):
        return request.user.has_perm("payments.add_reportingflow")

    def dashboard(self, request):
        if not request.user.has_perm("payments.view_payments_dashboard"):
            raise PermissionDenied
        return self._page(
            request, "admin/payments/dashboard.html", {"title": _("Cruscotto dei pagamenti"), **dashboard.figures()}
        )

    @admin.action(description=_("Pubblica le posizioni selezionate"), permissions=["add"])
    def publish(self, request, queryset):
        done = 0
        for position in queryset.filter(status=PositionStatus.DRAFT):
            services.publish_position(position)
            done += 1
        messages.info(request, _("%(n)s posizioni pubblicate.") % {"n": done})

    @admin.action(description=_("Annulla le posizioni selezionate"), permissions=["add"])
    def invalidate(self, request, queryset):
        done = 0
        for position in queryset:
            try:
                services.invalidate_position(position)
                done += 1
            except ValidationError:
                continue
        messages.info(request, _("%(n)s posizioni annullate.") % {"n": done})


class TransitionInline(ReadOnlyMixin, admin.TabularInline):
    model = AttemptTransition
    fields = ["source", "target", "reason", "at"]
    readonly_fields = fields


class NotificationInline(ReadOnlyMixin, admin.TabularInline):
    model = GatewayNotification
    fields = ["event_id", "kind", "outcome", "detail", "received_at"]
    readonly_fields = fields


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(DebtorAuditedMixin, ReadOnlyMixin, admin.ModelAdmin):
    audit_fiscal_code_field = "payer_fiscal_code"
    list_display = ["public_id", "gateway", "payer_fiscal_code", "amount_cents", "status", "needs_review", "created_at"]
    list_filter = ["status", "gateway", "needs_review"]
    search_fields = ["=public_id", "=payer_fiscal_code", "=options__notice_number"]
    inlines = [TransitionInline, NotificationInline]


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["gateway", "event_id", "kind", "outcome", "detail", "received_at"]
    list_filter = ["outcome", "gateway", "kind"]
    search_fields = ["=event_id"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["receipt_id", "notice_number", "amount_cents", "psp_id", "payment_datetime", "outcome"]
    search_fields = ["=receipt_id", "=notice_number", "=iuv"]
    date_hierarchy = "payment_datetime"


class FlowLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportingFlowLine
    fields = ["line_number", "iuv", "iur", "transfer_index", "amount_cents", "status"]
    readonly_fields = fields
    max_num = 200


@admin.register(ReportingFlow)
class ReportingFlowAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["flow_id", "psp_id", "regulation_date", "total_payments", "total_amount_cents", "reconciled_at"]
    search_fields = ["=flow_id", "=regulation_id"]
    inlines = [FlowLineInline]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "import_url": reverse("admin:payments_import_flows")}
        return super().changelist_view(request, extra_context)


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = ["kind", "key", "created_at", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "kind",
        "key",
        "attempt",
        "receipt",
        "flow_line",
        "detail",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    fields = [*readonly_fields, "resolution_note"]
    actions = ["resolve"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Segna come risolte"), permissions=["change"])
    def resolve(self, request, queryset):
        n = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=request.user)
        messages.info(request, _("%(n)s anomalie risolte.") % {"n": n})


admin.site.register(
    Transfer,
    type(
        "TransferAdmin",
        (ReadOnlyMixin, admin.ModelAdmin),
        {
            "list_display": ["option", "index", "amount_cents", "beneficiary_fiscal_code", "status"],
            "search_fields": ["=option__notice_number"],
        },
    ),
)
