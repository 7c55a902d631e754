"""Clerks: a position by hand, a TARI roll upload, publication, the dashboard and its permission."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fascicolo.imports import services as import_services
from fascicolo.imports.models import ImportJob
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.models import DebtPosition
from payments.tari import FIELDS
from tests.payments.clerks import login_clerk
from tests.payments.factories import RESIDENT_A, RESIDENT_B, make_position

pytestmark = pytest.mark.django_db


def test_clerk_creates_a_position_with_installments_by_hand(client):
    login_clerk(client)
    due = (date.today() + timedelta(days=20)).isoformat()
    form = {
        "debtor_type": "F",
        "debtor_fiscal_code": RESIDENT_A.lower(),
        "debtor_name": "Anna Bianchi",
        "category": "CANTEEN",
        "subject": "Mensa ottobre",
        "amount": "95.50",
        "due_date": due,
        "installments": "2",
        "publish": "on",
    }
    response = client.post(reverse("admin:payments_new_position"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    position = DebtPosition.objects.get()
    assert position.status == "VALID" and position.debtor_fiscal_code == RESIDENT_A
    assert [o.amount_cents for o in position.options.all()] == [9_550, 4_775, 4_775]
    bad = client.post(reverse("admin:payments_new_position"), {**form, "debtor_fiscal_code": "RSSMRA80A01H501X"})
    assert bad.status_code == 200 and "carattere di controllo" in bad.content.decode()
    assert DebtPosition.objects.count() == 1


def test_tari_upload_reports_bad_lines(client):
    login_clerk(client)
    due = (date.today() + timedelta(days=40)).isoformat()
    text = (
        ",".join(FIELDS) + f"\nH1,F,{RESIDENT_A},Anna,,100.00,5.00,0,{due}\nH2,F,{RESIDENT_B},Luca,,abc,5.00,0,{due}\n"
    )
    response = client.post(
        reverse("admin:payments_import_tari"), {"file": SimpleUploadedFile("ruolo.csv", text.encode()), "year": "2026"}
    )
    assert response.status_code == 302  # to the job's page: the import runs in a worker (tests/imports)
    job = ImportJob.objects.get()
    assert import_services.run(job.pk) == ImportJob.Status.DONE
    report = client.get(reverse("admin:imports_importjob_rejects", args=[job.pk])).getvalue().decode("utf-8-sig")
    assert "3," in report and "importo non valido" in report
    assert DebtPosition.objects.count() == 1


def test_dashboard_shows_payments_and_needs_its_permission(client):
    option = make_position(category="FINE").options.get()
    record_receipt(
        option, ReceiptData("IUR-DASH", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
    )
    login_clerk(client, "semplice", superuser=False)
    assert client.get(reverse("admin:payments_dashboard")).status_code == 403
    client.logout()
    login_clerk(client, "cruscotto", superuser=False, permissions=["view_payments_dashboard"])
    page = client.get(reverse("admin:payments_dashboard")).content.decode()
    assert "Sanzioni e multe" in page and "123,45 €" in page and "<svg" in page


def test_the_admin_index_and_the_payments_section_link_the_dashboard(client):
    dashboard = f'href="{reverse("admin:payments_dashboard")}"'
    login_clerk(client, "semplice", superuser=False)
    assert dashboard not in client.get(reverse("admin:index")).content.decode()
    client.logout()
    login_clerk(client, "cassa")
    assert dashboard in client.get(reverse("admin:index")).content.decode()
    assert dashboard in client.get(reverse("admin:app_list", args=["payments"])).content.decode()
    assert dashboard not in client.get(reverse("admin:app_list", args=["auth"])).content.decode()


def test_a_clerk_reading_a_position_appears_in_the_debtors_access_log(client):
    from fascicolo.audit.purpose import SESSION_KEY as PURPOSE_SESSION_KEY
    from fascicolo.audit.services import entries_for_person
    from tests.audit.people import make_person

    debtor = make_person(fiscal_code=RESIDENT_A, given_name="Anna", family_name="Bianchi", sex="F")
    position = make_position(fiscal_code=RESIDENT_A)
    clerk = login_clerk(client)
    url = reverse("admin:payments_debtposition_change", args=[position.pk])

    # The purpose is asked before the debtor's data is shown.
    assert client.get(url).status_code == 302
    assert not entries_for_person(debtor).exists()

    session = client.session
    session[PURPOSE_SESSION_KEY] = "Verifica di un pagamento segnalato dal cittadino"
    session.save()
    assert client.get(url).status_code == 200
    entry = entries_for_person(debtor).get()
    assert entry.actor_id == clerk.pk
    assert entry.purpose == "Verifica di un pagamento segnalato dal cittadino"
