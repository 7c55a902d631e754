"""The life of a certificate as a table of allowed transitions (also the audit vocabulary).

::

    PENDING ──render──▶ READY ──revoke──▶ REVOKED
       │   └─render (stamp due)─▶ AWAITING_STAMP ──stamp paid──▶ READY
       └──fail (after the last attempt)──▶ FAILED ──retry (clerk)──▶ PENDING

A request waits in PENDING until a worker renders it. An exempt certificate becomes READY at once;
one that owes the €16 stamp duty is rendered first (the @e.bollo stamp is bound to the document's
hash) and waits in AWAITING_STAMP until the payments app reports the stamp paid.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("In preparazione")
    AWAITING_STAMP = "awaiting_stamp", _("In attesa del pagamento del bollo")
    READY = "ready", _("Pronto")
    FAILED = "failed", _("Non riuscito")
    REVOKED = "revoked", _("Revocato")


TRANSITIONS = {
    (Status.PENDING, Status.READY): "rendered",
    (Status.PENDING, Status.AWAITING_STAMP): "rendered_awaiting_stamp",
    (Status.AWAITING_STAMP, Status.READY): "stamp_paid",
    (Status.PENDING, Status.FAILED): "failed",
    (Status.FAILED, Status.PENDING): "retried",
    (Status.READY, Status.REVOKED): "revoked",
    (Status.AWAITING_STAMP, Status.REVOKED): "revoked",
}

# Statuses a worker still has to act on; the sweeper looks for these.
WORK_TO_DO = (Status.PENDING,)
# Statuses the verification page reports as issued.
ISSUED = (Status.READY, Status.REVOKED)


class IllegalTransition(Exception):
    pass


def transition_name(source, target):
    """The audit name of an allowed transition; ``IllegalTransition`` otherwise."""
    try:
        return TRANSITIONS[(Status(source), Status(target))]
    except (KeyError, ValueError):
        raise IllegalTransition(f"{source} → {target}") from None
