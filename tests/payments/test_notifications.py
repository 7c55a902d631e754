"""Notifications are applied exactly once; untrusted or inconsistent ones are refused or flagged, and logged."""

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.urls import reverse

from payments import attempts
from payments.models import Anomaly, AttemptTransition, GatewayNotification, PaymentAttempt, Receipt
from payments.simulator.protocol import SIGNATURE_HEADER
from payments.states import AttemptStatus, OptionStatus, PositionStatus
from tests.payments.factories import make_position
from tests.payments.notifications import signature, succeeded_body

NOTIFY = "/pagamenti/notifiche/simulator/"


def pending_attempt(**kwargs):
    position = make_position(**kwargs)
    attempt = attempts.create_attempt([position.options.get(installment_number=0)], position.debtor_fiscal_code)
    attempts.transition_attempt(attempt, AttemptStatus.PENDING, "test")
    return attempt


@pytest.mark.django_db(transaction=True)
def test_the_same_notification_ten_times_concurrently_pays_once(live_server):
    attempt = pending_attempt()
    body = succeeded_body(attempt)

    def send(_):
        return requests.post(
            live_server.url + NOTIFY,
            data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body)},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(send, range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    assert sorted(r.text for r in responses) == ["applied"] + ["duplicate"] * 9
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PAID
    assert Receipt.objects.count() == 1
    assert AttemptTransition.objects.filter(attempt=attempt, target=AttemptStatus.PAID).count() == 1
    assert GatewayNotification.objects.count() == 1
    option = attempt.options.get()
    assert option.status == OptionStatus.PAID and option.position.status == PositionStatus.PAID
    assert option.receipt.transfers.count() == option.transfers.count()


@pytest.mark.django_db
def test_forged_signature_is_refused_and_logged(client, caplog):
    attempt = pending_attempt()
    body = succeeded_body(attempt)
    with caplog.at_level(logging.WARNING, logger="payments"):
        response = client.post(
            NOTIFY,
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature(body, secret="not-the-secret")},
        )
    assert response.status_code == 400 and response.content == b"bad_signature"
    assert "bad_signature" in caplog.text
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING and not Receipt.objects.exists()


@pytest.mark.django_db
def test_stale_timestamp_is_refused_and_logged(client, caplog):
    attempt = pending_attempt()
    body = succeeded_body(attempt)
    with caplog.at_level(logging.WARNING, logger="payments"):
        response = client.post(
            NOTIFY, body, content_type="application/json", headers={SIGNATURE_HEADER: signature(body, age_seconds=301)}
        )
    assert response.status_code == 400 and response.content == b"stale_timestamp"
    assert "stale_timestamp" in caplog.text
    assert not Receipt.objects.exists() and not GatewayNotification.objects.exists()


@pytest.mark.django_db
def test_wrong_amount_is_flagged_for_clerks_not_accepted(client, caplog):
    attempt = pending_attempt(amount_cents=10_000)
    body = succeeded_body(attempt, amount_delta=-100)
    with caplog.at_level(logging.WARNING, logger="payments"):
        response = client.post(
            NOTIFY, body, content_type="application/json", headers={SIGNATURE_HEADER: signature(body)}
        )
    assert response.status_code == 200 and response.content == b"flagged"
    assert "paid 9900, due 10000" in caplog.text
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING and attempt.needs_review
    assert not Receipt.objects.exists()
    anomaly = Anomaly.objects.get()
    assert anomaly.kind == Anomaly.Kind.AMOUNT_MISMATCH and anomaly.attempt == attempt
    assert GatewayNotification.objects.get().outcome == GatewayNotification.Outcome.FLAGGED


@pytest.mark.django_db
def test_payment_after_the_attempt_expired_is_flagged(client):
    attempt = pending_attempt()
    attempts.transition_attempt(attempt, AttemptStatus.EXPIRED, "test")
    body = succeeded_body(attempt)
    response = client.post(NOTIFY, body, content_type="application/json", headers={SIGNATURE_HEADER: signature(body)})
    assert response.content == b"flagged"
    assert Anomaly.objects.get().kind == Anomaly.Kind.LATE_PAYMENT
    assert PaymentAttempt.objects.get().status == AttemptStatus.EXPIRED


@pytest.mark.django_db
def test_installment_payment_makes_the_single_option_unpayable(client):
    position = make_position(amount_cents=30_000, installments=3)
    first = position.options.get(installment_number=1)
    attempt = attempts.create_attempt([first], position.debtor_fiscal_code)
    attempts.transition_attempt(attempt, AttemptStatus.PENDING, "test")
    body = succeeded_body(attempt)
    client.post(NOTIFY, body, content_type="application/json", headers={SIGNATURE_HEADER: signature(body)})
    position.refresh_from_db()
    assert position.status == PositionStatus.PARTIALLY_PAID
    assert position.options.get(installment_number=0).status == OptionStatus.UNPAYABLE
    with pytest.raises(Exception, match=r"non è più pagabile|già stato pagato"):
        attempts.create_attempt([position.options.get(installment_number=0)], position.debtor_fiscal_code)
    assert reverse("payments_gateway:notify", args=["simulator"]) == NOTIFY
