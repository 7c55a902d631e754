"""QR codes as SVG (segno), to embed in HTML documents."""

import base64
import io

import segno

# Error correction M (15%) survives a crease or a stamp on a printed copy and keeps the symbol
# small enough for a verification URL; the pagoPA notice's QR must be M (Avviso pagoPA, Allegato 2,
# "Codice QR"). Exactly M: segno would otherwise "boost" it to Q whenever that fits the same size.
ERROR_LEVEL = "m"


def qr_svg(data, scale=4):
    """An ``<svg>`` element (no XML declaration) encoding ``data``."""
    buffer = io.BytesIO()
    segno.make(data, error=ERROR_LEVEL, boost_error=False, micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, nl=False
    )
    return buffer.getvalue().decode()


def qr_data_uri(data, scale=4):
    """The same QR code as a ``data:image/svg+xml`` URI, for ``<img src=… alt=…>`` (tagged PDFs keep the alt)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data, scale).encode()).decode()
