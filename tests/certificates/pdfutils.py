"""Reading what a PDF really holds, with libraries independent of the ones that wrote it."""

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_text(pdf_bytes):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def pdf_font_names(pdf_bytes):
    names = set()
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def decode_qr_codes(pdf_bytes, page_index=0, scale=3):
    """The texts of the QR codes found on a page rendered to pixels (pdfium) and read by zxing."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        image = document[page_index].render(scale=scale).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


def flip_one_byte(pdf_bytes, position=None):
    """The same PDF with one byte changed inside the signed range (in the page content, not the signature)."""
    data = bytearray(pdf_bytes)
    position = len(data) // 3 if position is None else position
    data[position] ^= 0x01
    return bytes(data)
