"""End to end in Chromium: a resident finds the TARI notice in the dossier, downloads it, pays it
through the PSP simulator and gets the receipt; the clerk sees the payment on the dashboard."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from payments import documents
from payments.models import DebtPosition, Receipt
from payments.services import OptionSpec, create_position
from tests.conftest import axe_violations
from tests.helpers import login_resident
from tests.payments.clerks import login_clerk
from tests.payments.factories import RESIDENT_A, tari_transfers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def session_cookie(client, live_server):
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]


def test_resident_pays_a_tari_notice_and_the_clerk_sees_it(live_server, page, browser, settings):
    from datetime import date, timedelta

    settings.PSP_SIMULATOR_KNOBS = {
        "duplicate_rate": 0.0,
        "late_rate": 0.0,
        "late_seconds": 0.0,
        "reorder_rate": 0.0,
        "seed": "1",
        "delivery": "thread",
    }
    create_position(
        debtor_type="F",
        debtor_fiscal_code=RESIDENT_A,
        debtor_name="Anna Bianchi",
        category="TARI",
        subject="TARI 2026",
        publish=True,
        options=[OptionSpec(19_152, date.today() + timedelta(days=30), "TARI 2026", tari_transfers(18_240, 912))],
    )
    resident = Client()
    login_resident(resident, RESIDENT_A)
    page.context.add_cookies(session_cookie(resident, live_server))

    page.goto(live_server.url + "/area-personale/pagamenti/")
    due = page.locator("#payments-due")
    expect(due).to_contain_text("TARI 2026")
    expect(due).to_contain_text("191,52 €")
    assert axe_violations(page) == []

    page.get_by_role("link", name="TARI 2026").click()
    assert axe_violations(page) == []
    expect(page.locator("#notice-preparing")).to_contain_text("in preparazione")  # no worker in this test
    position = DebtPosition.objects.get(subject="TARI 2026")
    page.goto(f"{live_server.url}/area-personale/pagamenti/posizioni/{position.pk}/avviso.pdf")
    expect(page.get_by_role("heading", name="Documento in preparazione")).to_be_visible()
    assert axe_violations(page) == []
    documents.render_notice(position.pk)  # what the PDF worker does
    page.goto(f"{live_server.url}/area-personale/pagamenti/posizioni/{position.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica l'avviso di pagamento (PDF)").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Paga ora").click()
    expect(page.get_by_role("heading", name="Simulatore PSP — checkout")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Paga", exact=True).click()
    expect(page.locator("#attempt-status")).to_contain_text("Pagamento riuscito", timeout=30_000)
    assert axe_violations(page) == []

    page.goto(live_server.url + "/area-personale/pagamenti/")
    paid = page.locator("#payments-paid")
    expect(paid).to_contain_text("TARI 2026")
    documents.render_receipt(Receipt.objects.get(option__position=position).pk)  # what the PDF worker does
    with page.expect_download() as download:
        paid.get_by_role("link", name="Ricevuta").first.click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    clerk_client = Client()
    login_clerk(clerk_client, "responsabile", superuser=False, permissions=["view_payments_dashboard"])
    clerk = browser.new_context(locale="it-IT")
    clerk.add_cookies(session_cookie(clerk_client, live_server))
    dashboard = clerk.new_page()
    dashboard.goto(live_server.url + "/admin/payments/debtposition/cruscotto/")
    expect(dashboard.locator("#per-service-table")).to_contain_text("TARI (rifiuti)")
    expect(dashboard.locator("#per-service-table")).to_contain_text("191,52 €")
    clerk.close()
