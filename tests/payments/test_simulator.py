"""The PSP simulator over real HTTP: checkout, signed notifications with a PSP's bad habits, status queries."""

import re

import pytest
import requests
from django.core.management import call_command

from payments import attempts
from payments.gateways.base import ReturnUrls
from payments.models import GatewayNotification, PaymentAttempt, Receipt
from payments.states import AttemptStatus, PositionStatus
from tests.conftest import wait_until
from tests.payments.factories import make_position


def knobs(settings, **values):
    settings.PSP_SIMULATOR_KNOBS = {
        "duplicate_rate": 0.0,
        "late_rate": 0.0,
        "late_seconds": 0.0,
        "reorder_rate": 0.0,
        "seed": "1",
        "delivery": "thread",
        **values,
    }


def start(live_server, notify_url=None):
    position = make_position()
    attempt = attempts.create_attempt([position.options.get()], position.debtor_fiscal_code)
    url = attempts.start_checkout(
        attempt,
        ReturnUrls(
            ok=live_server.url + "/ok",
            cancel=live_server.url + "/cancel",
            error=live_server.url + "/error",
            notify=notify_url or live_server.url + "/pagamenti/notifiche/simulator/",
        ),
    )
    return attempt, live_server.url + url


def choose(checkout_url, outcome):
    session = requests.Session()
    page = session.get(checkout_url, timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    base = checkout_url.split("/psp-simulator/")[0]
    return session.post(
        base + action,
        data={"csrfmiddlewaretoken": token, "outcome": outcome},
        headers={"Referer": checkout_url},
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.django_db(transaction=True)
def test_paid_with_duplicate_and_out_of_order_notifications_applies_once(live_server, settings):
    knobs(settings, duplicate_rate=1.0, reorder_rate=1.0)
    attempt, checkout_url = start(live_server)
    response = choose(checkout_url, "pay")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ok")
    # succeeded first, then the stale "authorized", then succeeded again with the same event id
    wait_until(lambda: GatewayNotification.objects.count() == 2, message="two distinct events stored")
    wait_until(lambda: PaymentAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.PAID)
    outcomes = sorted(GatewayNotification.objects.values_list("kind", "outcome"))
    assert outcomes == [("authorized", "ignored"), ("succeeded", "applied")]
    assert Receipt.objects.count() == 1
    assert attempt.options.get().position.status == PositionStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_cancel_and_fail_move_the_attempt(live_server, settings):
    knobs(settings)
    for outcome, status in (("cancel", AttemptStatus.CANCELLED), ("fail", AttemptStatus.FAILED)):
        attempt, checkout_url = start(live_server)
        choose(checkout_url, outcome)
        wait_until(lambda a=attempt, s=status: PaymentAttempt.objects.get(pk=a.pk).status == s)
    assert not Receipt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_lost_notification_is_recovered_by_the_periodic_status_query(live_server, settings):
    knobs(settings)
    settings.PSP_SIMULATOR_URL = live_server.url
    # The notification goes nowhere (a closed port): only the status query can learn the outcome.
    attempt, checkout_url = start(live_server, notify_url="http://127.0.0.1:9/lost")
    choose(checkout_url, "pay")
    stale = start(live_server)[0]
    PaymentAttempt.objects.filter(pk=stale.pk).update(expires_at="2000-01-01T00:00:00Z")
    call_command("check_pending_payments", "--older-than", "0")
    assert PaymentAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.PAID
    assert Receipt.objects.get().attempt_id == attempt.pk
    # The simulator never saw a choice for this one, and it is past its expiry: expired.
    assert PaymentAttempt.objects.get(pk=stale.pk).status == AttemptStatus.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_reporting_flow_from_the_simulator_reconciles_the_payment(live_server, settings):
    from django.utils import timezone

    from payments.models import DebtPosition

    knobs(settings)
    settings.PSP_SIMULATOR_URL = live_server.url
    attempt, checkout_url = start(live_server)
    choose(checkout_url, "pay")
    wait_until(lambda: PaymentAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.PAID)
    call_command("import_reporting_flows", "--from-simulator", timezone.localdate().isoformat())
    position = DebtPosition.objects.get()
    assert position.status == PositionStatus.REPORTED and position.reporting_date


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_notifications_delivered_by_a_real_celery_worker(celery_worker, live_server, settings):
    knobs(settings, delivery="celery", duplicate_rate=1.0)
    attempt, checkout_url = start(live_server)
    choose(checkout_url, "pay")
    wait_until(lambda: PaymentAttempt.objects.get(pk=attempt.pk).status == AttemptStatus.PAID, timeout=60)
    wait_until(lambda: GatewayNotification.objects.count() == 2, timeout=60)
    assert Receipt.objects.count() == 1
