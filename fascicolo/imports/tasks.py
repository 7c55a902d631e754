"""Celery entry point for clerks' imports; the work is in ``services``. Safe to run twice."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name="imports.run_import",
    acks_late=True,  # redelivered if the worker dies; a job already RUNNING is not started twice
    soft_time_limit=settings.IMPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.IMPORT_TIME_LIMIT_SECONDS + 30,
)
def run_import(job_id):
    services.run(job_id)
