"""SAML 2.0 service provider for SPID and CIE, on pysaml2 (type ``saml``).

What AgID's technical rules ask of a public administration's service provider
(docs.italia.it, spid-regole-tecniche: "Metadata", "AuthnRequest", "Response"; Avviso SPID n. 29 v3
for the certificate):

- **Metadata**, signed (RSA-SHA256): one ``SPSSODescriptor`` with ``AuthnRequestsSigned`` and
  ``WantAssertionsSigned``, the signing certificate, the assertion consumer service (HTTP-POST,
  index 0, default), a single logout service, one ``AttributeConsumingService`` (index 0) listing the
  attributes the portal reads, the ``Organization``, and a ``ContactPerson contactType="other"`` with
  the SPID extensions of a public administration (``spid:IPACode``, ``spid:Public``).
- **AuthnRequest**, HTTP-Redirect binding signed with RSA-SHA256: ``Issuer`` with ``Format`` entity and
  ``NameQualifier``, ``NameIDPolicy`` transient, ``RequestedAuthnContext`` ``minimum`` with the level's
  ``SpidLn`` class, ``ForceAuthn`` from level 2, ``AttributeConsumingServiceIndex`` 0.
- **Response** at the ACS: signatures, ``InResponseTo`` of a request this server made (single use),
  audience, ``Destination``/``Recipient``, time windows, the achieved level against the requested
  one, and replay (an assertion id is accepted once).
- **Single logout** ("Single Logout"): a signed ``LogoutRequest`` (HTTP-Redirect) when the resident
  logs out; the provider's ``LogoutResponse`` and its own ``LogoutRequest`` verified (signature
  required, ``InResponseTo``, ``Issuer``, ``Destination``, time window) at the single logout service,
  the latter answered with a signed ``LogoutResponse``.

Pending requests live in the shared cache under the ``RelayState`` (the IdP's POST is cross-site:
the session cookie, SameSite=Lax, does not come with it).
"""

import calendar
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ..loa import LoA
from .base import CLAIM_MESSAGES, ConfigProblem, IdentityBackend, LoginFailed, VerifiedIdentity, login_failure
from .claims import ClaimMapping, ClaimProblem
from .registry import register

logger = logging.getLogger(__name__)

PENDING_SECONDS = 15 * 60
# Clock difference accepted between the provider and this server (IssueInstant, Conditions).
CLOCK_SKEW_SECONDS = 120
SPID_NS = "https://spid.gov.it/saml-extensions"
CIE_NS = "https://www.cartaidentita.interno.gov.it/saml-extensions"
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
# The SAML attribute names (spid-regole-tecniche, "Attributi") the portal reads, through the claim
# mapping; CIE releases the same names (its eIDAS minimum data set).
ATTRIBUTE_MAPPING = {
    "fiscal_number_claim": "fiscalNumber",
    "given_name_claim": "name",
    "family_name_claim": "familyName",
    "birth_date_claim": "dateOfBirth",
    "birth_place_claim": "placeOfBirth",
}
CIE_ATTRIBUTES = ("fiscalNumber", "name", "familyName", "dateOfBirth")
NAME_FORMAT_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

MESSAGES = {
    "state": _("La richiesta di accesso non è valida o è già stata usata. Ricomincia l'accesso."),
    "response": _("La risposta del gestore dell'identità non è valida per questo portale."),
    "cancelled": _("L'accesso è stato annullato presso il gestore dell'identità."),
    "replay": _("Questa risposta del gestore dell'identità è già stata usata. Ricomincia l'accesso."),
    "provider_unreachable": _("Il gestore dell'identità non è configurato correttamente. Contatta il Comune."),
    "logout": _("Il messaggio di uscita ricevuto dal gestore dell'identità non è valido per questo portale."),
    **CLAIM_MESSAGES,
}


fail = partial(login_failure, logger, "saml", MESSAGES)


@register
class SAMLBackend(IdentityBackend):
    """One SAML identity provider (a SPID IdP, CIE ID). Configuration keys (docs/identity.md):

    - ``idp_metadata_file``: the provider's metadata (XML; its signing certificate is what the
      portal trusts);
    - ``entity_id``: the portal's entity id (default ``SITE_URL`` + ``/accesso/<id>/metadata/``);
    - ``key_file`` / ``cert_file``: the portal's PEM key and certificate (default under ``VAR_DIR``,
      generated to the Avviso 29 v3 profile in development);
    - ``ipa_code``, ``contact_email``, ``contact_phone``: the public administration in the metadata;
    - the claim mapping (``ClaimMapping``; SAML attribute names by default);
    - and the base class's (``scheme`` ``cie`` selects the CIE attribute set).
    """

    type = "saml"

    def __init__(self, config):
        super().__init__(config)
        var_dir = Path(settings.VAR_DIR)
        self.idp_metadata_file = self.config.get("idp_metadata_file") or ""
        self.entity_id = self.config.get("entity_id") or f"{settings.SITE_URL}/accesso/{self.id}/metadata/"
        self.key_file = self.config.get("key_file") or str(var_dir / f"identity-{self.id}-saml-key.pem")
        self.cert_file = self.config.get("cert_file") or str(var_dir / f"identity-{self.id}-saml-cert.pem")
        self.ipa_code = self.config.get("ipa_code") or ""
        self.contact_email = self.config.get("contact_email") or ""
        self.contact_phone = self.config.get("contact_phone") or ""
        configured = {key: value for key, value in self.config.items() if key in ATTRIBUTE_MAPPING and value}
        mapping = {**ATTRIBUTE_MAPPING, **configured}
        self.claim_mapping = ClaimMapping.from_config(
            {**mapping, "fiscal_number_format": self.config.get("fiscal_number_format")}
        )

    def check_config(self):
        name = f"identity backend {self.id!r}"
        problems = [ConfigProblem(f"{name}: {problem}") for problem in self.claim_mapping.problems()]
        if not self.idp_metadata_file or not Path(self.idp_metadata_file).exists():
            problems.append(ConfigProblem(f"{name}: idp_metadata_file {self.idp_metadata_file!r} does not exist"))
        if not self.ipa_code:
            problems.append(ConfigProblem(f"{name}: ipa_code is missing (the metadata's spid:IPACode)"))
        if not self.contact_email:
            problems.append(ConfigProblem(f"{name}: contact_email is missing (the metadata's ContactPerson)"))
        for path in (self.key_file, self.cert_file):
            if not (settings.DEBUG or self.is_demo or Path(path).exists()):
                problems.append(ConfigProblem(f"{name}: {path} does not exist"))
        return problems

    # --- pysaml2 -------------------------------------------------------------------------------------

    def attributes(self):
        """The SAML attributes requested: CIE releases only its minimum data set."""
        return CIE_ATTRIBUTES if self.scheme == "cie" else tuple(ATTRIBUTE_MAPPING.values())

    def service_name(self):
        return settings.MUNICIPALITY["name"]

    def _url(self, name):
        return f"{settings.SITE_URL}{reverse(f'identity:{name}', args=[self.id])}"

    def _credentials(self):
        from .. import keys

        municipality = settings.MUNICIPALITY
        return keys.load_or_create_certificate(
            self.key_file,
            self.cert_file,
            entity_id=self.entity_id,
            organization=municipality["name"],
            ipa_code=self.ipa_code or "c_0000",
            locality=municipality["name"].removeprefix("Comune di "),
        )

    def client(self):
        """A pysaml2 client configured for this provider (built per call: cheap, and thread-safe)."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.client import Saml2Client
        from saml2.config import SPConfig
        from saml2.saml import NAMEID_FORMAT_TRANSIENT
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        self._credentials()
        municipality = settings.MUNICIPALITY
        config = SPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": settings.IDENTITY_XMLSEC_BINARY,
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "metadata": {"local": [self.idp_metadata_file]},
                # Clocks: the rules allow the provider's IssueInstant a small skew.
                "accepted_time_diff": CLOCK_SKEW_SECONDS,
                "allow_unknown_attributes": True,
                "service": {
                    "sp": {
                        "name": municipality["name"],
                        "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                        "endpoints": {
                            "assertion_consumer_service": [(self._url("saml_acs"), BINDING_HTTP_POST)],
                            "single_logout_service": [
                                (self._url("saml_slo"), BINDING_HTTP_POST),
                                (self._url("saml_slo"), BINDING_HTTP_REDIRECT),
                            ],
                        },
                        "authn_requests_signed": True,
                        "want_assertions_signed": True,
                        "want_response_signed": True,
                        "only_use_keys_in_metadata": True,
                        "allow_unsolicited": False,
                        "signing_algorithm": SIG_RSA_SHA256,
                        "digest_algorithm": DIGEST_SHA256,
                        "required_attributes": list(self.attributes()),
                        "requested_attribute_name_format": NAME_FORMAT_BASIC,
                        "name_id_format_allow_create": False,
                    }
                },
                "organization": {
                    "name": [(municipality["name"], "it")],
                    "display_name": [(municipality["name"], "it")],
                    "url": [(settings.SITE_URL, "it")],
                },
                "contact_person": [
                    {
                        "contact_type": "other",
                        "company": municipality["name"],
                        "email_address": [self.contact_email or "urp@example.invalid"],
                        **({"telephone_number": [self.contact_phone]} if self.contact_phone else {}),
                    }
                ],
            }
        )
        return Saml2Client(config)

    # --- Metadata ------------------------------------------------------------------------------------

    def metadata(self):
        """The portal's signed SP metadata (bytes of XML), as the SPID rules want it."""
        from saml2.metadata import entity_descriptor, pre_signature_part
        from saml2.s_utils import sid
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        client = self.client()
        descriptor = entity_descriptor(client.config)
        ident = sid()
        descriptor.id = ident
        descriptor.signature = pre_signature_part(
            ident, client.sec.my_cert, 1, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256
        )
        document = etree.fromstring(str(descriptor).encode())
        self._profile_extensions(document)
        unsigned = etree.tostring(document, encoding="unicode")
        return client.sec.sign_statement(unsigned, "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor").encode()

    def _profile_extensions(self, document):
        namespaces = {"md": MD_NS}
        # One AttributeConsumingService (index 0) naming the SPID attributes as the rules spell them
        # (pysaml2 would translate the names through its attribute maps).
        for service in document.iterfind(".//md:AttributeConsumingService", namespaces):
            service.set("index", "0")
            for child in list(service):
                service.remove(child)
            etree.SubElement(service, f"{{{MD_NS}}}ServiceName", {XML_LANG: "it"}).text = self.service_name()
            for attribute in self.attributes():
                etree.SubElement(
                    service, f"{{{MD_NS}}}RequestedAttribute", {"Name": attribute, "NameFormat": NAME_FORMAT_BASIC}
                )
        for service in document.iterfind(".//md:AssertionConsumerService", namespaces):
            service.set("index", "0")
            service.set("isDefault", "true")
        municipality = settings.MUNICIPALITY
        for contact in document.iterfind("md:ContactPerson", namespaces):
            if self.scheme == "cie":
                # CIE ID: an administrative contact with the Ministry's extensions (cie-eid-saml-docs).
                contact.set("contactType", "administrative")
                extensions = etree.Element(f"{{{MD_NS}}}Extensions", nsmap={"cie": CIE_NS})
                etree.SubElement(extensions, f"{{{CIE_NS}}}Public")
                etree.SubElement(extensions, f"{{{CIE_NS}}}IPACode").text = self.ipa_code
                etree.SubElement(extensions, f"{{{CIE_NS}}}Municipality").text = municipality["istat_code"]
                etree.SubElement(extensions, f"{{{CIE_NS}}}Province").text = municipality["province"]
                etree.SubElement(extensions, f"{{{CIE_NS}}}Country").text = "IT"
            else:
                extensions = etree.Element(f"{{{MD_NS}}}Extensions", nsmap={"spid": SPID_NS})
                etree.SubElement(extensions, f"{{{SPID_NS}}}IPACode").text = self.ipa_code
                etree.SubElement(extensions, f"{{{SPID_NS}}}Public")
            contact.insert(0, extensions)

    # --- Login -----------------------------------------------------------------------------------------

    def start_login(self, request, level, next_url):
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef
        from saml2.samlp import NameIDPolicy, RequestedAuthnContext
        from saml2.xmldsig import SIG_RSA_SHA256

        level = LoA(level)
        try:
            client = self.client()
            idp = self._idp(client)
            destination = client.metadata.single_sign_on_service(idp, BINDING_HTTP_REDIRECT)[0]["location"]
        except Exception as exc:  # a broken metadata file: whatever pysaml2 raises
            raise fail("provider_unreachable", f"{type(exc).__name__}: {exc}") from exc
        request_id, authn_request = client.create_authn_request(
            destination,
            binding=None,
            sign=False,
            nameid_format=NAMEID_FORMAT_TRANSIENT,
            requested_authn_context=RequestedAuthnContext(
                authn_context_class_ref=[AuthnContextClassRef(text=level.acr)], comparison="minimum"
            ),
            force_authn="true" if level >= LoA.L2 else None,
            attribute_consuming_service_index="0",
            assertion_consumer_service_index="0",
        )
        authn_request.issuer = self._issuer()
        authn_request.name_id_policy = NameIDPolicy(format=NAMEID_FORMAT_TRANSIENT)
        authn_request.provider_name = None
        relay_state = secrets.token_urlsafe(32)
        pending = {
            "backend": self.id, "request_id": request_id, "level": int(level), "next": next_url,
            "issued": int(time.time()),
        }  # fmt: skip
        cache.set(_pending_key(relay_state), pending, PENDING_SECONDS)
        http = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(authn_request), destination, relay_state, sign=True, sigalg=SIG_RSA_SHA256
        )
        location = dict(http["headers"])["Location"]
        return redirect(location)

    def handle_callback(self, request):
        from saml2 import BINDING_HTTP_POST
        from saml2.response import StatusAuthnFailed, StatusRequestDenied

        relay_state = request.POST.get("RelayState", "")
        # Single use: the pending request leaves the cache before anything else is looked at.
        pending = cache.get(_pending_key(relay_state)) if relay_state else None
        if pending is None or not cache.delete(_pending_key(relay_state)) or pending["backend"] != self.id:
            raise fail("state", "unknown, used or expired RelayState")
        saml_response = request.POST.get("SAMLResponse", "")
        if not saml_response:
            raise fail("response", "no SAMLResponse")
        client = self.client()
        try:
            response = client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding={pending["request_id"]: pending["next"]}
            )
        except (StatusAuthnFailed, StatusRequestDenied) as exc:
            raise fail("cancelled", str(exc)) from exc
        except Exception as exc:  # pysaml2 raises many unrelated types for a bad response
            raise fail("response", f"{type(exc).__name__}: {exc}") from exc
        if response is None:
            raise fail("response", "pysaml2 returned no response")
        assertion = response.assertion
        self._check_destination(response, assertion)
        self._check_spid_profile(response.response, assertion, pending)
        level = self._achieved_level(assertion, LoA(pending["level"]))
        # Replay: an assertion is accepted once, for as long as it could be valid.
        if not cache.add(f"identity:saml:assertion:{_digest(assertion.id)}", 1, timeout=PENDING_SECONDS):
            raise fail("replay", f"assertion {assertion.id} already used")
        attributes = {name: values[0] for name, values in response.ava.items() if values}
        try:
            read = self.claim_mapping.read(attributes)
        except ClaimProblem as problem:
            raise fail(problem.reason, problem.detail, fiscal_code=problem.fiscal_code) from problem
        subject = response.name_id.text if response.name_id is not None else ""
        session_index = next((st.session_index for st in assertion.authn_statement if st.session_index), "")
        identity = VerifiedIdentity(
            fiscal_code=read.fiscal_code,
            given_name=read.given_name,
            family_name=read.family_name,
            birth_date=read.birth_date,
            birth_place=read.birth_place,
            loa=level,
            backend_id=self.id,
            subject=subject,
            session_index=session_index,
        )
        return identity, pending["next"]

    # --- Single logout (spid-regole-tecniche, "Single Logout") ----------------------------------------

    def start_logout(self, request, subject, session_index):
        """A signed ``LogoutRequest`` for the resident's provider session, sent with the HTTP-Redirect
        binding (RSA-SHA256 over the query string) to the provider's single logout service: ``Issuer``
        with ``Format`` entity and ``NameQualifier``, the transient ``NameID`` the provider issued and
        its ``SessionIndex``. The request waits for the provider's ``LogoutResponse`` in the shared cache
        under a single-use ``RelayState``. ``None`` when the provider publishes no HTTP-Redirect single
        logout service or its metadata is unreadable (logged): the portal's own logout stands alone.
        """
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
        from saml2.xmldsig import SIG_RSA_SHA256

        try:
            client = self.client()
            idp = self._idp(client)
            destination = client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")[0]["location"]
        except Exception as exc:  # a broken metadata file, or no single logout service
            logger.warning("saml logout: %s: no LogoutRequest sent: %s: %s", self.id, type(exc).__name__, exc)
            return None
        name_id = NameID(text=subject, format=NAMEID_FORMAT_TRANSIENT, name_qualifier=idp)
        request_id, logout_request = client.create_logout_request(
            destination, idp, name_id=name_id, session_indexes=[session_index] if session_index else None, sign=False
        )
        logout_request.issuer = self._issuer()
        relay_state = secrets.token_urlsafe(32)
        pending = {"backend": self.id, "request_id": request_id, "issued": int(time.time())}
        cache.set(_logout_key(relay_state), pending, PENDING_SECONDS)
        http = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(logout_request), destination, relay_state, sign=True, sigalg=SIG_RSA_SHA256
        )
        return redirect(dict(http["headers"])["Location"])

    def read_logout_message(self, request):
        """The provider's message at the single logout service (HTTP-POST or HTTP-Redirect), verified:

        - a ``LogoutResponse`` to this portal's ``LogoutRequest`` → ``LogoutAnswer(success)``: signed by
          the provider (the XML signature with POST, the query-string signature with Redirect), its
          ``InResponseTo`` the pending request of its single-use ``RelayState``, ``Destination`` this
          service, ``IssueInstant`` within the request's lifetime; ``success`` is its status;
        - a ``LogoutRequest`` started at the provider → ``LogoutOrder(subject, session_indexes, …)``:
          signed by the provider (required: pysaml2 only checks a service provider's incoming requests
          when they carry a signature), ``Destination`` this service, ``NameID`` present.

        Raises ``LoginFailed("logout")`` for anything else.
        """
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

        params = request.POST if request.method == "POST" else request.GET
        binding = BINDING_HTTP_POST if request.method == "POST" else BINDING_HTTP_REDIRECT
        client = self.client()
        if params.get("SAMLResponse"):
            return self._logout_response(client, params, binding)
        if params.get("SAMLRequest"):
            return self._logout_request(client, params, binding)
        raise fail("logout", "neither SAMLRequest nor SAMLResponse")

    def _logout_response(self, client, params, binding):
        from saml2 import BINDING_HTTP_POST
        from saml2.response import LogoutResponse
        from saml2.samlp import STATUS_SUCCESS

        relay_state = params.get("RelayState", "")
        pending = cache.get(_logout_key(relay_state)) if relay_state else None
        if pending is None or not cache.delete(_logout_key(relay_state)) or pending["backend"] != self.id:
            raise fail("logout", "LogoutResponse with an unknown, used or expired RelayState")
        idp = self._idp(client)
        try:
            xml = client.unravel(params["SAMLResponse"], binding, LogoutResponse.msgtype)
            if binding != BINDING_HTTP_POST:
                self._check_query_signature(client, params, "SAMLResponse", idp)
            answer = LogoutResponse(client.sec, return_addrs=self._slo_urls(), timeslack=CLOCK_SKEW_SECONDS)
            # With HTTP-POST the XML carries the signature; with Redirect the query string did.
            answer.require_response_signature = binding == BINDING_HTTP_POST
            message = answer.loads(xml, False, origxml=xml).response
        except LoginFailed:
            raise
        except Exception as exc:  # pysaml2 raises many unrelated types for a bad message
            raise fail("logout", f"LogoutResponse: {type(exc).__name__}: {exc}") from exc
        self._check_logout_message(message, idp, pending["issued"])
        if message.in_response_to != pending["request_id"]:
            raise fail("logout", f"LogoutResponse InResponseTo {message.in_response_to!r} is not the pending request")
        status = message.status.status_code.value if message.status is not None else None
        if status != STATUS_SUCCESS:
            logger.warning("saml logout: %s: the provider answered %s", self.id, status)
        return LogoutAnswer(success=status == STATUS_SUCCESS)

    def _logout_request(self, client, params, binding):
        from saml2.request import LogoutRequest

        idp = self._idp(client)
        try:
            incoming = LogoutRequest(client.sec, self._slo_urls(), timeslack=CLOCK_SKEW_SECONDS)
            xml = client.unravel(params["SAMLRequest"], binding, LogoutRequest.msgtype)
            incoming.loads(
                xml, binding, origdoc=params["SAMLRequest"], must=True, relay_state=params.get("RelayState"),
                sigalg=params.get("SigAlg"), signature=params.get("Signature"),
            )  # fmt: skip
            if not incoming.verify():
                raise ValueError("IssueInstant more than a day away")
        except Exception as exc:
            raise fail("logout", f"LogoutRequest: {type(exc).__name__}: {exc}") from exc
        message = incoming.message
        self._check_logout_message(message, idp, issued_after=None)
        if message.name_id is None or not message.name_id.text:
            raise fail("logout", "LogoutRequest without NameID")
        return LogoutOrder(
            subject=message.name_id.text,
            session_indexes=tuple(index.text for index in message.session_index or [] if index.text),
            request=message,
            relay_state=params.get("RelayState", ""),
        )

    def logout_response(self, order, success):
        """The signed ``LogoutResponse`` to a provider's ``LogoutRequest`` (HTTP-Redirect, RSA-SHA256),
        as the redirect that takes the browser back to the provider's single logout service."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.samlp import STATUS_PARTIAL_LOGOUT, STATUS_SUCCESS, Status, StatusCode
        from saml2.xmldsig import SIG_RSA_SHA256

        client = self.client()
        code = StatusCode(value=STATUS_SUCCESS) if success else StatusCode(
            value=STATUS_SUCCESS, status_code=StatusCode(value=STATUS_PARTIAL_LOGOUT)
        )  # fmt: skip
        response = client.create_logout_response(
            order.request, bindings=[BINDING_HTTP_REDIRECT], status=Status(status_code=code), sign=False
        )
        response.issuer = self._issuer()
        http = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(response), response.destination, order.relay_state or None,
            response=True, sign=True, sigalg=SIG_RSA_SHA256,
        )  # fmt: skip
        return redirect(dict(http["headers"])["Location"])

    def _check_logout_message(self, message, idp, issued_after):
        """What a logout message must say beyond its signature: from the provider, to this service."""
        from saml2.saml import NAMEID_FORMAT_ENTITY
        from saml2.time_util import str_to_time

        if message.issuer is None or message.issuer.text.strip() != idp:
            raise fail("logout", "logout message from another issuer")
        if message.issuer.format not in (None, NAMEID_FORMAT_ENTITY):
            raise fail("logout", f"logout message Issuer Format {message.issuer.format!r}")
        if message.destination not in self._slo_urls():
            raise fail("logout", f"logout message Destination {message.destination!r}")
        try:
            issued = calendar.timegm(str_to_time(message.issue_instant))
        except (TypeError, ValueError) as exc:
            raise fail("logout", f"IssueInstant {message.issue_instant!r}") from exc
        earliest = (issued_after if issued_after is not None else time.time() - PENDING_SECONDS) - CLOCK_SKEW_SECONDS
        if not earliest <= issued <= time.time() + CLOCK_SKEW_SECONDS:
            raise fail("logout", f"logout message IssueInstant {message.issue_instant} out of its time window")

    def _check_query_signature(self, client, params, kind, idp):
        """The HTTP-Redirect binding's signature (SAML bindings §3.4.4.1) with the provider's metadata keys."""
        from saml2.sigver import verify_redirect_signature

        if not params.get("Signature") or not params.get("SigAlg"):
            raise fail("logout", "unsigned HTTP-Redirect logout message")
        message = {kind: params[kind], "Signature": params["Signature"], "SigAlg": params["SigAlg"]}
        if "RelayState" in params:
            message["RelayState"] = params["RelayState"]
        certs = client.metadata.certs(idp, "idpsso", "signing")
        if not any(verify_redirect_signature(message, client.sec.sec_backend, cert) for _name, cert in certs):
            raise fail("logout", "HTTP-Redirect logout message: signature does not verify")

    def _slo_urls(self):
        return [self._url("saml_slo")]

    def _issuer(self):
        from saml2.saml import NAMEID_FORMAT_ENTITY, Issuer

        return Issuer(text=self.entity_id, format=NAMEID_FORMAT_ENTITY, name_qualifier=self.entity_id)

    @staticmethod
    def _idp(client):
        [idp] = list(client.metadata.identity_providers())
        return idp

    def _check_destination(self, response, assertion):
        acs = self._url("saml_acs")
        if response.response.destination != acs:
            raise fail("response", f"Destination {response.response.destination!r}, expected {acs!r}")
        for confirmation in assertion.subject.subject_confirmation or []:
            data = confirmation.subject_confirmation_data
            if data is None or data.recipient != acs:
                raise fail("response", "SubjectConfirmationData Recipient is not this ACS")

    def _check_spid_profile(self, message, assertion, pending):
        """What the SPID rules ask beyond SAML core (spid-regole-tecniche, "Response"), checked on the
        objects pysaml2 verified (never on the raw XML, which a wrapping attack could fill)."""
        from saml2.saml import NAMEID_FORMAT_ENTITY, NAMEID_FORMAT_TRANSIENT
        from saml2.time_util import str_to_time

        def refuse(detail):
            raise fail("response", detail)

        if message.issuer is not None and message.issuer.format not in (None, NAMEID_FORMAT_ENTITY):
            refuse(f"Response Issuer Format {message.issuer.format!r}")
        if assertion.version != "2.0":
            refuse(f"Assertion Version {assertion.version!r}")
        if assertion.issuer is None or assertion.issuer.format != NAMEID_FORMAT_ENTITY:
            refuse("Assertion Issuer without Format entity")
        # Issued after the request and not in the future (with the accepted clock difference).
        try:
            issued = calendar.timegm(str_to_time(assertion.issue_instant))
        except (TypeError, ValueError):
            refuse(f"Assertion IssueInstant {assertion.issue_instant!r}")
        if not pending["issued"] - CLOCK_SKEW_SECONDS <= issued <= time.time() + CLOCK_SKEW_SECONDS:
            refuse(f"Assertion IssueInstant {assertion.issue_instant} outside the request's lifetime")
        name_id = assertion.subject.name_id if assertion.subject is not None else None
        if name_id is None or name_id.format != NAMEID_FORMAT_TRANSIENT or not name_id.name_qualifier:
            refuse("NameID missing, not transient, or without NameQualifier")
        for confirmation in assertion.subject.subject_confirmation or []:
            data = confirmation.subject_confirmation_data
            if data is None or not data.not_on_or_after:
                refuse("SubjectConfirmationData without NotOnOrAfter")
        conditions = assertion.conditions
        if conditions is None or not conditions.not_before or not conditions.not_on_or_after:
            refuse("Assertion Conditions missing or without NotBefore/NotOnOrAfter")
        audiences = [
            audience.text for restriction in conditions.audience_restriction or [] for audience in restriction.audience
        ]
        if audiences != [self.entity_id]:
            refuse(f"AudienceRestriction {audiences!r}, expected this entity id alone")

    def _achieved_level(self, assertion, requested):
        refs = [
            statement.authn_context.authn_context_class_ref.text
            for statement in assertion.authn_statement or []
            if statement.authn_context is not None and statement.authn_context.authn_context_class_ref is not None
        ]
        if len(refs) != 1:
            raise fail("acr", f"{len(refs)} AuthnContextClassRef")
        try:
            level = LoA.from_acr(refs[0].strip())
        except ValueError as exc:
            raise fail("acr", f"unknown AuthnContextClassRef {refs[0]!r}") from exc
        if level < requested:
            raise fail("acr", f"{level.acr} below {requested.acr}")
        return level


@dataclass(frozen=True)
class LogoutAnswer:
    """The provider's ``LogoutResponse`` to this portal's ``LogoutRequest``: did it end its session?"""

    success: bool
    is_answer = True


@dataclass(frozen=True)
class LogoutOrder:
    """A ``LogoutRequest`` the provider started: the session it names (``NameID`` text and
    ``SessionIndex`` values, empty for all of them), what to answer (``request``, pysaml2's verified
    message) and the ``RelayState`` to send back."""

    subject: str
    session_indexes: tuple
    request: object
    relay_state: str
    is_answer = False


def _pending_key(relay_state):
    return f"identity:saml:pending:{_digest(relay_state)}"


def _logout_key(relay_state):
    return f"identity:saml:logout:{_digest(relay_state)}"


def _digest(value):
    return hashlib.sha256(str(value).encode()).hexdigest()[:40]
