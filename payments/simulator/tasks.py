"""Celery entry point of the PSP simulator: delivering one notification, as a PSP retries its webhooks."""

import requests
from celery import shared_task

from . import delivery


@shared_task(name="psp_simulator.deliver_notification", bind=True, max_retries=8)
def deliver_notification(self, url, body):
    """One simulator notification; retried with backoff while the portal does not answer 2xx."""
    try:
        delivered = delivery.post_notification(url, body.encode())
    except requests.RequestException:
        delivered = False
    if not delivered:
        raise self.retry(countdown=min(2**self.request.retries, 60))
