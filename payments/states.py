"""State machines as tables: the allowed edges are data, tested for completeness, and double as the
audit vocabulary (GOV.UK Pay's pay-connector does the same).

A transition not listed here never happens: services move states only through ``UPDATE … WHERE
status IN (allowed sources)`` so two racing writers cannot both succeed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PositionStatus(models.TextChoices):
    """GPD v1 ``DebtPositionStatus`` (docs/domain.md §1.3)."""

    DRAFT = "DRAFT", _("Bozza")
    PUBLISHED = "PUBLISHED", _("Pubblicata")
    VALID = "VALID", _("Da pagare")
    PARTIALLY_PAID = "PARTIALLY_PAID", _("Pagata in parte")
    PAID = "PAID", _("Pagata")
    REPORTED = "REPORTED", _("Pagata e rendicontata")
    EXPIRED = "EXPIRED", _("Scaduta")
    INVALID = "INVALID", _("Annullata")


P = PositionStatus
POSITION_TRANSITIONS = {
    P.DRAFT: {P.PUBLISHED, P.VALID, P.INVALID},
    # PUBLISHED becomes VALID when its validity date arrives.
    P.PUBLISHED: {P.VALID, P.INVALID},
    P.VALID: {P.PARTIALLY_PAID, P.PAID, P.EXPIRED, P.INVALID},
    P.PARTIALLY_PAID: {P.PAID},
    P.PAID: {P.REPORTED},
    # A clerk can extend the due date of an expired position: it becomes payable again.
    P.EXPIRED: {P.VALID, P.INVALID},
    P.REPORTED: set(),
    P.INVALID: set(),
}
PAYABLE_POSITION_STATUSES = {P.VALID, P.PARTIALLY_PAID}


class OptionStatus(models.TextChoices):
    UNPAID = "UNPAID", _("Da pagare")
    PAID = "PAID", _("Pagata")
    REPORTED = "REPORTED", _("Rendicontata")
    # The other plan (single payment vs installments) was chosen by paying one of its options.
    UNPAYABLE = "UNPAYABLE", _("Non più pagabile")


OS = OptionStatus
OPTION_TRANSITIONS = {
    OS.UNPAID: {OS.PAID, OS.UNPAYABLE},
    OS.PAID: {OS.REPORTED},
    OS.REPORTED: set(),
    OS.UNPAYABLE: set(),
}


class TransferStatus(models.TextChoices):
    UNREPORTED = "UNREPORTED", _("Non rendicontato")
    REPORTED = "REPORTED", _("Rendicontato")


class AttemptStatus(models.TextChoices):
    CREATED = "created", _("Creato")
    PENDING = "pending", _("In corso")
    PAID = "paid", _("Pagato")
    FAILED = "failed", _("Non riuscito")
    CANCELLED = "cancelled", _("Annullato")
    EXPIRED = "expired", _("Scaduto")


A = AttemptStatus
ATTEMPT_TRANSITIONS = {
    A.CREATED: {A.PENDING, A.FAILED, A.EXPIRED},
    A.PENDING: {A.PAID, A.FAILED, A.CANCELLED, A.EXPIRED},
    A.PAID: set(),
    A.FAILED: set(),
    A.CANCELLED: set(),
    A.EXPIRED: set(),
}
FINAL_ATTEMPT_STATUSES = {status for status, targets in ATTEMPT_TRANSITIONS.items() if not targets}


def sources_for(table, target):
    """The states from which ``target`` may be reached: the WHERE clause of a conditional UPDATE."""
    return [source for source, targets in table.items() if target in targets]


def can_transition(table, source, target):
    return target in table.get(source, set())
