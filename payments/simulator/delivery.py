"""Sending the simulator's notifications to the portal, off the request that caused them.

The simulator is mounted in the portal itself: posting a notification from inside the checkout
request would make a single-threaded server wait on itself. Notifications leave from a Celery task
(``delivery: celery``) or a background thread (``thread``), with retries and backoff like a PSP's.
"""

import logging
import threading
import time

import requests

from . import protocol

logger = logging.getLogger(__name__)
RETRY_DELAYS = (0.5, 1, 2, 4, 8)


def post_notification(url, body: bytes):
    """One delivery try: sign now (the timestamp is the sending time) and POST; True on 2xx."""
    response = requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", protocol.SIGNATURE_HEADER: protocol.sign(body)},
        timeout=10,
    )
    return 200 <= response.status_code < 300


def deliver_with_retries(url, body: bytes, delay=0.0):
    if delay:
        time.sleep(delay)
    for pause in (*RETRY_DELAYS, None):
        try:
            if post_notification(url, body):
                return True
        except requests.RequestException as exc:
            logger.warning("simulator notification to %s failed: %s", url, exc)
        if pause is None:
            break
        time.sleep(pause)
    logger.error("simulator notification to %s given up", url)
    return False


def dispatch(url, schedule, mode):
    """``schedule``: [(delay seconds, body bytes), …] in sending order."""
    if mode == "celery":
        from .tasks import deliver_notification

        for delay, body in schedule:
            deliver_notification.apply_async((url, body.decode()), countdown=delay)
        return

    def run():
        started = time.monotonic()
        for delay, body in schedule:
            wait = delay - (time.monotonic() - started)
            deliver_with_retries(url, body, max(wait, 0))

    threading.Thread(target=run, name="psp-simulator-delivery", daemon=True).start()
