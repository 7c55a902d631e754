"""Clerks' imports as background jobs: store the upload, queue it, run it in a worker, report on it.

The web request only checks the size and stores the file (streamed to private storage in chunks);
a Celery worker (``imports.run_import``) runs the app's import function, which keeps its own
all-or-nothing transaction, and writes the rejected lines to a CSV the clerk downloads. Safe to run
twice: a job moves QUEUED → RUNNING by a conditional UPDATE, so a second delivery does nothing.
"""

import csv
import io
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fascicolo.documents.storage import read_private_file, store_private_file

from . import kinds
from .models import ImportJob

logger = logging.getLogger(__name__)

Status = ImportJob.Status


def too_large_message():
    return _("Il file supera il limite di %(size)s MB per un'importazione.") % {
        "size": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"
    }


def submit(kind_key, upload, user, options=None):
    """Store ``upload`` (a Django ``UploadedFile``) and queue its import; returns the job.

    Raises ``kinds.ImportRefused`` when the file is over ``IMPORT_MAX_BYTES``.
    """
    kind = kinds.get(kind_key)
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise kinds.ImportRefused(too_large_message())
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind.key,
            original_name=(upload.name or "")[:255],
            size=upload.size,
            options=options or {},
            created_by=user,
            stage=_("In coda"),
        )
        job.file_name = store_private_file(f"imports/{job.pk // 10000:04d}/{job.pk}/upload.csv", upload)
        job.save(update_fields=["file_name"])
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


def _enqueue(job_id):
    from .tasks import run_import

    run_import.delay(job_id)


def _progress(job_id, percent, stage):
    ImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(progress=min(100, max(0, percent)), stage=stage)


def run(job_id):
    """Run one queued job (a no-op for any other status). Returns the final status."""
    started = timezone.now()
    if not ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=started, progress=5, stage=_("Lettura del file")
    ):
        return None
    job = ImportJob.objects.get(pk=job_id)
    kind = kinds.get(job.kind)
    try:
        data = read_private_file(job.file_name)
        _progress(job.pk, 10, _("Controllo e scrittura delle righe"))
        outcome = kind.run(data, job.options, lambda percent, stage: _progress(job.pk, percent, stage))
    except kinds.ImportRefused as refused:
        return _finish(job, Status.FAILED, error=str(refused))
    except Exception:
        logger.exception("import job %s failed", job.pk)
        return _finish(job, Status.FAILED, error=_("Errore imprevisto: l'importazione non ha scritto nulla."))
    rejects_name = ""
    if outcome.rejects:
        _progress(job.pk, 95, _("Scrittura delle righe scartate"))
        rejects_name = store_private_file(
            f"imports/{job.pk // 10000:04d}/{job.pk}/scarti.csv", rejects_csv(outcome.rejects)
        )
    return _finish(
        job,
        Status.DONE,
        summary={str(label): value for label, value in outcome.summary.items()},
        rejected=len(outcome.rejects),
        rejects_file_name=rejects_name,
    )


def _finish(job, status, **fields):
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, progress=100, stage="", finished_at=timezone.now(), **fields
    )
    logger.info("import job %s %s", job.pk, status)
    return status


def rejects_csv(rejects):
    """The rejected lines as CSV bytes (UTF-8 with BOM, so spreadsheets read the accents): line, reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("riga"), _("motivo")])
    writer.writerows((number, reason) for number, reason in rejects)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
