"""Debt positions, notices, attempts, receipts and reporting flows (pagoPA, docs/domain.md §1).

DebtPosition (*posizione debitoria*) → PaymentOption (*opzione di pagamento*: the single payment or
one installment, each with its own notice number) → Transfer (*trasferimento*: up to five
beneficiaries). Money is always integer euro cents.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .identifiers import validate_iban, validate_notice_number, validate_province, validate_taxonomy
from .states import AttemptStatus, OptionStatus, PositionStatus, TransferStatus


class ServiceCategory(models.TextChoices):
    TARI = "TARI", _("TARI (rifiuti)")
    FINE = "FINE", _("Sanzioni e multe")
    CANTEEN = "CANTEEN", _("Mensa scolastica")
    STAMP = "STAMP", _("Imposta di bollo")
    OTHER = "OTHER", _("Altro")


class DebtorType(models.TextChoices):
    PERSON = "F", _("Persona fisica")
    LEGAL = "G", _("Persona giuridica")


class DebtPosition(models.Model):
    """*Posizione debitoria* (GPD ``PaymentPosition``): what one debtor owes for one reason."""

    iupd = models.CharField(
        _("IUPD"), max_length=70, unique=True, help_text=_("Identificativo univoco della posizione")
    )
    debtor_type = models.CharField(_("tipo di debitore"), max_length=1, choices=DebtorType.choices)
    debtor_fiscal_code = models.CharField(_("codice fiscale / partita IVA del debitore"), max_length=16, db_index=True)
    debtor_name = models.CharField(_("nome del debitore"), max_length=140)
    debtor_email = models.EmailField(_("email del debitore"), blank=True)
    debtor_address = models.CharField(_("indirizzo del debitore"), max_length=200, blank=True)
    category = models.CharField(_("servizio"), max_length=10, choices=ServiceCategory.choices)
    subject = models.CharField(_("oggetto"), max_length=140)
    status = models.CharField(_("stato"), max_length=16, choices=PositionStatus.choices, default=PositionStatus.DRAFT)
    switch_to_expired = models.BooleanField(_("scade dopo l'ultima scadenza"), default=False)
    validity_date = models.DateTimeField(_("valida dal"), null=True, blank=True)
    publish_date = models.DateTimeField(_("pubblicata il"), null=True, blank=True)
    payment_date = models.DateTimeField(_("pagata il"), null=True, blank=True)
    reporting_date = models.DateTimeField(_("rendicontata il"), null=True, blank=True)
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)
    # The sealed notice PDF in private storage, written once by a PDF worker (payments/documents.py).
    notice_file = models.CharField(_("avviso PDF"), max_length=200, blank=True, default="", editable=False)
    notice_sha256 = models.CharField(
        _("impronta SHA-256 dell'avviso"), max_length=64, blank=True, default="", editable=False
    )

    class Meta:
        verbose_name = _("posizione debitoria")
        verbose_name_plural = _("posizioni debitorie")
        permissions = [("view_payments_dashboard", _("Può vedere il cruscotto dei pagamenti"))]
        constraints = [
            models.CheckConstraint(condition=Q(debtor_type__in=["F", "G"]), name="payments_position_debtor_type"),
            models.CheckConstraint(condition=Q(status__in=PositionStatus.values), name="payments_position_status"),
        ]

    def __str__(self):
        return f"{self.iupd} — {self.subject}"

    @property
    def is_payable(self):
        from .states import PAYABLE_POSITION_STATUSES

        return self.status in PAYABLE_POSITION_STATUSES

    @property
    def total_cents(self):
        single = [o for o in self.options.all() if not o.is_installment]
        options = single or list(self.options.all())
        return sum(o.amount_cents for o in options)


class PaymentOption(models.Model):
    """One way to pay: the single payment (``installment_number`` 0) or one installment (1, 2, …).

    Paying the single option makes the installments unpayable and vice versa.
    """

    position = models.ForeignKey(DebtPosition, on_delete=models.CASCADE, related_name="options")
    installment_number = models.PositiveSmallIntegerField(_("rata"), default=0, help_text=_("0 = rata unica"))
    iuv = models.CharField(_("IUV"), max_length=17, unique=True)
    notice_number = models.CharField(
        _("codice avviso"), max_length=18, unique=True, validators=[validate_notice_number]
    )
    amount_cents = models.PositiveBigIntegerField(_("importo (centesimi)"))
    due_date = models.DateField(_("scadenza"))
    description = models.CharField(_("descrizione"), max_length=140)
    status = models.CharField(_("stato"), max_length=12, choices=OptionStatus.choices, default=OptionStatus.UNPAID)

    class Meta:
        verbose_name = _("opzione di pagamento")
        verbose_name_plural = _("opzioni di pagamento")
        ordering = ["position_id", "installment_number"]
        constraints = [
            models.UniqueConstraint(fields=["position", "installment_number"], name="payments_option_installment"),
            models.CheckConstraint(condition=Q(amount_cents__gte=1), name="payments_option_amount_positive"),
            models.CheckConstraint(condition=Q(iuv__regex=r"^\d{17}$"), name="payments_option_iuv_format"),
        ]

    def __str__(self):
        return self.notice_number

    @property
    def is_installment(self):
        return self.installment_number > 0


class Transfer(models.Model):
    """*Trasferimento*: the share of an option that goes to one beneficiary (1 to 5 per option).

    The money goes either to an IBAN or buys a digital stamp (*marca da bollo digitale*), never both.
    The transfers of an option add up to its amount (checked by ``services.check_transfers_sum`` and
    by a deferred constraint trigger on PostgreSQL).
    """

    option = models.ForeignKey(
        PaymentOption, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("opzione di pagamento")
    )
    index = models.PositiveSmallIntegerField(_("indice"))
    amount_cents = models.PositiveBigIntegerField(_("importo (centesimi)"))
    beneficiary_fiscal_code = models.CharField(_("codice fiscale del beneficiario"), max_length=11)
    iban = models.CharField(_("IBAN"), max_length=35, blank=True, validators=[validate_iban])
    stamp_hash = models.CharField(_("impronta del documento (bollo)"), max_length=72, blank=True)
    stamp_type = models.CharField(_("tipo di bollo"), max_length=2, blank=True)
    stamp_province = models.CharField(
        _("provincia di residenza (bollo)"), max_length=2, blank=True, validators=[validate_province]
    )
    category = models.CharField(_("tassonomia"), max_length=20, validators=[validate_taxonomy])
    remittance = models.CharField(_("causale"), max_length=140)
    metadata = models.JSONField(_("metadati"), default=dict, blank=True)
    status = models.CharField(
        _("stato"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.UNREPORTED
    )

    class Meta:
        verbose_name = _("trasferimento")
        verbose_name_plural = _("trasferimenti")
        ordering = ["option_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["option", "index"], name="payments_transfer_index_unique"),
            models.CheckConstraint(condition=Q(index__gte=1, index__lte=5), name="payments_transfer_index_range"),
            models.CheckConstraint(condition=Q(amount_cents__gte=1), name="payments_transfer_amount_positive"),
            models.CheckConstraint(
                condition=(Q(iban="") & ~Q(stamp_hash="")) | (~Q(iban="") & Q(stamp_hash="")),
                name="payments_transfer_iban_xor_stamp",
            ),
        ]

    def __str__(self):
        return f"{self.option.notice_number}/{self.index}"


class NoticeCounter(models.Model):
    """The IUV base counter where no database sequence exists (SQLite, ``make run``)."""

    segregation_code = models.CharField(max_length=2, primary_key=True)
    last_base = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("contatore degli avvisi")
        verbose_name_plural = _("contatori degli avvisi")

    def __str__(self):
        return f"{self.segregation_code}: {self.last_base}"


class PaymentAttempt(models.Model):
    """One trip to the payment gateway for one or more notices (a cart of up to five)."""

    public_id = models.UUIDField(_("identificativo pubblico"), default=uuid.uuid4, unique=True, editable=False)
    gateway = models.CharField(_("gateway"), max_length=40)
    gateway_reference = models.CharField(_("riferimento del gateway"), max_length=100, blank=True)
    options = models.ManyToManyField(PaymentOption, related_name="attempts", verbose_name=_("avvisi"))
    payer_fiscal_code = models.CharField(_("codice fiscale di chi paga"), max_length=16, blank=True)
    amount_cents = models.PositiveBigIntegerField(_("importo (centesimi)"))
    status = models.CharField(_("stato"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.CREATED)
    checkout_url = models.URLField(_("indirizzo del checkout"), max_length=2000, blank=True)
    needs_review = models.BooleanField(_("da verificare"), default=False)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)
    expires_at = models.DateTimeField(_("scade il"))

    class Meta:
        verbose_name = _("tentativo di pagamento")
        verbose_name_plural = _("tentativi di pagamento")
        indexes = [models.Index(fields=["status", "updated_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~Q(gateway_reference=""),
                name="payments_attempt_gateway_reference",
            ),
            models.CheckConstraint(condition=Q(status__in=AttemptStatus.values), name="payments_attempt_status"),
        ]

    def __str__(self):
        return f"{self.public_id} ({self.get_status_display()})"


class AttemptTransition(models.Model):
    """The audit trail of an attempt: one row per state change, in the table's vocabulary."""

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.CASCADE, related_name="transitions")
    source = models.CharField(max_length=10)
    target = models.CharField(max_length=10)
    reason = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("passaggio di stato del tentativo")
        verbose_name_plural = _("passaggi di stato dei tentativi")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.source} → {self.target} ({self.reason})"


class GatewayNotification(models.Model):
    """Every server-to-server notification received, accepted or not (the inbox)."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applicata")
        DUPLICATE = "duplicate", _("Duplicata")
        IGNORED = "ignored", _("Ignorata (stato finale)")
        FLAGGED = "flagged", _("Segnalata agli operatori")
        REFUSED = "refused", _("Rifiutata")

    gateway = models.CharField(_("gateway"), max_length=40)
    event_id = models.CharField(_("identificativo dell'evento"), max_length=100)
    attempt = models.ForeignKey(
        PaymentAttempt,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("tentativo di pagamento"),
    )
    kind = models.CharField(_("tipo"), max_length=40, blank=True)
    payload = models.JSONField(_("contenuto"), default=dict)
    outcome = models.CharField(_("esito"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(_("dettaglio"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("ricevuta il"), auto_now_add=True)

    class Meta:
        verbose_name = _("notifica del gateway")
        verbose_name_plural = _("notifiche del gateway")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="payments_notification_event")]

    def __str__(self):
        return f"{self.gateway}/{self.event_id} ({self.outcome})"


class Receipt(models.Model):
    """*Ricevuta telematica*: one per paid option (``paSendRT``'s ``ctReceipt``)."""

    receipt_id = models.CharField(_("identificativo ricevuta (IUR)"), max_length=35, unique=True)
    option = models.OneToOneField(PaymentOption, on_delete=models.PROTECT, related_name="receipt")
    attempt = models.ForeignKey(
        PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    iuv = models.CharField(_("IUV"), max_length=17, db_index=True)
    notice_number = models.CharField(_("codice avviso"), max_length=18)
    outcome = models.CharField(_("esito"), max_length=2, default="OK")
    amount_cents = models.PositiveBigIntegerField(_("importo (centesimi)"))
    psp_id = models.CharField(_("PSP"), max_length=35)
    psp_name = models.CharField(_("nome del PSP"), max_length=140, blank=True)
    payment_datetime = models.DateTimeField(_("data e ora del pagamento"), db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # The sealed receipt PDF in private storage, written once by a PDF worker (payments/documents.py).
    file_name = models.CharField(_("ricevuta PDF"), max_length=200, blank=True, default="", editable=False)
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("ricevuta")
        verbose_name_plural = _("ricevute")

    def __str__(self):
        return self.receipt_id


class ReceiptTransfer(models.Model):
    """A transfer line as the receipt reports it: what reconciliation matches a flow line against."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="transfers")
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="receipt_lines")
    index = models.PositiveSmallIntegerField()
    amount_cents = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("trasferimento della ricevuta")
        verbose_name_plural = _("trasferimenti delle ricevute")
        constraints = [models.UniqueConstraint(fields=["receipt", "index"], name="payments_receipt_transfer_index")]

    def __str__(self):
        return f"{self.receipt_id}/{self.index}"


class ReportingFlow(models.Model):
    """*Flusso di rendicontazione* (FdR): what a PSP remitted in one SEPA credit transfer.

    A PSP corrects a flow by sending it again with the same flow id and a later ``dataOraFlusso``
    (FdR 3 calls it a new *revision*): each revision is a row, the latest one stands, the lines of the
    earlier ones are SUPERSEDED.
    """

    flow_id = models.CharField(_("identificativo flusso"), max_length=35)
    revision = models.PositiveIntegerField(_("revisione"), default=1)
    flow_datetime = models.DateTimeField(_("data e ora del flusso"))
    psp_id = models.CharField(_("PSP"), max_length=35)
    regulation_id = models.CharField(_("identificativo regolamento (TRN)"), max_length=35)
    regulation_date = models.DateField(_("data regolamento"))
    total_payments = models.PositiveIntegerField(_("numero pagamenti"))
    total_amount_cents = models.BigIntegerField(_("importo totale (centesimi)"))
    source = models.CharField(_("origine"), max_length=20, default="file")
    imported_at = models.DateTimeField(auto_now_add=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flusso di rendicontazione")
        verbose_name_plural = _("flussi di rendicontazione")
        constraints = [models.UniqueConstraint(fields=["flow_id", "revision"], name="payments_flow_revision")]

    def __str__(self):
        return self.flow_id if self.revision == 1 else f"{self.flow_id} (rev. {self.revision})"


class FlowLineStatus(models.TextChoices):
    NEW = "NEW", _("Da riconciliare")
    MATCHED = "MATCHED", _("Riconciliata")
    NO_RECEIPT = "NO_RECEIPT", _("Senza ricevuta")
    AMOUNT_MISMATCH = "MISMATCH", _("Importo diverso")
    DUPLICATE = "DUPLICATE", _("Duplicata")
    # Outcome 3: the PSP took the money back from the municipality (refund to the payer).
    REVOKED = "REVOKED", _("Pagamento revocato")
    # A later revision of the same flow replaced this line.
    SUPERSEDED = "SUPERSEDED", _("Sostituita da una revisione")


class ReportingFlowLine(models.Model):
    """``datiSingoliPagamenti``: one transfer of one payment, as the PSP reports it."""

    flow = models.ForeignKey(ReportingFlow, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    iuv = models.CharField(max_length=35)
    iur = models.CharField(max_length=35)
    transfer_index = models.PositiveSmallIntegerField()
    amount_cents = models.BigIntegerField()
    outcome_code = models.CharField(max_length=1, default="0")
    outcome_date = models.DateField()
    status = models.CharField(max_length=10, choices=FlowLineStatus.choices, default=FlowLineStatus.NEW)
    receipt_transfer = models.ForeignKey(
        ReceiptTransfer, on_delete=models.SET_NULL, null=True, blank=True, related_name="flow_lines"
    )

    class Meta:
        verbose_name = _("riga di rendicontazione")
        verbose_name_plural = _("righe di rendicontazione")
        constraints = [models.UniqueConstraint(fields=["flow", "line_number"], name="payments_flow_line_number")]
        indexes = [models.Index(fields=["iuv", "iur", "transfer_index"])]

    def __str__(self):
        return f"{self.iuv}/{self.iur}/{self.transfer_index}"


class Anomaly(models.Model):
    """Something a clerk must look at: never silently accepted, never silently dropped."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "AMOUNT_MISMATCH", _("Importo pagato diverso dal dovuto")
        PAYMENT_NOT_PAYABLE = "NOT_PAYABLE", _("Pagamento su un avviso non pagabile")
        LATE_PAYMENT = "LATE_PAYMENT", _("Pagamento notificato su un tentativo già chiuso")
        LINE_WITHOUT_RECEIPT = "LINE_NO_RECEIPT", _("Riga di rendicontazione senza ricevuta")
        RECEIPT_NOT_REPORTED = "NOT_REPORTED", _("Ricevuta mai rendicontata")
        FLOW_AMOUNT_MISMATCH = "FLOW_AMOUNT", _("Importo rendicontato diverso dalla ricevuta")
        DUPLICATE_LINE = "DUPLICATE_LINE", _("Riga di rendicontazione duplicata")
        PAID_WITHOUT_RECEIPT = "NO_RPT_PAID", _("Pagamento senza RPT rendicontato (esito 8 o 9): manca la ricevuta")
        PAYMENT_REVOKED = "REVOKED", _("Pagamento revocato dal PSP (esito 3): la posizione va riaperta")

    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    # Makes recording the same anomaly twice (a retried task, a re-run reconciliation) a no-op.
    key = models.CharField(max_length=200, unique=True)
    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True)
    receipt = models.ForeignKey(Receipt, on_delete=models.SET_NULL, null=True, blank=True)
    flow_line = models.ForeignKey(ReportingFlowLine, on_delete=models.SET_NULL, null=True, blank=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("risolta il"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    resolution_note = models.TextField(_("nota"), blank=True)

    class Meta:
        verbose_name = _("anomalia")
        verbose_name_plural = _("anomalie")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.key})"
