from django.db import models
from django.utils.translation import gettext_lazy as _


class NoRows(models.Manager):
    """There is no table: every query is empty without asking the database."""

    def get_queryset(self):
        return super().get_queryset().none()


class WaitingRoom(models.Model):
    """No table: the waiting room's live settings are in Redis (``queue.py``). The model exists so
    that the admin lists the page and the permission ``admission.operate_waiting_room`` exists."""

    objects = NoRows()

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("operate_waiting_room", _("Può cambiare la capienza e l'apertura della sala d'attesa"))]
        verbose_name = _("sala d'attesa")
        verbose_name_plural = _("sala d'attesa")

    def __str__(self):
        return str(self._meta.verbose_name)
