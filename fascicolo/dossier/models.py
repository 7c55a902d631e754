"""What the area personale stores of its own: messages and correction requests.

The resident's settings (``ResidentProfile``) and app tokens (``ApiToken``) belong to their account,
in ``fascicolo.identity.models``.

Registry data is read from ``registry`` and never copied here. Everything a resident owns is keyed
by the resident's user account or codice fiscale, so lookups can always go through the owner's scope
(see ``selectors``).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fascicolo.sections import MessageKind
from registry.codicefiscale import validate_codice_fiscale


@dataclass(frozen=True)
class MessageText:
    subject: str
    body: str
    link_label: str


class Message(models.Model):
    """A message from the municipality to a resident (*messaggio*), written by a clerk or the system.

    Addressed to a registry person or, for someone not in this municipality's registry, to a bare
    codice fiscale; ``recipient_fiscal_code`` is always filled so either kind is found the same way.

    A message the portal writes by itself (``fascicolo.sections.post_message``) has a ``kind`` and
    names the object it is ``about``: one message per (recipient, kind, object), enforced by the
    database. Its ``subject``, ``body`` and ``link_label`` are the Italian text; ``translations``
    holds the other languages (``{"en": {"subject": …, "body": …, "link_label": …}}``).
    """

    recipient_person = models.ForeignKey(
        "registry.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("destinatario (persona in anagrafe)"),
    )
    recipient_fiscal_code = models.CharField(
        _("codice fiscale del destinatario"),
        max_length=16,
        blank=True,
        validators=[validate_codice_fiscale],
        help_text=_("Per chi non è in anagrafe; ricavato dalla persona se vuoto"),
    )
    subject = models.CharField(_("oggetto"), max_length=200)
    body = models.TextField(_("testo"))
    created_at = models.DateTimeField(_("inviato il"), auto_now_add=True)
    read_at = models.DateTimeField(_("letto il"), null=True, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mittente"),
        help_text=_("Vuoto per i messaggi inviati dal sistema"),
    )
    kind = models.CharField(
        _("tipo"),
        max_length=30,
        blank=True,
        choices=MessageKind.choices,
        help_text=_("Vuoto per i messaggi scritti da un operatore"),
    )
    about = models.CharField(_("riguarda"), max_length=100, blank=True, help_text="certificate:12, receipt:7, …")
    link_url = models.CharField(_("collegamento"), max_length=300, blank=True)
    link_label = models.CharField(_("testo del collegamento"), max_length=200, blank=True)
    translations = models.JSONField(_("traduzioni"), default=dict, blank=True)

    class Meta:
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient_fiscal_code", "-created_at"], name="message_recipient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_person__isnull=False) | ~Q(recipient_fiscal_code=""),
                name="message_has_recipient",
            ),
            # Exactly one message per event, however often its signal or task runs.
            models.UniqueConstraint(
                fields=["recipient_fiscal_code", "kind", "about"],
                condition=~Q(kind=""),
                name="message_once_per_event",
            ),
        ]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        if self.recipient_person_id and not self.recipient_fiscal_code:
            self.recipient_fiscal_code = self.recipient_person.fiscal_code
        super().save(*args, **kwargs)

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def text(self):
        """Subject, body and link label in the active language (the Italian text without a translation)."""
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        other = (self.translations.get(language) or {}) if language != settings.LANGUAGE_CODE else {}
        return MessageText(
            subject=other.get("subject") or self.subject,
            body=other.get("body") or self.body,
            link_label=other.get("link_label") or self.link_label,
        )


class RectifiableDatum(models.TextChoices):
    """The registry data a resident can ask to correct (*dato da rettificare*)."""

    GIVEN_NAME = "given_name", _("Nome")
    FAMILY_NAME = "family_name", _("Cognome")
    SEX = "sex", _("Sesso")
    BIRTH_DATE = "birth_date", _("Data di nascita")
    BIRTH_PLACE = "birth_place", _("Luogo di nascita")
    FISCAL_CODE = "fiscal_code", _("Codice fiscale")
    CITIZENSHIP = "citizenship", _("Cittadinanza")
    CIVIL_STATUS = "civil_status", _("Stato civile")
    ADDRESS = "address", _("Indirizzo di residenza")
    IDENTITY_DOCUMENT = "identity_document", _("Documento di identità")
    HOUSEHOLD = "household", _("Composizione della famiglia")
    OTHER = "other", _("Altro")


class RectificationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Inviata")
    IN_PROGRESS = "in_progress", _("In lavorazione")
    ACCEPTED = "accepted", _("Accolta")
    REJECTED = "rejected", _("Respinta")


# The allowed status changes of a correction request; anything else is refused by the service.
RECTIFICATION_TRANSITIONS = {
    RectificationStatus.SUBMITTED: (RectificationStatus.IN_PROGRESS, RectificationStatus.REJECTED),
    RectificationStatus.IN_PROGRESS: (RectificationStatus.ACCEPTED, RectificationStatus.REJECTED),
    RectificationStatus.ACCEPTED: (),
    RectificationStatus.REJECTED: (),
}


class RectificationRequest(models.Model):
    """A resident's request to the registry office to correct a datum (*richiesta di rettifica*)."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="rectification_requests", verbose_name=_("persona")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("richiesta da")
    )
    datum = models.CharField(_("dato da rettificare"), max_length=30, choices=RectifiableDatum.choices)
    correct_value = models.CharField(_("valore corretto"), max_length=300)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(
        _("stato"), max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.SUBMITTED
    )
    clerk_note = models.TextField(_("nota dell'ufficio"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gestita da"),
    )
    created_at = models.DateTimeField(_("inviata il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)

    class Meta:
        verbose_name = _("richiesta di rettifica")
        verbose_name_plural = _("richieste di rettifica")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="rectification_status_idx")]

    def __str__(self):
        return f"{self.get_datum_display()} — {self.person.fiscal_code}"

    @property
    def is_open(self):
        return bool(RECTIFICATION_TRANSITIONS[RectificationStatus(self.status)])
