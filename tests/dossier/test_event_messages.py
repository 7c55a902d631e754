"""The messages the portal writes by itself in *Messaggi*: a certificate ready, a payment received, a
stamp paid, a clerk's answer to a correction request. One message per event (the signal delivered
twice writes nothing more), in Italian and English, linking to the object, only for whom may see it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascicolo import sections
from fascicolo.dossier import services as dossier_services
from fascicolo.dossier.models import Message, RectificationRequest, RectificationStatus
from fascicolo.outbox.services import sweep as sweep_emails
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.models import PaymentAttempt, PaymentOption
from payments.signals import option_paid, stamp_paid
from payments.simulator.protocol import SIGNATURE_HEADER
from registry.certificates import services as certificate_services
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.signals import certificate_ready
from registry.certificates.states import Status
from registry.models import Membership
from tests.audit.staff import make_staff
from tests.helpers import login_resident, opt_in
from tests.payments.factories import make_position
from tests.payments.notifications import signature, succeeded_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def _ready_certificate(user, person, captured):
    certificate = certificate_services.request_certificate(
        user, person_id=person.pk, kind="residenza", exemption=StampExemption.ADOPTION
    )
    with captured(execute=True):
        assert certificate_services.generate_document(certificate.pk) == Status.READY
    return certificate


def test_a_ready_certificate_is_announced_once_with_a_link_that_downloads_it(
    client, family, django_capture_on_commit_callbacks
):
    user = login_resident(client, family["head"])
    certificate = _ready_certificate(user, family["head"], django_capture_on_commit_callbacks)

    message = Message.objects.get(kind=sections.MessageKind.CERTIFICATE_READY)
    assert message.recipient_fiscal_code == family["head"].fiscal_code
    assert message.recipient_person == family["head"] and message.about == f"certificate:{certificate.pk}"
    assert message.subject == "Certificato pronto: Certificato di residenza"
    assert message.translations["en"]["subject"].startswith("Certificate ready")

    # The signal delivered again (a re-run after a crash) writes nothing more.
    certificate_ready.send_robust(sender=Certificate, certificate_id=certificate.pk)
    assert Message.objects.filter(kind=sections.MessageKind.CERTIFICATE_READY).count() == 1

    listing = client.get(reverse("dossier:messages")).content.decode()
    assert "Certificato pronto: Certificato di residenza" in listing and "fw-bold" in listing
    assert client.get(reverse("dossier:overview")).context["unread_count"] == 1
    page = client.get(reverse("dossier:message_detail", args=[message.pk])).content.decode()
    assert f'href="{reverse("certificates:pdf", args=[certificate.pk])}"' in page and "Scarica il certificato" in page
    message.refresh_from_db()
    assert message.read_at is not None
    assert client.get(reverse("dossier:overview")).context["unread_count"] == 0

    download = client.get(message.link_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_message_reads_in_english_for_an_english_reader(client, family, django_capture_on_commit_callbacks):
    user = login_resident(client, family["head"])
    _ready_certificate(user, family["head"], django_capture_on_commit_callbacks)
    message = Message.objects.get()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("dossier:message_detail", args=[message.pk])).content.decode()
    assert "Certificate ready" in page and "Download the certificate" in page
    assert "Certificato pronto" not in page
    api = client.get(f"/api/v1/messages/{message.pk}/", headers={"accept-language": "en"}).json()
    assert api["kind"] == "certificate_ready" and api["link_url"] == message.link_url
    assert api["subject"].startswith("Certificate ready")


def test_a_childs_certificate_is_announced_to_the_parent_who_asked_only(
    client, family, django_capture_on_commit_callbacks
):
    user = login_resident(client, family["head"])
    certificate = _ready_certificate(user, family["minor"], django_capture_on_commit_callbacks)
    assert Message.objects.get().recipient_fiscal_code == family["head"].fiscal_code

    for member in ("spouse", "minor", "adult_child"):
        other = Client()
        login_resident(other, family[member])
        assert b"Certificato pronto" not in other.get(reverse("dossier:messages")).content
        assert other.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404


def test_no_message_about_a_child_the_requester_may_no_longer_act_for(
    client, family, django_capture_on_commit_callbacks
):
    user = login_resident(client, family["head"])
    certificate = certificate_services.request_certificate(
        user, person_id=family["minor"].pk, kind="residenza", exemption=StampExemption.ADOPTION
    )
    # The register changes before the render: the head leaves the household.
    Membership.objects.filter(person=family["head"]).update(ended_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.generate_document(certificate.pk)
    assert not Message.objects.exists()


def _pay(option, receipt_id):
    return record_receipt(
        option,
        ReceiptData(receipt_id, option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now()),
    )


def test_a_payment_is_announced_to_the_debtor_once(client, family, django_capture_on_commit_callbacks):
    head = family["head"]
    position = make_position(fiscal_code=head.fiscal_code, name=head.full_name, subject="TARI 2026")
    option = position.options.get()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = _pay(option, "IUR-MSG-1")
    message = Message.objects.get(kind=sections.MessageKind.PAYMENT_CONFIRMED)
    assert message.recipient_fiscal_code == head.fiscal_code and message.about == f"receipt:{receipt.pk}"
    assert message.subject == "Pagamento ricevuto: TARI 2026" and "123,45 €" in message.body
    assert message.link_url == reverse("payments:receipt_pdf", args=[receipt.pk])
    assert message.translations["en"]["subject"] == "Payment received: TARI 2026"

    option_paid.send_robust(sender=PaymentOption, option=option, receipt=receipt, attempt=None)
    assert Message.objects.filter(kind=sections.MessageKind.PAYMENT_CONFIRMED).count() == 1

    login_resident(client, head)
    assert client.get(message.link_url).status_code in (200, 202)  # 202: the receipt PDF is being made
    spouse = Client()
    login_resident(spouse, family["spouse"])
    assert b"Pagamento ricevuto" not in spouse.get(reverse("dossier:messages")).content
    assert spouse.get(reverse("dossier:message_detail", args=[message.pk])).status_code == 404


def test_a_paid_stamp_is_announced_then_the_ready_certificate(
    client, settings, family, django_capture_on_commit_callbacks, eager_tasks
):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    user = login_resident(client, family["head"])
    certificate = certificate_services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    certificate_services.generate_document(certificate.pk)
    assert not Message.objects.exists()  # awaiting the stamp: nothing is ready yet
    client.post(reverse("payments:pay_certificate_stamp", args=[certificate.pk]))
    attempt = PaymentAttempt.objects.get()
    body = succeeded_body(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/pagamenti/notifiche/simulator/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature(body)},
        )
    receipt = attempt.receipts.get()
    kinds = dict(Message.objects.values_list("kind", "about"))
    # The stamp's payment is not announced twice (as a payment and as a stamp).
    assert kinds == {
        sections.MessageKind.STAMP_CONFIRMED: f"certificate:{certificate.pk}",
        sections.MessageKind.CERTIFICATE_READY: f"certificate:{certificate.pk}",
    }
    stamp_message = Message.objects.get(kind=sections.MessageKind.STAMP_CONFIRMED)
    assert receipt.receipt_id in stamp_message.body
    assert stamp_message.link_url == reverse("payments:receipt_pdf", args=[receipt.pk])

    stamp_paid.send_robust(
        sender=PaymentOption,
        document_hash="",
        receipt=receipt,
        attempt=attempt,
        reference=f"certificate:{certificate.pk}",
    )
    assert Message.objects.count() == 2


def test_a_clerks_answer_to_a_correction_request_is_a_message_per_status(client, family):
    user = login_resident(client, family["head"])
    request = dossier_services.submit_rectification(user, datum="address", correct_value="Via Verdi 3")
    clerk = make_staff("m.rossi")
    dossier_services.change_rectification_status(request, status=RectificationStatus.IN_PROGRESS, clerk=clerk)
    dossier_services.change_rectification_status(
        request, status=RectificationStatus.ACCEPTED, clerk=clerk, clerk_note="Indirizzo corretto."
    )
    messages = list(Message.objects.order_by("pk"))
    assert [m.about for m in messages] == [
        f"rectification:{request.pk}:in_progress",
        f"rectification:{request.pk}:accepted",
    ]
    assert messages[1].subject == "Richiesta di rettifica: Accolta" and "Indirizzo corretto." in messages[1].body
    assert messages[1].translations["en"]["subject"] == "Correction request: Accepted"
    assert messages[1].sender == clerk
    assert messages[1].link_url == reverse("dossier:rectification_detail", args=[request.pk])
    assert client.get(messages[1].link_url).status_code == 200

    spouse = Client()
    login_resident(spouse, family["spouse"])
    assert spouse.get(reverse("dossier:message_detail", args=[messages[1].pk])).status_code == 404
    assert RectificationRequest.objects.get().status == RectificationStatus.ACCEPTED


def test_the_database_refuses_a_second_message_for_the_same_event(family):
    texts = sections.message_texts(lambda: ("Oggetto", "Testo", "Apri"))
    kwargs = {"kind": sections.MessageKind.PAYMENT_CONFIRMED, "about": "receipt:1", "texts": texts}
    first, created = dossier_services.deliver(fiscal_code=family["head"].fiscal_code, **kwargs)
    again, created_again = dossier_services.deliver(fiscal_code=family["head"].fiscal_code, **kwargs)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(IntegrityError):
        Message.objects.create(
            recipient_fiscal_code=family["head"].fiscal_code, kind=first.kind, about=first.about, subject="x", body="y"
        )


# --- Email to residents who chose digital notices ---------------------------------------------------


def test_a_resident_who_opted_in_gets_the_message_by_email_once(
    client, family, smtp, settings, django_capture_on_commit_callbacks
):
    opt_in(client, family["head"].fiscal_code, "giulia@example.org")
    user = login_resident(client, family["head"])
    certificate = _ready_certificate(user, family["head"], django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1
    recipients, email = smtp.messages[0]
    assert recipients == ["giulia@example.org"]
    assert email["Subject"] == "Certificato pronto: Certificato di residenza"
    text = email.get_payload(decode=True).decode()
    link = settings.SITE_URL + reverse("certificates:pdf", args=[certificate.pk])
    assert text.index("è pronto") < text.index("is ready")  # Italian first, then English
    assert f"Scarica il certificato: {link}" in text and f"Download the certificate: {link}" in text

    # The signal again, the sweeper later: the outbox sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        certificate_ready.send_robust(sender=Certificate, certificate_id=certificate.pk)
    sweep_emails(now=timezone.now() + timedelta(hours=1))
    assert len(smtp.messages) == 1


def test_no_email_without_the_opt_in_nor_after_withdrawing_it(client, family, smtp, django_capture_on_commit_callbacks):
    user = login_resident(client, family["head"])
    _ready_certificate(user, family["head"], django_capture_on_commit_callbacks)
    assert smtp.messages == [] and Message.objects.count() == 1

    opt_in(client, family["head"].fiscal_code, "giulia@example.org")
    request = dossier_services.submit_rectification(user, datum="address", correct_value="Via Verdi 3")
    dossier_services.update_preferences(user, digital_notices=False)  # withdrawn before the email leaves
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.change_rectification_status(
            request, status=RectificationStatus.IN_PROGRESS, clerk=make_staff("m.rossi")
        )
    assert smtp.messages == [] and Message.objects.count() == 2


def test_the_clerks_answer_is_emailed_but_a_payment_only_once_as_its_receipt(
    client, family, smtp, django_capture_on_commit_callbacks
):
    head = family["head"]
    opt_in(client, head.fiscal_code, "giulia@example.org")
    user = login_resident(client, head)
    request = dossier_services.submit_rectification(user, datum="address", correct_value="Via Verdi 3")
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.change_rectification_status(
            request, status=RectificationStatus.REJECTED, clerk=make_staff("m.rossi"), clerk_note="Già corretto."
        )
    assert [m["Subject"] for _to, m in smtp.messages] == ["Richiesta di rettifica: Respinta"]

    position = make_position(fiscal_code=head.fiscal_code, name=head.full_name, subject="TARI 2026")
    with django_capture_on_commit_callbacks(execute=True):
        _pay(position.options.get(), "IUR-MSG-MAIL")
    assert Message.objects.filter(kind=sections.MessageKind.PAYMENT_CONFIRMED).exists()
    assert [m["Subject"] for _to, m in smtp.messages][1:] == ["Ricevuta di pagamento: TARI 2026"]
