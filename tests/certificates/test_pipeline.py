"""Request → ready → download with a real Celery worker and Redis; what the PDF holds; verification."""

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from fascicolo.documents.seal import seal_paths
from registry.certificates import selectors, services
from registry.certificates.codes import display_verification_code
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import Status
from tests.conftest import wait_until
from tests.helpers import login_resident

from .pdfutils import decode_qr_codes, flip_one_byte, pdf_text

pytestmark = pytest.mark.worker


def ready(certificate):
    certificate.refresh_from_db()
    return certificate.status == Status.READY


def request_page(client, person, kind, exemption=StampExemption.SEPARATION, description=""):
    return client.post(
        "/area-personale/certificati/richiedi/",
        {"person": person.pk, "kind": kind, "exemption": int(exemption), "exemption_description": description},
    )


def test_request_ready_download_and_verify(celery_worker, client, family):
    head = family["head"]
    user = login_resident(client, head)
    response = request_page(client, head, "stato_famiglia_parentela")
    assert response.status_code == 302
    certificate = Certificate.objects.get(requested_by=user)
    assert certificate.status == Status.PENDING

    wait_until(lambda: ready(certificate), timeout=60, message="certificate ready")

    status = client.get(f"/area-personale/certificati/{certificate.pk}/stato/").json()
    assert status["status"] == "ready"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    pdf = b"".join(download.streaming_content)
    assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
    assert default_storage.exists(certificate.file_name)

    text = pdf_text(pdf)
    for member in ("head", "spouse", "minor", "adult_child"):
        person = family[member]
        assert person.fiscal_code in text  # the household table
    assert head.family_name in text and head.given_name in text
    assert "Figlio/Figlia" in text  # the relationships
    assert "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione" in text
    assert "Separazione o divorzio" in text  # the exemption reason
    assert display_verification_code(certificate.verification_code) in text

    verification_url = f"{settings.SITE_URL}/verify/{certificate.verification_code}/"
    assert decode_qr_codes(pdf, page_index=0) == [verification_url]

    # pyHanko, independently of the app's own verify_seal, against the configured certificate.
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    trusted = load_cert_from_pemder(str(seal_paths()[1]))
    # In a thread of its own: pyHanko runs asyncio.run(), and Playwright's loop may own this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(validate_pdf_signature, signature, ValidationContext(trust_roots=[trusted])).result()
    assert result.bottom_line, result.summary()

    page = client.get(f"/verify/{certificate.verification_code}/")
    assert page.status_code == 200
    assert "Certificato valido" in page.text

    original = client.post(f"/verify/{certificate.verification_code}/controlla/", {"document": io.BytesIO(pdf)})
    assert "Il file è identico a quello rilasciato" in original.text
    tampered_file = io.BytesIO(flip_one_byte(pdf))
    tampered_file.name = "certificato.pdf"
    tampered = client.post(f"/verify/{certificate.verification_code}/controlla/", {"document": tampered_file})
    assert "NON corrisponde" in tampered.text
    assert "Il file è identico" not in tampered.text


def test_resident_b_gets_404_for_a_certificate_even_with_the_link(celery_worker, client, family, other_family):
    head = family["head"]
    user_a = login_resident(client, head)
    request_page(client, head, "residenza")
    certificate = Certificate.objects.get(requested_by=user_a)
    wait_until(lambda: ready(certificate), timeout=60, message="certificate ready")
    link = client.get(f"/area-personale/certificati/{certificate.pk}/stato/").json()["download_url"]
    assert client.get(link).status_code == 200

    client.logout()
    login_resident(client, other_family["head"])
    assert client.get(link).status_code == 404
    assert client.get(f"/area-personale/certificati/{certificate.pk}/stato/").status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate.pk}/download/").status_code == 404
    listing = client.get("/area-personale/certificati/")
    assert certificate.verification_code not in listing.text
    assert head.fiscal_code not in listing.text
    # B cannot request for A's household either.
    assert request_page(client, head, "residenza").status_code == 404


def test_api_request_status_download(celery_worker, client, family):
    minor = family["minor"]
    login_resident(client, family["head"])
    response = client.post(
        "/api/v1/certificates/",
        {"person_id": minor.pk, "kind": "nascita", "exemption": 6},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    certificate_id = response.json()["id"]
    wait_until(
        lambda: client.get(f"/api/v1/certificates/{certificate_id}/").json()["status"] == "ready",
        timeout=60,
        message="ready through the API",
    )
    download = client.get(f"/api/v1/certificates/{certificate_id}/download/")
    assert download.status_code == 200
    assert minor.fiscal_code in pdf_text(b"".join(download.streaming_content))
    listing = client.get("/api/v1/certificates/").json()
    assert [item["id"] for item in listing["results"]] == [certificate_id]


def test_self_declaration_with_chosen_sections(celery_worker, client, family):
    head = family["head"]
    user = login_resident(client, head)
    response = client.post("/area-personale/certificati/autocertificazione/", {"sections": ["birth", "residence"]})
    assert response.status_code == 302
    declaration = Certificate.objects.get(requested_by=user)
    wait_until(lambda: ready(declaration), timeout=60, message="self-declaration ready")
    link = selectors.download_url(declaration, user)
    text = pdf_text(b"".join(client.get(link).streaming_content))
    assert "Dichiarazione sostitutiva di certificazione" in text
    assert "di essere nato/a a Milano" in text
    assert "di essere residente a Milano" in text
    assert "famiglia anagrafica" not in text  # a section not chosen
    # Not a certificate of the municipality: not on the public verification page.
    assert client.get(f"/verify/{declaration.verification_code}/").status_code == 404


def test_generation_is_idempotent(transactional_db, family):
    from django.contrib.auth import get_user_model

    from tests.helpers import login_resident as _login  # noqa: F401

    user = get_user_model().objects.create(username="cf:test-idempotent")
    certificate = Certificate.objects.create(
        kind="residenza", holder=family["head"], requested_by=user, exemption=StampExemption.SEPARATION,
        stamp_duty_cents=0,
    )  # fmt: skip
    assert services.generate_document(certificate.pk) == Status.READY
    certificate.refresh_from_db()
    first = (certificate.sha256, certificate.issued_at, certificate.file_name)
    # A duplicate delivery (the sweeper and a redelivered message) finds nothing pending.
    assert services.generate_document(certificate.pk) is None
    certificate.refresh_from_db()
    assert (certificate.sha256, certificate.issued_at, certificate.file_name) == first
    assert certificate.attempts == 1
    assert hashlib.sha256(default_storage.open(certificate.file_name).read()).hexdigest() == certificate.sha256
