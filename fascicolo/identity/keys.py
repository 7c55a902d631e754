"""Private keys kept as JWK files: the demo provider's, and the portal's own (one to sign its
client assertions and request objects, one for providers to encrypt userinfo to). Generated on first
use when the file does not exist (development and demo); in production the files are provisioned and
the system check reports a missing one. Rotation: docs/identity.md, "The portal's keys"."""

import functools
import json
import os
import threading

from joserfc.jwk import KeySet, RSAKey

from fascicolo.private_paths import create_files_once

# The algorithms the SPID/CIE OIDC rules allow ("Algoritmi crittografici": RS256/RS512 required,
# ES256/ES512/PS256/PS512 recommended; never none, HS*, RSA1_5), for every JWS the portal verifies
# (ID tokens, userinfo, entity statements). Anything else is refused.
SIGNING_ALGORITHMS = ["RS256", "RS512", "ES256", "ES512", "PS256", "PS512"]

# What each kind of key is for, as published in the JWKS (RFC 7517 §4.2-4.4). RSA 2048 is the
# minimum the SPID/CIE OIDC rules accept ("Algoritmi crittografici").
KEY_PARAMETERS = {
    "sig": {"use": "sig", "alg": "RS256"},
    "enc": {"use": "enc", "alg": "RSA-OAEP"},
}


@functools.cache
def load_or_create(path, use="sig"):
    """The RSA key in ``path`` (a private JWK in JSON), created there first if missing.

    ``use`` (``sig`` or ``enc``) only matters when the key is generated.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        key = RSAKey.generate_key(2048, parameters=KEY_PARAMETERS[use], auto_kid=True)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(key.as_dict(private=True), handle)
        try:
            # link() is atomic and refuses to overwrite: when several processes start at once, the
            # first one's key wins and the others read it, never a half-written file.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as handle:
        return RSAKey.import_key(json.load(handle))


def public_jwks(*keys):
    """The public halves of ``keys`` as a JWKS dict, each key once (by ``kid``)."""
    unique = {key.kid: key for key in keys}
    return KeySet(list(unique.values())).as_dict(private=False)


# --- SAML: the service provider's certificate, to AgID's Avviso SPID n. 29 v3 profile ----------------

# OIDs of the Avviso's profile: subject attributes ``uri`` and ``organizationIdentifier``, and the
# certificate policies agIDcert and "SP of a public administration".
OID_URI = "2.5.4.83"
OID_ORGANIZATION_IDENTIFIER = "2.5.4.97"
POLICY_AGID_ROOT = "1.3.76.16"
POLICY_AGID_CERT = "1.3.76.16.6"
POLICY_PUBLIC_SP = "1.3.76.16.4.2.1"


def load_or_create_certificate(key_path, cert_path, *, entity_id, organization, ipa_code, locality, days=730):
    """``(key_pem, cert_pem)`` of the SAML service provider, files created first if missing.

    A self-signed RSA 3072 / SHA-256 certificate as Avviso SPID n. 29 v3 asks of a public
    administration's SP: subject ``O`` and ``CN`` = the organisation, ``uri`` = the entity id,
    ``organizationIdentifier`` = ``PA:IT-<IPA code>``, ``C=IT``, ``L`` = the locality; key usage
    digitalSignature + nonRepudiation (critical); policies agIDcert and cert_SP_Pub. Development and
    demo only: production certificates are provisioned (and the system check reports missing ones).
    """
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_path, cert_path = os.fspath(key_path), os.fspath(cert_path)

    def make():
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                x509.NameAttribute(NameOID.COMMON_NAME, organization),
                x509.NameAttribute(x509.ObjectIdentifier(OID_URI), entity_id),
                x509.NameAttribute(x509.ObjectIdentifier(OID_ORGANIZATION_IDENTIFIER), f"PA:IT-{ipa_code}"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, locality),
            ]
        )
        policies = [
            x509.PolicyInformation(x509.ObjectIdentifier(oid), [x509.UserNotice(None, text)])
            for oid, text in (
                (POLICY_AGID_ROOT, "AgIDroot"),
                (POLICY_AGID_CERT, "agIDcert"),
                (POLICY_PUBLIC_SP, "cert_SP_Pub"),
            )
        ]
        now = datetime.datetime.now(datetime.UTC)
        usage = dict.fromkeys(
            ("key_encipherment", "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign"), False
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=True, encipher_only=False, decipher_only=False, **usage
                ),
                critical=True,
            )
            .add_extension(x509.CertificatePolicies(policies), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return key_pem, certificate.public_bytes(serialization.Encoding.PEM)

    create_files_once({key_path: 0o600, cert_path: 0o600}, make)
    with open(key_path, "rb") as key_file, open(cert_path, "rb") as cert_file:
        return key_file.read(), cert_file.read()
