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
    notify.on_position_published(position_id)


@shared_task(name="payments.email_receipt")
def email_receipt(receipt_id):
    notify.on_receipt_issued(receipt_id)
