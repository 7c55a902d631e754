"""A certificate waiting for its stamp: the resident pays the €16 @e.bollo bound to its SHA-256, and the
receipt releases the certificate."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from payments.models import PaymentAttempt, Transfer
from payments.simulator.protocol import SIGNATURE_HEADER
from registry.certificates import services
from registry.certificates.models import Certificate
from registry.certificates.stamps import release_paid_stamps
from registry.certificates.states import Status
from tests.dossier.factories import make_family
from tests.helpers import login_resident
from tests.payments.notifications import signature, succeeded_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def test_pay_the_stamp_and_the_certificate_is_released(
    client, settings, django_capture_on_commit_callbacks, eager_tasks
):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    family = make_family()
    user = login_resident(client, family["head"])
    certificate = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    assert services.generate_document(certificate.pk) == Status.AWAITING_STAMP
    certificate.refresh_from_db()

    page = client.get(reverse("payments:index")).content.decode()
    pay_url = reverse("payments:pay_certificate_stamp", args=[certificate.pk])
    assert pay_url in page and "Paga il bollo" in page

    other = Client()
    login_resident(other, make_family("Verdi")["head"])
    assert other.post(pay_url).status_code == 404

    response = client.post(pay_url)
    assert response.status_code == 302 and response["Location"].startswith("/psp-simulator/checkout/")
    stamp = Transfer.objects.get()
    assert base64.b64decode(stamp.stamp_hash).hex() == certificate.sha256 and stamp.iban == ""

    attempt = PaymentAttempt.objects.get()
    body = succeeded_body(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/pagamenti/notifiche/simulator/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature(body)},
        )
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.status == Status.READY
    assert certificate.stamp_reference == attempt.receipts.get().receipt_id


def test_the_result_page_polls_while_waiting_and_links_the_released_certificate(
    client, settings, django_capture_on_commit_callbacks, eager_tasks
):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    family = make_family()
    user = login_resident(client, family["head"])
    certificate = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    services.generate_document(certificate.pk)
    client.post(reverse("payments:pay_certificate_stamp", args=[certificate.pk]))
    attempt = PaymentAttempt.objects.get()
    result_url = reverse("payments:result", args=[attempt.public_id])

    waiting = client.get(result_url).content.decode()
    assert 'http-equiv="refresh"' not in waiting
    assert "data-poll-region" in waiting and "js/poll-region.js" in waiting

    body = succeeded_body(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/pagamenti/notifiche/simulator/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature(body)},
        )
    done = client.get(result_url).content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Status.READY
    assert f"Il certificato «{certificate.title}» è pronto." in done
    assert 'href="' + reverse("certificates:download", args=["T"]).removesuffix("T/") in done
    assert "data-poll-region" not in done and "js/poll-region.js" not in done

    other = Client()
    login_resident(other, make_family("Verdi")["head"])
    assert other.get(result_url).status_code == 404


def test_a_paid_stamp_whose_signal_was_lost_is_released_by_the_sweeper(client, settings):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    family = make_family()
    user = login_resident(client, family["head"])
    certificate = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    services.generate_document(certificate.pk)
    client.post(reverse("payments:pay_certificate_stamp", args=[certificate.pk]))
    attempt = PaymentAttempt.objects.get()
    body = succeeded_body(attempt)
    # No on-commit work runs here: the stamp_paid signal never arrives.
    response = client.post(
        "/pagamenti/notifiche/simulator/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature(body)},
    )
    assert response.status_code == 200
    assert Certificate.objects.get(pk=certificate.pk).status == Status.AWAITING_STAMP

    assert release_paid_stamps() == [certificate.pk]  # what Celery beat runs every minute
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.status == Status.READY
    assert certificate.stamp_reference == attempt.receipts.get().receipt_id
