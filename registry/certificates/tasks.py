"""Celery entry points; the work is in ``services``. Every task is safe to run twice."""

from celery import shared_task

from . import services

# Routed to the "pdf" queue by CELERY_TASK_ROUTES (settings), so PDF work never delays other tasks.


@shared_task(
    name="certificates.generate_certificate",
    acks_late=True,  # redelivered if the worker dies mid-render (the render is idempotent)
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=120,  # well below the broker's visibility timeout (docs/reliability.md §1)
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,
    soft_time_limit=60,
    time_limit=90,
)
def generate_certificate(certificate_id):
    services.generate_document(certificate_id)


@shared_task(name="certificates.sweep_pending", ignore_result=True)
def sweep_pending_certificates():
    """Periodic (Celery beat): re-enqueue requests stuck in PENDING (lost message, Redis restart)."""
    services.sweep_pending()


@shared_task(name="certificates.release_paid_stamps", ignore_result=True)
def release_paid_stamps(certificate_id=None):
    """Periodic (Celery beat) and on ``stamp_paid``: release AWAITING_STAMP certificates whose stamp is paid."""
    from . import stamps

    stamps.release_paid_stamps(certificate_id)
