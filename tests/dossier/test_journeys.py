"""Issue 14's acceptance journeys, at 360 px in headless Chromium, with a real Celery worker:

1. a resident logs in through the demo identity provider, requests a certificate that owes the stamp
   duty, pays the stamp through the PSP simulator, finds "Certificato pronto" in *Messaggi* and
   downloads the PDF from the message;
2. a clerk logs in with the second factor (TOTP), opens the payments dashboard from the admin index,
   opens a person after stating the purpose; the resident then reads that access, with its purpose in
   plain words, in *Accessi ai miei dati*.

axe-core finds no violation on any page visited."""

import re

import pytest
from playwright.sync_api import expect

from fascicolo.dossier.models import Message
from registry.certificates.models import Certificate
from registry.certificates.states import Status
from tests.certificates.pdfutils import pdf_text
from tests.conftest import axe_violations, wait_until
from tests.identity.conftest import demo_provider, demo_signing_key_file  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_provider")]

PHONE = {"width": 360, "height": 740}
WAIT = 30_000  # ms: a page may take long on a loaded machine; a real failure still fails


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def assert_accessible(page):
    assert axe_violations(page) == [], page.url


def resident_logs_in(page, url, person):
    page.goto(url + "/accesso/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    expect(page).to_have_url(re.compile(r"/demo-idp/authorize\?"), timeout=WAIT)
    page.locator("label", has_text=person.fiscal_code).click()
    page.locator("label", has_text="Livello 2").click()
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page.get_by_role("banner")).to_contain_text(person.given_name, timeout=WAIT)


def test_resident_pays_the_stamp_and_downloads_the_ready_certificate_from_messaggi(
    private_storage, celery_worker, live_server, phone, family, settings, tmp_path
):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    settings.PSP_SIMULATOR_KNOBS = {
        "duplicate_rate": 0.0, "late_rate": 0.0, "late_seconds": 0.0, "reorder_rate": 0.0, "seed": "1",
        "delivery": "thread",
    }  # fmt: skip
    page, head = phone, family["head"]
    resident_logs_in(page, live_server.url, head)

    page.goto(live_server.url + "/area-personale/certificati/")
    assert_accessible(page)
    page.locator("label", has_text=re.compile(r"^Certificato di residenza$")).click()
    page.get_by_role("button", name="Richiedi il certificato").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        "Richiesta ricevuta", timeout=WAIT
    )
    certificate = Certificate.objects.get()
    wait_until(
        lambda: Certificate.objects.get(pk=certificate.pk).status == Status.AWAITING_STAMP,
        timeout=90,
        message="rendered by the worker, waiting for its stamp",
    )

    page.goto(live_server.url + "/area-personale/pagamenti/")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Paga il bollo")).click()
    expect(page.get_by_role("heading", name="Simulatore PSP — checkout")).to_be_visible(timeout=WAIT)
    assert_accessible(page)
    page.get_by_role("button", name="Paga", exact=True).click()
    status = page.locator("#attempt-status")
    expect(status).to_contain_text("Pagamento riuscito", timeout=WAIT)
    # The result page polls (aria-live) until the worker has released the certificate, then links it.
    expect(status).to_contain_text("Il certificato «Certificato di residenza» è pronto.", timeout=90_000)
    expect(status.get_by_role("link", name=re.compile("Scarica il certificato"))).to_be_visible(timeout=WAIT)
    assert_accessible(page)

    wait_until(
        lambda: Message.objects.filter(kind="certificate_ready").exists(), timeout=60, message="the message is written"
    )
    page.goto(live_server.url + "/area-personale/")
    expect(page.get_by_role("link", name="Certificato pronto: Certificato di residenza")).to_be_visible(timeout=WAIT)
    page.goto(live_server.url + "/area-personale/messaggi/")
    assert_accessible(page)
    expect(page.get_by_text("Marca da bollo pagata: Certificato di residenza")).to_be_visible(timeout=WAIT)
    page.get_by_role("link", name=re.compile("Certificato pronto: Certificato di residenza")).click()
    expect(page.get_by_role("heading", name="Certificato pronto: Certificato di residenza", level=1)).to_be_visible(
        timeout=WAIT
    )
    assert_accessible(page)
    assert Message.objects.get(kind="certificate_ready").read_at is not None

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il certificato").click()
    target = tmp_path / "certificato.pdf"
    download_info.value.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert head.fiscal_code in text and head.family_name.upper() in text.upper()
    assert family["spouse"].fiscal_code not in text  # a residence certificate names its holder only


def test_clerk_reads_a_person_and_the_resident_sees_it_with_its_purpose(live_server, phone, family, browser):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from tests.staff.conftest import PASSWORD, make_clerk, totp_code

    head = family["head"]
    clerk = make_clerk("g.russo", first_name="Giorgio", last_name="Russo")
    clerk.groups.add(Group.objects.get(name="Ufficio anagrafe"))
    clerk.user_permissions.add(*_dashboard_permission())
    secret = generate_totp_secret()
    TOTP.activate(clerk, secret)

    desk = browser.new_context(locale="it-IT", viewport=PHONE)
    office = desk.new_page()
    office.goto(live_server.url + "/personale/login/?next=/admin/")
    assert_accessible(office)
    office.locator("input[name=login]").fill(clerk.username)
    office.locator("input[name=password]").fill(PASSWORD)
    office.locator("input[name=password]").press("Enter")
    expect(office).to_have_url(re.compile(r"/personale/2fa/authenticate/"), timeout=WAIT)
    assert_accessible(office)
    office.locator("input[name=code]").fill(totp_code(secret))
    office.locator("input[name=code]").press("Enter")
    expect(office).to_have_url(re.compile(r"/admin/$"), timeout=WAIT)
    assert_accessible(office)

    office.get_by_role("link", name="Cruscotto dei pagamenti").click()
    expect(office).to_have_url(re.compile(r"/admin/payments/debtposition/cruscotto/"), timeout=WAIT)
    assert_accessible(office)

    office.goto(f"{live_server.url}/admin/registry/person/{head.pk}/change/")
    # The purpose is asked before any personal data is shown.
    office.locator("label", has_text="Rilascio di un certificato o di un'attestazione").click()
    office.get_by_label("Dettagli").fill("pratica 4521")
    assert_accessible(office)
    office.get_by_role("button", name=re.compile("Continua|Conferma|Prosegui")).click()
    expect(office).to_have_url(re.compile(rf"/admin/registry/person/{head.pk}/change/"), timeout=WAIT)
    expect(office.locator("#content")).to_contain_text(head.family_name, timeout=WAIT)
    desk.close()

    resident_logs_in(phone, live_server.url, head)
    phone.goto(live_server.url + "/area-personale/accessi/")
    log = phone.locator("section[aria-labelledby=clerks-title]")
    expect(log).to_contain_text("Ufficio anagrafe (Giorgio Russo) ha consultato Persona:", timeout=WAIT)
    expect(log).to_contain_text("Motivo: Rilascio di un certificato o di un'attestazione: pratica 4521.", timeout=WAIT)
    assert "spid-demo" not in phone.content() and "Motivo —" not in phone.content()
    assert_accessible(phone)


def _dashboard_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename="view_payments_dashboard", content_type__app_label="payments")
