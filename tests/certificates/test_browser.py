"""What a resident does in a browser: request a certificate in the dossier, watch it become ready, download
it; and the pages pass axe-core (WCAG 2.1 AA)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from registry.certificates.models import Certificate
from tests.conftest import axe_violations
from tests.helpers import login_resident

from .pdfutils import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def sign_in(page, live_server, person):
    """A level-2 resident session, handed to the browser as its session cookie."""
    client = Client()
    login_resident(client, person)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip


def test_request_and_download_in_the_dossier(celery_worker, live_server, page, family, tmp_path):
    head = family["head"]
    sign_in(page, live_server, head)
    page.goto(f"{live_server.url}/area-personale/certificati/")
    assert axe_violations(page) == []

    # Bootstrap Italia draws its own radio button: a person clicks the label.
    page.locator("label", has_text=re.compile(r"^Certificato di stato di famiglia$")).click()
    assert page.get_by_label("Certificato di stato di famiglia", exact=True).is_checked()
    page.get_by_label("Motivo di esenzione dall'imposta di bollo").select_option("7")
    page.get_by_role("button", name="Richiedi il certificato").click()
    page.wait_for_url(f"{live_server.url}/area-personale/certificati/")
    assert "Richiesta ricevuta" in page.content()

    # The row turns into a download link without reloading (the status JSON, polled).
    link = page.get_by_role("link", name="Scarica il PDF")
    link.wait_for(timeout=60_000)
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        link.click()
    target = tmp_path / "certificato.pdf"
    download_info.value.save_as(target)
    text = pdf_text(Path(target).read_bytes())
    assert head.fiscal_code in text and family["minor"].fiscal_code in text

    # The verifier's page, anonymous: the result and the upload form.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/{Certificate.objects.get().verification_code}/")
    assert "Certificato valido" in page.content()
    page.set_input_files("#id_document", target)
    page.get_by_role("button", name="Controlla il file").click()
    assert "Il file è identico a quello rilasciato" in page.content()
    assert axe_violations(page) == []


def test_self_declaration_and_verify_pages_are_accessible(live_server, page, family):
    sign_in(page, live_server, family["head"])
    page.goto(f"{live_server.url}/area-personale/certificati/autocertificazione/")
    assert page.get_by_role("heading", name="Autocertificazione", level=1).is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Prepara il PDF").click()  # nothing chosen: an error, in the page
    assert "Scegli almeno una sezione" in page.content()
    assert axe_violations(page) == []

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/AAAAAAAAAAAAAAAAAAAA/")
    assert "Codice sconosciuto" in page.content()
    assert axe_violations(page) == []


def test_verify_landing_page_takes_a_typed_code_and_is_accessible(live_server, page, family):
    page.goto(f"{live_server.url}/verify/")
    assert page.get_by_role("heading", name="Verifica di un certificato", level=1).is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Codice di verifica", exact=True).fill("1234")
    page.get_by_role("button", name="Verifica il codice").click()
    assert "Il codice di verifica non è valido." in page.content()
    assert axe_violations(page) == []
    page.get_by_label("Codice di verifica", exact=True).fill("aaaa-aaaa-aaaa-aaaa-aaaa")
    page.get_by_role("button", name="Verifica il codice").click()
    page.wait_for_url(f"{live_server.url}/verify/AAAAAAAAAAAAAAAAAAAA/")
    assert "Codice sconosciuto" in page.content()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/verify/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert axe_violations(page) == []
