"""The access log (*registro degli accessi*): every read and change of personal data by staff.

One append-only table. Each entry carries the hash of the previous entry (``previous_hash``)
and its own hash over a canonical serialisation of its fields plus that previous hash
(``entry_hash``), so removing, reordering or editing any entry breaks the chain from there on;
``manage.py verify_access_log`` walks it. Entries are written only by ``services.record_access``.

``hash_scheme`` says how ``entry_hash`` was computed, so entries written before a change stay
verifiable: 1 = SHA-256 of the payload (no key); 2 = HMAC-SHA256 of the payload with the key kept
outside the database (``keys.hmac_key``), so rewriting the chain needs more than the database.

References to the actor and the subject are plain ids without a database constraint: the log
must outlive the accounts and records it mentions and must never be touched by a cascade, which
is also why the actor's name and office are copied into the entry.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
UNKEYED_SHA256 = 1
HMAC_SHA256 = 2


class AccessAction(models.TextChoices):
    VIEW = "view", _("Consultazione")
    SEARCH = "search", _("Ricerca")
    ADD = "add", _("Inserimento")
    CHANGE = "change", _("Modifica")
    DELETE = "delete", _("Cancellazione")
    EXPORT = "export", _("Esportazione")


class AccessLogEntry(models.Model):
    sequence = models.PositiveBigIntegerField(_("numero progressivo"), unique=True, editable=False)
    timestamp = models.DateTimeField(_("data e ora"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operatore"),
    )
    actor_name = models.CharField(_("operatore"), max_length=300, blank=True)
    actor_office = models.CharField(_("ufficio"), max_length=300, blank=True)
    subject = models.ForeignKey(
        "registry.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("persona interessata"),
    )
    action = models.CharField(_("operazione"), max_length=20, choices=AccessAction.choices)
    object_model = models.CharField(_("tipo di dato"), max_length=100)
    object_pk = models.CharField(_("identificativo del dato"), max_length=64, blank=True)
    object_label = models.CharField(_("dato"), max_length=300, blank=True)
    changes = models.JSONField(_("modifiche"), null=True, blank=True)
    purpose = models.TextField(_("motivo dell'accesso"), blank=True)
    request_id = models.CharField(_("identificativo della richiesta"), max_length=64, blank=True)
    previous_hash = models.CharField(_("impronta precedente"), max_length=64)
    hash_scheme = models.PositiveSmallIntegerField(
        _("schema dell'impronta"), default=UNKEYED_SHA256, editable=False, help_text="1: SHA-256; 2: HMAC-SHA256"
    )
    entry_hash = models.CharField(_("impronta"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("accesso ai dati")
        verbose_name_plural = _("accessi ai dati")
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["subject", "-sequence"], name="audit_entry_subject_idx"),
            models.Index(fields=["actor", "-sequence"], name="audit_entry_actor_idx"),
        ]

    def __str__(self):
        return f"#{self.sequence} {self.get_action_display()} {self.object_label}"

    @property
    def object_description(self):
        """What was touched, for people: "Persona: Rossi Mario (…)" for one object, "Persone — ricerca
        «rossi»" for a list, a search or an autocomplete (no object id)."""
        from django.apps import apps

        try:
            meta = apps.get_model(self.object_model)._meta
            verbose = meta.verbose_name if self.object_pk else meta.verbose_name_plural
        except (LookupError, ValueError):
            verbose = self.object_model
        verbose = str(verbose).capitalize()
        if not self.object_label:
            return verbose
        return f"{verbose}: {self.object_label}" if self.object_pk else f"{verbose} — {self.object_label}"

    def canonical_payload(self):
        """The fields the hash covers, serialised the same way on every machine and database."""
        data = {
            "sequence": self.sequence,
            "timestamp": self.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "actor_office": self.actor_office,
            "subject_id": self.subject_id,
            "action": str(self.action),
            "object_model": self.object_model,
            "object_pk": self.object_pk,
            "object_label": self.object_label,
            "changes": self.changes,
            "purpose": self.purpose,
            "request_id": self.request_id,
            "previous_hash": self.previous_hash,
        }
        if self.hash_scheme != UNKEYED_SHA256:  # scheme 1 payloads stay byte for byte as they were
            data["hash_scheme"] = self.hash_scheme
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def compute_hash(self, key=None):
        """The entry's hash by its scheme; ``key`` (bytes) is needed for scheme 2 (``ValueError`` without)."""
        if self.hash_scheme == UNKEYED_SHA256:
            return hashlib.sha256(self.canonical_payload()).hexdigest()
        if self.hash_scheme == HMAC_SHA256:
            if not key:
                raise ValueError("the access log's HMAC key is not configured")
            return hmac.new(key, self.canonical_payload(), hashlib.sha256).hexdigest()
        raise ValueError(f"unknown hash scheme {self.hash_scheme}")
