"""Nothing lost, nothing twice: a worker killed mid-render, and messages lost from the broker."""

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from fascicolo.celery import app
from fascicolo.outbox.models import OutgoingEmail
from fascicolo.outbox.tasks import send_email, sweep_emails
from payments.models import PaymentAttempt
from payments.simulator.protocol import SIGNATURE_HEADER
from registry.certificates import services
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import Status
from registry.certificates.tasks import release_paid_stamps, sweep_pending_certificates
from tests.conftest import HOLD_SETTINGS, kill_worker_hard, wait_until
from tests.helpers import login_resident, smtp_server
from tests.payments.notifications import signature, succeeded_body

pytestmark = pytest.mark.worker


def request(user, person, kind="residenza"):
    return services.request_certificate(user, person_id=person.pk, kind=kind, exemption=StampExemption.ADOPTION)


def status_of(certificate):
    certificate.refresh_from_db()
    return certificate.status


def test_worker_killed_mid_render_still_ready_exactly_once(worker_factory, client, family, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    worker = worker_factory(HOLD_SETTINGS, TEST_HOLD_FILE=hold)
    user = login_resident(client, family["head"])
    certificate = request(user, family["head"])

    # The render has started (the task holds the row lock inside its transaction): kill everything.
    wait_until(lambda: Path(f"{hold}.reached").exists(), timeout=60, message="render started")
    kill_worker_hard(worker)
    hold.unlink()
    assert status_of(certificate) == Status.PENDING  # the render's transaction was rolled back
    assert not default_storage.exists(services.file_name_for(certificate))

    # The message was never acknowledged: a new worker gets it back once the visibility timeout
    # has passed, with no sweeper involved.
    worker_factory(CELERY_VISIBILITY_TIMEOUT=2)
    wait_until(lambda: status_of(certificate) == Status.READY, timeout=120, message="ready after redelivery")

    assert certificate.attempts == 2
    assert Certificate.objects.filter(holder=family["head"]).count() == 1
    stored = default_storage.open(certificate.file_name).read()
    assert hashlib.sha256(stored).hexdigest() == certificate.sha256
    leftovers = [
        p.name for p in Path(default_storage.path(certificate.file_name)).parent.glob(f".{certificate.pk}.pdf*")
    ]
    assert leftovers == []


def test_sweeper_brings_lost_requests_to_ready(worker_factory, client, family):
    user = login_resident(client, family["head"])
    # No worker is running: the requests wait in Redis…
    certificates = [request(user, family["head"], kind) for kind in ("residenza", "nascita", "stato_famiglia")]
    certificates.append(request(user, family["minor"], "nascita"))
    # …and are lost, as in a Redis restart without persistence.
    with app.connection_for_write() as conn:
        assert conn.default_channel.queue_purge("pdf") == len(certificates)

    worker_factory(CERTIFICATES_SWEEP_AFTER_SECONDS=0)
    sweep_pending_certificates.delay()  # what Celery beat sends every 30 s
    wait_until(
        lambda: all(status_of(c) == Status.READY for c in certificates), timeout=120, message="all swept to ready"
    )
    assert all(c.attempts == 1 for c in certificates)


def test_redis_restarted_with_requests_queued_loses_nothing(broker, worker_factory, client, family, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    worker_factory(HOLD_SETTINGS, TEST_HOLD_FILE=hold, CERTIFICATES_SWEEP_AFTER_SECONDS=0)
    user = login_resident(client, family["head"])
    certificates = [request(user, family["head"], kind) for kind in ("residenza", "nascita", "stato_famiglia")]
    # The worker is rendering the first request; the others wait in Redis…
    wait_until(lambda: Path(f"{hold}.reached").exists(), timeout=60, message="render started")

    # …when Redis restarts, without persistence: the queued messages are gone.
    broker.stop()
    broker.start()
    hold.unlink()

    # Celery beat's sweeper enqueues the pending requests again; the worker, reconnected to the new
    # Redis, makes each certificate exactly once.
    sweep_pending_certificates.delay()
    wait_until(
        lambda: all(status_of(c) == Status.READY for c in certificates), timeout=180, message="all ready after restart"
    )
    for certificate in certificates:
        assert Certificate.objects.filter(pk=certificate.pk, status=Status.READY).count() == 1
        assert hashlib.sha256(default_storage.open(certificate.file_name).read()).hexdigest() == certificate.sha256


def test_broker_down_after_a_paid_stamp_the_provider_gets_success_and_nothing_is_lost(
    broker, worker_factory, client, family, settings
):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    user = login_resident(client, family["head"])
    apps.get_model("identity", "ResidentProfile").objects.create(
        user=user, email="mario@example.org", email_verified_at=timezone.now(), digital_notices=True
    )
    certificate = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    assert services.generate_document(certificate.pk) == Status.AWAITING_STAMP
    client.post(reverse("payments:pay_certificate_stamp", args=[certificate.pk]))
    attempt = PaymentAttempt.objects.get()
    body = succeeded_body(attempt)

    # The broker dies between the payment's commit and its after-commit work.
    broker.stop()
    response = client.post(
        "/pagamenti/notifiche/simulator/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature(body)},
    )
    assert (response.status_code, response.content) == (200, b"applied")
    receipt = attempt.receipts.get()
    assert status_of(certificate) == Status.AWAITING_STAMP
    assert OutgoingEmail.objects.get(key=f"receipt:{receipt.pk}").sent_at is None

    # The broker comes back (empty); Celery beat's sweepers find the work by its state.
    broker.start()
    with smtp_server() as (inbox, port):
        worker = worker_factory(EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=0)
        release_paid_stamps.delay()
        sweep_emails.delay()

        def receipt_emails():
            return [m for _to, m in inbox.messages if m["Subject"].startswith("Ricevuta di pagamento")]

        wait_until(
            lambda: status_of(certificate) == Status.READY and receipt_emails(),
            timeout=120,
            message="released, emailed",
        )
        assert certificate.stamp_reference == receipt.receipt_id

        # The same email task delivered again, and the sweeper again: nothing is sent twice.
        duplicate, sweep = send_email.delay("receipt", receipt.pk), sweep_emails.delay()
        wait_until(
            lambda: all(f"[{task.id}] succeeded" in "".join(worker.output) for task in (duplicate, sweep)),
            timeout=60,
            message="duplicates handled",
        )
        assert len(receipt_emails()) == 1
        assert receipt_emails()[0]["To"] == "mario@example.org"
