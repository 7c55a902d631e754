"""Celery entry points: thin, safe to run twice, each calling a service."""

from celery import shared_task

from . import attempts, documents, services


@shared_task(name="payments.check_pending_attempts")
def check_pending_attempts():
    return attempts.check_pending_attempts()


@shared_task(name="payments.refresh_time_based_statuses")
def refresh_time_based_statuses():
    return services.refresh_time_based_statuses()


# Notice and receipt PDFs: routed to the "pdf" queue with the certificates (CELERY_TASK_ROUTES),
# redelivered if a worker dies mid-render (acks_late; the render is idempotent), retried on errors.
PDF_TASK = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(name="payments.render_notice_pdf", **PDF_TASK)
def render_notice_pdf(position_id):
    documents.render_notice(position_id)


@shared_task(name="payments.render_receipt_pdf", **PDF_TASK)
def render_receipt_pdf(receipt_id):
    documents.render_receipt(receipt_id)
