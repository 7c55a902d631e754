"""The municipality's electronic seal (*sigillo elettronico*): PAdES signatures with pyHanko.

Key and certificate come from ``SEAL_KEY_PATH`` / ``SEAL_CERT_PATH`` (PEM or DER; the key may be
protected by ``SEAL_KEY_PASSPHRASE``). When they are unset in development, tests or demo mode, a
self-signed pair is generated once under ``var/seal/``; in production an unset seal is a
configuration error, never a silently self-signed document.
"""

import asyncio
import datetime
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fascicolo.private_paths import create_files_once

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "SigilloComune"


def _outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which run ``asyncio.run`` inside.

    That fails in a thread whose event loop is running (an ASGI server, Playwright's sync API in
    tests): there, the call goes to a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@dataclass(frozen=True)
class SealVerification:
    """What ``verify_seal`` found. ``ok`` is the one answer callers need."""

    signed: bool
    intact: bool = False  # the signed bytes hash to the signed digest
    valid: bool = False  # the cryptographic signature checks out
    trusted: bool = False  # signed by the configured seal certificate
    whole_file: bool = False  # nothing was appended after the signature
    detail: str = ""
    reason: str = ""  # the seal's /Reason (certificates name their verification code there)

    @property
    def ok(self):
        return self.signed and self.intact and self.valid and self.trusted and self.whole_file


def development_seal_allowed():
    return settings.DEBUG or settings.DEMO_MODE or os.environ.get("TESTING") == "1"


def seal_paths():
    """(key path, certificate path) of the configured seal, generating a development pair if allowed."""
    key_path, cert_path = settings.SEAL_KEY_PATH, settings.SEAL_CERT_PATH
    if key_path and cert_path:
        return Path(key_path), Path(cert_path)
    if key_path or cert_path:
        raise ImproperlyConfigured("Set both SEAL_KEY_PATH and SEAL_CERT_PATH, or neither in development.")
    if not development_seal_allowed():
        raise ImproperlyConfigured("SEAL_KEY_PATH and SEAL_CERT_PATH must be set when DEBUG is off.")
    return ensure_development_seal(Path(settings.VAR_DIR) / "seal")


def ensure_development_seal(directory):
    """A self-signed RSA key and certificate under ``directory``, created once (safe across processes)."""
    key_path, cert_path = directory / "seal-key.pem", directory / "seal-cert.pem"
    # Several worker processes may start at once: one generates, the others wait and reuse it.
    if create_files_once({key_path: 0o600, cert_path: 0o644}, lambda: _self_signed_pair(settings.MUNICIPALITY["name"])):
        logger.warning("Generated a self-signed development seal in %s", directory)
    return key_path, cert_path


def _self_signed_pair(municipality_name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, municipality_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{municipality_name} — sigillo di sviluppo"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@cache
def _signer_class():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class SealSigner(signers.SimpleSigner):
        """pyHanko's ``SimpleSigner`` with the private key parsed once.

        ``SimpleSigner.sign_raw`` parses the DER key on every call, twice per seal (a dry run sizes
        the signature): about 80 ms each for RSA, because ``cryptography`` validates the key on load.
        """

        _private_key = None

        def sign_raw(self, data, digest_algorithm):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if self._private_key is None:
                self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            key, hash_algorithm = self._private_key, get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), hash_algorithm)
            if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own path

    return SealSigner


@cache
def _signer(key_path, cert_path, passphrase):
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        key = load_private_key_from_pemder(str(key_path), passphrase=passphrase.encode() if passphrase else None)
        certificate = load_cert_from_pemder(str(cert_path))
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"Cannot load the seal key {key_path} and certificate {cert_path}.") from error
    return _signer_class()(signing_cert=certificate, signing_key=key, cert_registry=SimpleCertificateStore())


def seal_signer():
    key_path, cert_path = seal_paths()
    return _signer(key_path, cert_path, settings.SEAL_KEY_PASSPHRASE)


@cache
def _certificate(cert_path):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(str(cert_path))


def seal_certificate():
    """The configured seal certificate (an ``asn1crypto`` certificate)."""
    return _certificate(seal_paths()[1])


def seal_certificate_pem():
    """The configured seal certificate, PEM-encoded, e.g. to publish for offline verification."""
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", seal_certificate().dump()).decode()


def seal_pdf(pdf_bytes, reason="Sigillo elettronico del Comune"):
    """Apply the municipality's PAdES seal (an invisible signature over the whole file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=settings.MUNICIPALITY["name"],
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    output = _outside_event_loop(signers.sign_pdf, writer, metadata, signer=seal_signer())
    return output.getvalue()


def verify_seal(pdf_bytes, certificate=None):
    """Check the seal of a PDF against ``certificate`` (an ``asn1crypto`` certificate; default: the
    configured seal); never raises on bad input.

    Costs grow with the file's structure: for uploads from the public, call
    ``fascicolo.documents.bounded.verify_upload``, which bounds the structure first and runs this
    under a CPU and memory budget.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        # A damaged or non-PDF upload is an answer ("not sealed"), not a server error.
        return SealVerification(signed=False, detail=f"unreadable PDF: {error}")
    if not signatures:
        return SealVerification(signed=False, detail="no signature")
    certificate = certificate or seal_certificate()
    try:
        status = _outside_event_loop(
            validate_pdf_signature, signatures[-1], ValidationContext(trust_roots=[certificate])
        )
    except Exception as error:
        return SealVerification(signed=True, detail=f"validation error: {error}")
    signed_by_seal = status.signing_cert is not None and status.signing_cert.dump() == certificate.dump()
    return SealVerification(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted) and signed_by_seal,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        detail=status.summary(),
        reason=str(signatures[-1].sig_object.get("/Reason", "")),
    )
