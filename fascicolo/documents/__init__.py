"""The document pipeline: HTML templates to tagged PDF, QR codes, and the municipality's electronic seal.

One pipeline serves every document the portal issues (certificates, self-declarations, payment
notices, receipts), so fonts, the no-network rule and the seal are decided in one place. The heavy
libraries (WeasyPrint, pyHanko) are imported on first use, not when Django starts: web processes
that never render pay nothing. See docs/documents.md.
"""

from .pdf import ForbiddenResource, render_pdf, warm_up
from .qr import qr_data_uri, qr_svg
from .seal import SealVerification, seal_certificate_pem, seal_pdf, verify_seal

__all__ = [
    "ForbiddenResource",
    "SealVerification",
    "qr_data_uri",
    "qr_svg",
    "render_pdf",
    "seal_certificate_pem",
    "seal_pdf",
    "verify_seal",
    "warm_up",
]
