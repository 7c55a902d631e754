"""One clerk's file import, run by a Celery worker: what was sent, how far it got, what came of it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("In coda")
        RUNNING = "running", _("In corso")
        DONE = "done", _("Completata")
        FAILED = "failed", _("Non riuscita")

    kind = models.CharField(_("tipo"), max_length=40)
    status = models.CharField(_("stato"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("avanzamento (%)"), default=0)
    stage = models.CharField(_("fase"), max_length=100, blank=True)
    file_name = models.CharField(_("file caricato"), max_length=200, editable=False)
    original_name = models.CharField(_("nome del file"), max_length=255)
    size = models.PositiveBigIntegerField(_("dimensione (byte)"))
    options = models.JSONField(_("opzioni"), default=dict, blank=True)
    summary = models.JSONField(_("esito"), default=dict, blank=True)
    rejected = models.PositiveIntegerField(_("righe scartate"), default=0)
    rejects_file_name = models.CharField(_("righe scartate (CSV)"), max_length=200, blank=True, editable=False)
    error = models.TextField(_("errore"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("caricata da")
    )
    created_at = models.DateTimeField(_("caricata il"), auto_now_add=True)
    started_at = models.DateTimeField(_("iniziata il"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finita il"), null=True, blank=True)

    class Meta:
        verbose_name = _("importazione")
        verbose_name_plural = _("importazioni")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="imports_job_progress_percent"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} — {self.original_name}"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
