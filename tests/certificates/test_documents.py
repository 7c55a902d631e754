"""The shared document pipeline: local-only rendering, tagged PDF, QR codes, the seal."""

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader

from fascicolo.documents import ForbiddenResource, qr_data_uri, qr_svg, render_pdf, seal_pdf, verify_seal
from fascicolo.documents.pdf import local_path_for, render_html_to_pdf

from .pdfutils import decode_qr_codes, flip_one_byte, pdf_font_names, pdf_text

PAGE = '<html lang="it"><head><title>Prova</title></head><body>{}</body></html>'


def test_render_embeds_titillium_and_is_tagged():
    pdf = render_html_to_pdf(PAGE.format("<h1>Certificato</h1><p>Perché sì</p>"))
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "it"
    assert reader.metadata.title == "Prova"
    assert any(name.startswith("Titillium-Web") for name in pdf_font_names(pdf))
    assert "Perché sì" in pdf_text(pdf)


def test_render_pdf_from_template(settings):
    pdf = render_pdf("documents/base.html", {"municipality": settings.MUNICIPALITY})
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "src",
    [
        "http://127.0.0.1:9/logo.png",
        "https://example.org/font.woff2",
        "file:///etc/passwd",
        "vendor/bootstrap-italia/../../../fascicolo/settings.py",
        "ftp://example.org/x.png",
    ],
)
def test_fetcher_refuses_network_and_files_outside_static(src):
    with pytest.raises(ForbiddenResource):
        render_html_to_pdf(PAGE.format(f'<img src="{src}" alt="x">'))


def test_fetcher_serves_static_files(settings):
    font = local_path_for(
        (settings.STATICFILES_DIRS[0] / "vendor/bootstrap-italia/fonts/Titillium_Web/"
         "titillium-web-v10-latin-ext_latin-600.woff2").as_uri()
    )  # fmt: skip
    assert font.is_file()


def test_qr_svg_and_data_uri_decode_to_the_data():
    url = "https://comune.example.it/verify/ABCDEFGHIJKLMNOP/"
    assert qr_svg(url).startswith("<svg")
    pdf = render_html_to_pdf(PAGE.format(f'<img src="{qr_data_uri(url)}" alt="QR" style="width: 40mm">'))
    assert decode_qr_codes(pdf) == [url]


def test_seal_verifies_and_one_changed_byte_fails():
    sealed = seal_pdf(render_html_to_pdf(PAGE.format("<p>Documento</p>")))
    result = verify_seal(sealed)
    assert result.ok, result
    tampered = verify_seal(flip_one_byte(sealed))
    assert not tampered.ok


def test_unsealed_and_garbage_are_not_ok():
    assert not verify_seal(render_html_to_pdf(PAGE.format("<p>x</p>"))).ok
    assert not verify_seal(b"not a pdf at all").ok
    assert not verify_seal(b"").ok


def test_seal_works_inside_a_running_event_loop():
    """ASGI servers and Playwright's sync API run an event loop in the calling thread."""

    async def inside():
        sealed = seal_pdf(render_html_to_pdf(PAGE.format("<p>Documento</p>")))
        return verify_seal(sealed).ok

    # A thread of its own: in a full run, Playwright's loop may already own the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside()).result()
