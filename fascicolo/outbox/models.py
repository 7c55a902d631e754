"""The outbox: one row per email the portal owes a resident (docs/architecture.md, "After-commit effects")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """An email the portal owes a resident: a payment notice on publication, a receipt on payment, a
    message of the area personale, … (``kind``, registered by the app that owes it, about its object
    ``object_id``).

    Written in the same transaction as the event it announces, so the obligation survives a broker that
    is down at commit time; the email task claims the row with a conditional UPDATE before sending, so
    a redelivered task never sends it twice (at most once per event).
    """

    kind = models.CharField(_("tipo"), max_length=30)
    # "<kind>:<object id>": makes recording the same email twice a no-op.
    key = models.CharField(max_length=100, unique=True)
    object_id = models.PositiveBigIntegerField(_("oggetto"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Last time a task was queued for it (the sweeper queues again what waits too long).
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set by the one task that sends it; never cleared once the message has gone out.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("inviata il"), null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("email da inviare")
        verbose_name_plural = _("email da inviare")
        indexes = [models.Index(fields=["claimed_at", "queued_at"], name="outbox_email_waiting")]

    def __str__(self):
        return self.key
