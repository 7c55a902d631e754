"""Residents who chose digital notices get the notice PDF on publication and the receipt on payment,
through a real SMTP server on loopback."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from fascicolo.outbox.models import OutgoingEmail
from fascicolo.outbox.services import sweep as sweep_emails
from fascicolo.outbox.tasks import send_email
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.services import publish_position
from tests.helpers import opt_in
from tests.payments.factories import RESIDENT_A, RESIDENT_B, make_position

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("fascicolo.dossier"), reason="the opt-in lives in the dossier"),
]


def test_notice_on_publish_and_receipt_on_payment(client, smtp, django_capture_on_commit_callbacks):
    opt_in(client, RESIDENT_A, "anna@example.org")
    make_position(fiscal_code=RESIDENT_B, publish=True)  # not opted in: no email
    with django_capture_on_commit_callbacks(execute=True):
        position = make_position(fiscal_code=RESIDENT_A, publish=False)
        publish_position(position)
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["anna@example.org"] and "TARI 2026" in message["Subject"]
    attachments = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1 and attachments[0].get_payload(decode=True).startswith(b"%PDF")

    option = position.options.get()
    with django_capture_on_commit_callbacks(execute=True):
        record_receipt(
            option, ReceiptData("IUR-MAIL", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
        )
    assert len(smtp.messages) == 2
    assert "Ricevuta" in smtp.messages[1][1]["Subject"]


def test_a_redelivered_email_task_sends_nothing_twice(client, smtp, django_capture_on_commit_callbacks):
    position = make_position(fiscal_code=RESIDENT_A, publish=True)
    opt_in(client, RESIDENT_A, "anna@example.org")
    option = position.options.get()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = record_receipt(
            option, ReceiptData("IUR-ONCE", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
        )
    assert [m["Subject"] for _to, m in smtp.messages] == ["Ricevuta di pagamento: TARI 2026"]

    send_email.delay("receipt", receipt.pk)  # the broker delivers the same message again
    sweep_emails(now=timezone.now() + timedelta(hours=1))
    assert len(smtp.messages) == 1
    assert OutgoingEmail.objects.get(key=f"receipt:{receipt.pk}").sent_at is not None


def test_an_email_the_broker_never_took_is_sent_by_the_sweeper(client, smtp):
    opt_in(client, RESIDENT_A, "anna@example.org")
    position = make_position(fiscal_code=RESIDENT_A, publish=False)
    publish_position(position)  # no commit here: the on-commit queueing never happens
    assert smtp.messages == []

    assert sweep_emails() == [f"notice:{position.pk}"]
    assert len(smtp.messages) == 1 and "TARI 2026" in smtp.messages[0][1]["Subject"]
    assert sweep_emails() == []
