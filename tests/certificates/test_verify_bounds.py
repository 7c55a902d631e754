"""/verify/: the landing page, and an anonymous upload's bounded cost (size, structure, budget, rate)."""

import socket
from pathlib import Path

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from fascicolo.documents import bounded
from tests.helpers import login_resident

from .pdfutils import pdf_with_signature_fields
from .servers import web_server
from .test_pages import issue

pytestmark = pytest.mark.django_db


def upload(name="certificato.pdf", data=b"%PDF-1.7 nonsense"):
    return {"document": SimpleUploadedFile(name, data, content_type="application/pdf")}


# --- The landing page -----------------------------------------------------------------------------


def test_landing_page_offers_the_code_and_the_upload(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert 'name="codice"' in response.text and 'type="file"' in response.text
    assert 'action="/verify/controlla/"' in response.text
    assert "Set-Cookie" not in response.headers or "csrftoken" not in response.headers["Set-Cookie"]


def test_a_typed_code_leads_to_its_page_as_printed_with_dashes_and_lowercase(client, family):
    user = login_resident(client, family["head"])
    certificate = issue(user, family["head"])
    client.logout()
    response = client.get("/verify/", {"codice": certificate.display_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/verify/{certificate.verification_code}/"
    assert "Certificato valido" in client.get(response["Location"]).text


def test_a_malformed_code_is_explained_on_the_landing_page(client):
    response = client.get("/verify/", {"codice": "12"})
    assert response.status_code == 400
    assert "Il codice di verifica non è valido." in response.text
    english = client.get("/verify/", {"codice": "12"}, headers={"accept-language": "en"})
    assert "verification code is not valid" in english.text


def test_an_upload_without_a_code_finds_the_certificate_named_by_its_seal(client, family, private_storage):
    from fascicolo.documents.storage import read_private_file

    user = login_resident(client, family["head"])
    certificate = issue(user, family["head"])
    client.logout()
    pdf = read_private_file(certificate.file_name)
    response = client.post("/verify/controlla/", upload(data=pdf))
    assert response.status_code == 200
    assert "Il file è identico a quello rilasciato" in response.text
    assert certificate.display_code in response.text
    assert response["Cache-Control"] == "private, no-store"
    other = client.post("/verify/controlla/", upload())
    assert "NON corrisponde a un certificato rilasciato" in other.text


# --- Size: refused before and while reading -------------------------------------------------------


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(transactional_db):
    with web_server() as running:
        yield running


def post_streaming(base, path, total_bytes):
    """POST a multipart body of ``total_bytes`` in chunks, as a client on a slow line would; returns
    (status, bytes actually sent before the server answered or closed)."""
    boundary = "----bounds"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    filler = total_bytes - len(head) - len(tail)
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {total_bytes}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        sent = 0
        try:
            sock.sendall(head)
            chunk = b"0" * 65536
            while sent < filler:
                sock.sendall(chunk[: min(len(chunk), filler - sent)])
                sent += min(len(chunk), filler - sent)
            sock.sendall(tail)
        except OSError:
            pass  # the server answered and closed without reading the rest: what we want
        response = b""
        try:
            while data := sock.recv(65536):
                response += data
        except OSError:
            pass
    return int(response.split(b" ", 2)[1]) if response else None, sent


def test_a_20_mb_body_is_refused_before_it_is_read_and_the_web_process_stays_small(server):
    base, worker = server
    # Warm the code paths (imports, templates) so that the measurement sees only the upload.
    assert requests.post(f"{base}/verify/controlla/", files={"document": ("a.pdf", b"%PDF-1.7 x")}).status_code == 200
    before = rss_kib(worker)
    status, _sent = post_streaming(base, "/verify/controlla/", 20 * 1024 * 1024)
    after = rss_kib(worker)
    assert status == 413
    assert after - before < 10 * 1024, f"the web process grew by {after - before} KiB"


def test_an_upload_is_cut_at_the_limit_while_reading(client, settings):
    settings.VERIFY_UPLOAD_MAX_BYTES = 1024 * 1024
    # The body is within the Content-Length allowance, the file is not: the handler stops it.
    response = client.post("/verify/controlla/", upload(data=b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 4096)))
    assert response.status_code == 413
    assert "Il file è troppo grande (massimo 1 MB)." in response.text


# --- Structure: bounded before any signature work ---------------------------------------------------


def test_a_pdf_with_thirty_thousand_signature_fields_is_refused_from_its_bytes(client):
    crafted = pdf_with_signature_fields(30_000)
    assert len(crafted) < 5 * 1024 * 1024
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.scan_structure(crafted, bounded.Bounds.from_settings())
    assert refused.value.code == "objects"
    response = client.post("/verify/controlla/", upload(data=crafted))
    assert response.status_code == 422
    assert "non ha la struttura di un documento rilasciato dal Comune" in response.text


def test_signature_fields_a_byte_scan_cannot_see_are_bounded_while_parsing(settings):
    hidden = pdf_with_signature_fields(200, escaped_names=True)
    bounded.scan_structure(hidden, bounded.Bounds.from_settings())  # passes the byte-level scan
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.verify_upload(hidden)
    assert refused.value.code == "fields"
    settings.VERIFY_PDF_MAX_FIELDS = 500
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.verify_upload(hidden)
    assert refused.value.code == "signature_fields"


def test_deep_nesting_and_too_many_pages_are_refused(settings):
    nested = b"%PDF-1.7\n1 0 obj\n" + b"[" * 100 + b"]" * 100 + b"\nendobj\n"
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.scan_structure(nested, bounded.Bounds.from_settings())
    assert refused.value.code == "nesting"
    pages = b"%PDF-1.7\n" + b"<< /Type /Page >>\n" * 51
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.scan_structure(pages, bounded.Bounds.from_settings())
    assert refused.value.code == "pages"


def test_verification_past_its_cpu_budget_is_stopped(settings):
    # A budget of zero seconds: the child is killed by RLIMIT_CPU at once, the web thread answers.
    settings.VERIFY_CPU_SECONDS = 0
    with pytest.raises(bounded.UploadRefused) as refused:
        bounded.verify_upload(pdf_with_signature_fields(3))
    assert refused.value.code in ("budget", "time")


# --- Rates: per client and per code -----------------------------------------------------------------


def test_100_uploads_in_a_minute_from_one_client_are_limited(client):
    statuses = [client.post("/verify/controlla/", {}).status_code for _ in range(100)]
    assert statuses[:20] == [400] * 20  # no file: an answer, and counted
    assert statuses[20:] == [429] * 80
    limited = client.post("/verify/controlla/", {})
    assert int(limited["Retry-After"]) > 0
    assert "Sono stati controllati molti file da questa connessione" in limited.text
    # Another client is not affected.
    assert client.post("/verify/controlla/", {}, REMOTE_ADDR="10.0.0.2").status_code == 400


def test_uploads_for_one_code_are_limited_whoever_sends_them(client, family):
    user = login_resident(client, family["head"])
    certificate = issue(user, family["head"])
    client.logout()
    url = f"/verify/{certificate.verification_code}/controlla/"
    statuses = [client.post(url, {}, REMOTE_ADDR=f"10.0.{i // 200}.{i % 200}").status_code for i in range(31)]
    assert statuses == [400] * 30 + [429]
    assert "Questo certificato è stato controllato molte volte" in client.post(url, {}, REMOTE_ADDR="10.9.9.9").text


def test_the_verify_pages_work_in_english(client):
    page = client.get("/verify/", headers={"accept-language": "en"})
    assert "Verify a certificate" in page.text
    limited = None
    for _ in range(21):
        limited = client.post("/verify/controlla/", {}, headers={"accept-language": "en"})
    assert limited.status_code == 429 and "Try again in" in limited.text
