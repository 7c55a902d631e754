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


def pdf_with_signature_fields(count, *, escaped_names=False):
    """A syntactically valid PDF whose form has ``count`` empty signature fields, written by hand.

    The shape of the denial-of-service upload: every field makes a validator resolve and inspect
    one more object. ``escaped_names`` spells ``/Sig`` as ``/S#69g`` (the same PDF name, §7.3.5 of
    ISO 32000), which a byte-level scan does not recognise but a parser does.
    """
    sig = b"/S#69g" if escaped_names else b"/Sig"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] /SigFlags 3 >> >>"
        % b" ".join(b"%d 0 R" % (4 + i) for i in range(count)),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [%s] >>"
        % b" ".join(b"%d 0 R" % (4 + i) for i in range(count)),
    ]
    objects += [
        b"<< /FT %s /T (Firma%d) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>" % (sig, i)
        for i in range(count)
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
