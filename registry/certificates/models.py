"""Registry certificates (*certificati anagrafici*) and self-declarations (*autocertificazioni*).

A ``Certificate`` row is created by the request and filled in by a Celery worker: the PDF lives in
private storage under a name derived from the row's id, its SHA-256 is kept here, and the public
verification page finds it by ``verification_code``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .catalogue import CERTIFICATE_KINDS, SECTION_KEYS
from .codes import display_verification_code, new_verification_code
from .states import Status

STAMP_DUTY_CENTS = 1600  # imposta di bollo, DPR 642/1972: €16 on every certificate not exempt


class StampExemption(models.IntegerChoices):
    """ANPR table *esenzione bollo* (``tab_esenzione_bollo``)."""

    ONLUS = 1, _("ONLUS (art. 27-bis, all. B, DPR 642/1972)")
    SPORTS = 2, _("Società e associazioni sportive dilettantistiche (art. 8-bis, all. B, DPR 642/1972)")
    PROCEEDINGS = 3, _("Procedimento giurisdizionale (art. 18 DPR 115/2002)")
    COURT_EXPERT = 4, _("Consulente tecnico d'ufficio o curatore fallimentare (art. 16, all. B, DPR 642/1972)")
    GUARDIANSHIP = 5, _("Interdizione, inabilitazione, amministrazione di sostegno (art. 13, all. B, DPR 642/1972)")
    ADOPTION = 6, _("Adozione, affidamento, tutela dei minori (art. 13, all. B, DPR 642/1972; art. 82 L. 184/1983)")
    SEPARATION = 7, _("Separazione o divorzio (art. 19 L. 74/1987)")
    STREET_RENAMING = 8, _("Variazione della toponomastica o della numerazione civica (art. 16 c. 8 L. 537/1993)")
    FOREIGN_PENSION = 9, _("Pensione estera (art. 9, all. B, DPR 642/1972)")
    PUBLIC_ADMINISTRATIONS = 10, _("Scambio di atti tra pubbliche amministrazioni (art. 16, all. B, DPR 642/1972)")
    OTHER = 99, _("Altro motivo di esenzione previsto dalla legge")


EXEMPTION_DESCRIPTION_MAX = 256


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificato")
    SELF_DECLARATION = "self_declaration", _("Autocertificazione")


class Certificate(models.Model):
    document_kind = models.CharField(
        _("documento"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.CERTIFICATE
    )
    kind = models.CharField(
        _("tipo di certificato"),
        max_length=40,
        blank=True,
        choices=[(key, kind.label) for key, kind in CERTIFICATE_KINDS.items()],
    )
    sections = models.JSONField(
        _("sezioni"), default=list, blank=True, help_text=_("Per le autocertificazioni: le sezioni scelte")
    )
    holder = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("intestatario")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("richiesto da"),
    )
    status = models.CharField(_("stato"), max_length=20, choices=Status.choices, default=Status.PENDING)
    verification_code = models.CharField(
        _("codice di verifica"), max_length=32, unique=True, default=new_verification_code, editable=False
    )
    language = models.CharField(_("lingua"), max_length=8, default="it")

    stamp_duty_cents = models.PositiveIntegerField(_("imposta di bollo (centesimi)"), default=STAMP_DUTY_CENTS)
    exemption = models.PositiveSmallIntegerField(
        _("motivo di esenzione dal bollo"), choices=StampExemption.choices, null=True, blank=True
    )
    exemption_description = models.CharField(
        _("descrizione dell'esenzione"), max_length=EXEMPTION_DESCRIPTION_MAX, blank=True
    )
    stamp_reference = models.CharField(
        _("riferimento del bollo pagato"), max_length=64, blank=True, help_text=_("IUBD della marca da bollo digitale")
    )

    file_name = models.CharField(_("file"), max_length=200, blank=True, editable=False)
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveIntegerField(_("dimensione (byte)"), null=True, blank=True, editable=False)

    requested_at = models.DateTimeField(_("richiesto il"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("accodato il"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    issued_at = models.DateTimeField(_("emesso il"), null=True, blank=True)
    failure = models.TextField(_("errore"), blank=True)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    revoked_reason = models.TextField(_("motivo della revoca"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("certificato")
        verbose_name_plural = _("certificati")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="certificate_requester_idx"),
            # The sweeper's query: work still to do, oldest first.
            models.Index(fields=["enqueued_at"], condition=Q(status=Status.PENDING), name="certificate_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(exemption=StampExemption.OTHER) | ~Q(exemption_description=""),
                name="certificate_other_exemption_described",
            ),
            models.CheckConstraint(
                condition=Q(exemption__isnull=True) | Q(stamp_duty_cents=0),
                name="certificate_exempt_owes_no_stamp",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.READY, Status.REVOKED, Status.AWAITING_STAMP]) | ~Q(sha256=""),
                name="certificate_issued_has_hash",
            ),
            models.CheckConstraint(
                condition=Q(document_kind=DocumentKind.SELF_DECLARATION) | ~Q(kind=""),
                name="certificate_has_kind",
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.display_code}"

    @property
    def display_code(self):
        return display_verification_code(self.verification_code)

    @property
    def title(self):
        if self.document_kind == DocumentKind.SELF_DECLARATION:
            return str(_("Dichiarazione sostitutiva di certificazione"))
        entry = CERTIFICATE_KINDS.get(self.kind)
        return str(entry.label) if entry else self.kind

    @property
    def is_exempt(self):
        return self.exemption is not None

    def section_keys(self):
        if self.document_kind == DocumentKind.SELF_DECLARATION:
            return [key for key in SECTION_KEYS if key in self.sections]
        return list(CERTIFICATE_KINDS[self.kind].sections)
