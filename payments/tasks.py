"""Celery entry points: thin, safe to run twice, each calling a service."""

from celery import shared_task

from . import attempts, notify, services


@shared_task(name="payments.check_pending_attempts")
def check_pending_attempts():
    return attempts.check_pending_attempts()


@shared_task(name="payments.refresh_time_based_statuses")
def refresh_time_based_statuses():
    return services.refresh_time_based_statuses()


@shared_task(name="payments.email_notice")
def email_notice(position_id):
    notify.send_notice_email(position_id)


@shared_task(name="payments.email_receipt")
def email_receipt(receipt_id):
    notify.send_receipt_email(receipt_id)


@shared_task(name="payments.sweep_emails", ignore_result=True)
def sweep_emails():
    """Periodic (Celery beat): queue again the emails a lost message or a broker outage left waiting."""
    notify.sweep_emails()
