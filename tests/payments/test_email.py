"""Residents who chose digital notices get the notice PDF on publication and the receipt on payment,
through a real SMTP server on loopback."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps
from django.utils import timezone

from fascicolo.celery import app as celery_app
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.services import publish_position
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, RESIDENT_B, make_position

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not apps.is_installed("fascicolo.dossier"), reason="the opt-in lives in the dossier"),
]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield inbox
    celery_app.conf.task_always_eager = eager
    controller.stop()


def opt_in(client, fiscal_code, address):
    user = login_resident(client, fiscal_code)
    profile_model = apps.get_model("identity", "ResidentProfile")
    profile_model.objects.update_or_create(
        user=user, defaults={"email": address, "email_verified_at": timezone.now(), "digital_notices": True}
    )


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
