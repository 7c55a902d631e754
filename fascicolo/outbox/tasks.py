"""Celery entry points of the outbox; the work is in ``services``. Both are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="outbox.send_email")
def send_email(kind, object_id):
    services.send_once(kind, object_id)


@shared_task(name="outbox.sweep_emails", ignore_result=True)
def sweep_emails():
    """Periodic (Celery beat): queue again the emails a lost message or a broker outage left waiting."""
    services.sweep()
