"""A SAML 2.0 identity provider speaking SPID's profile, on loopback, for the SAML backend's tests.

Built on pysaml2's own identity provider (``saml2.server.Server``: signatures with xmlsec1, the SAML
core messages) and served over real HTTP by a WSGI server of its own, as a SPID IdP or CIE ID is:

- ``GET /metadata``: its metadata (SingleSignOnService HTTP-Redirect; SingleLogoutService HTTP-Redirect
  and HTTP-POST; its signing certificate);
- ``GET /sso``: a signed ``AuthnRequest`` (HTTP-Redirect; the signature is required and checked) →
  a page whose form posts a signed ``Response`` with a signed ``Assertion`` to the portal's ACS, for
  the person in ``idp.attributes`` (SPID attribute names), at the requested level, with a transient
  ``NameID`` and a ``SessionIndex``; the session is remembered in ``idp.sessions``;
- ``GET``/``POST /slo``: a service provider's signed ``LogoutRequest`` (its signature required) ends
  the session it names and is answered with a signed ``LogoutResponse`` posted back through the
  browser (``idp.logout_status`` sets its status); a ``LogoutResponse`` to a logout this provider
  started is verified and kept in ``idp.logout_responses``;
- ``idp.logout_request_form(session)``: a logout started here (another SPID service provider's
  logout, the resident at the IdP's own page): a signed ``LogoutRequest`` as the auto-posted form a
  browser would carry to the portal.

Every message is what a real SPID identity provider sends: ``Issuer`` with ``Format`` entity,
RSA-SHA256 signatures, ``Destination`` set.
"""

import base64
import html
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from django.conf import settings
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import STATUS_SUCCESS, Status, StatusCode
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from fascicolo.identity import keys

SPID_USER = {
    "fiscalNumber": "TINIT-RSSMRA80A01H501U",
    "name": "Mario",
    "familyName": "Rossi",
    "dateOfBirth": "1980-01-01",
}


@dataclass
class IdPSession:
    """One login at this provider: what its logout messages name."""

    sp_entity_id: str
    name_id: str
    session_index: str
    ended: bool = False


@dataclass
class SamlIdP:
    base: str
    key_file: str
    cert_file: str
    sp_metadata_urls: list = field(default_factory=list)
    attributes: dict = field(default_factory=lambda: dict(SPID_USER))
    logout_status: str = STATUS_SUCCESS
    sessions: list = field(default_factory=list)
    logout_requests: list = field(default_factory=list)
    logout_responses: list = field(default_factory=list)
    _server: Server | None = None

    @property
    def entity_id(self):
        return f"{self.base}/metadata"

    def config(self, sp_metadata=()):
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": settings.IDENTITY_XMLSEC_BINARY,
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "metadata": {"inline": list(sp_metadata)} if sp_metadata else {},
                "accepted_time_diff": 60,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [
                                (f"{self.base}/slo", BINDING_HTTP_REDIRECT),
                                (f"{self.base}/slo", BINDING_HTTP_POST),
                            ],
                        },
                        "want_authn_requests_signed": True,
                        "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                        "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
                    }
                },
            }
        )
        return config

    def metadata(self):
        """This provider's metadata (XML text), for the portal's ``idp_metadata_file``."""
        return create_metadata_string(None, config=self.config(), sign=False).decode()

    @property
    def server(self):
        # Built at the first message: the portal's metadata exists once its settings are in place.
        if self._server is None:
            sp_metadata = [requests.get(url, timeout=10).text for url in self.sp_metadata_urls]
            self._server = Server(config=self.config(sp_metadata))
        return self._server

    # --- WSGI ----------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            params = parse_qs(environ["wsgi.input"].read(length).decode())
        else:
            params = parse_qs(environ.get("QUERY_STRING", ""))
        params = {key: values[0] for key, values in params.items()}
        try:
            if path == "/metadata":
                status, content_type, body = "200 OK", "application/samlmetadata+xml", self.metadata()
            elif path == "/sso":
                status, content_type, body = "200 OK", "text/html", self.sso(params)
            elif path == "/slo":
                status, content_type, body = "200 OK", "text/html", self.slo(params, method)
            else:
                status, content_type, body = "404 Not Found", "text/plain", "not found"
        except Exception as exc:  # what a real IdP shows for a message it refuses
            status, content_type, body = "400 Bad Request", "text/plain", f"{type(exc).__name__}: {exc}"
        start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
        return [body.encode()]

    def sso(self, params):
        request = self.server.parse_authn_request(
            params["SAMLRequest"], BINDING_HTTP_REDIRECT, params.get("RelayState"), params.get("SigAlg"),
            params.get("Signature"),
        )  # fmt: skip
        message = request.message
        sp_entity_id = message.issuer.text
        acs = self.server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)[0]["location"]
        name_id = NameID(
            format=NAMEID_FORMAT_TRANSIENT, name_qualifier=self.entity_id, text=f"_{secrets.token_hex(16)}"
        )
        level = message.requested_authn_context.authn_context_class_ref[0].text
        response = self.server.create_authn_response(
            identity=dict(self.attributes), in_response_to=message.id, destination=acs, sp_entity_id=sp_entity_id,
            name_id=name_id, authn={"class_ref": level, "authn_auth": self.entity_id}, sign_response=True,
            sign_assertion=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
        )  # fmt: skip
        session_index = str(response).split('SessionIndex="', 1)[1].split('"', 1)[0]
        self.sessions.append(IdPSession(sp_entity_id, name_id.text, session_index))
        return form_page(acs, "SAMLResponse", str(response), params.get("RelayState"), "Accedi al servizio")

    def slo(self, params, method):
        binding = BINDING_HTTP_POST if method == "POST" else BINDING_HTTP_REDIRECT
        if "SAMLResponse" in params:
            # The portal's answer to a logout started here.
            response = self.server.parse_logout_request_response(params["SAMLResponse"], binding)
            self.logout_responses.append((binding, params, response))
            return "<p>Logout confirmed</p>"
        request = self.server.parse_logout_request(
            params["SAMLRequest"], binding, params.get("RelayState"), params.get("SigAlg"), params.get("Signature")
        )
        message = request.message
        self.logout_requests.append((binding, params, message))
        for session in self.sessions:
            indexes = {index.text for index in message.session_index or []}
            if session.name_id == message.name_id.text and (not indexes or session.session_index in indexes):
                session.ended = True
        code = StatusCode(value=self.logout_status)
        signed = self.server.create_logout_response(
            message, bindings=[BINDING_HTTP_POST], status=Status(status_code=code), sign=True,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
        )  # fmt: skip
        sp_entity_id = message.issuer.text
        destination = self.server.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_POST, "spsso")[0]
        return form_page(destination["location"], "SAMLResponse", str(signed), params.get("RelayState"), "Continua")

    def logout_request_form(self, session, *, sign=True):
        """A logout started at this provider: (URL, form fields) of the signed ``LogoutRequest`` a
        browser posts to the portal's single logout service."""
        destination = self.server.metadata.single_logout_service(session.sp_entity_id, BINDING_HTTP_POST, "spsso")
        destination = destination[0]["location"]
        name_id = NameID(format=NAMEID_FORMAT_TRANSIENT, name_qualifier=self.entity_id, text=session.name_id)
        _id, request = self.server.create_logout_request(
            destination, session.sp_entity_id, name_id=name_id, session_indexes=[session.session_index],
            sign=sign, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256,
        )  # fmt: skip
        relay_state = secrets.token_urlsafe(16)
        return destination, {"SAMLRequest": _b64(str(request)), "RelayState": relay_state}


def form_page(action, name, xml, relay_state, button):
    """The HTML a SAML HTTP-POST binding sends the browser: a form to post, with its button."""
    fields = {name: _b64(xml), **({"RelayState": relay_state} if relay_state else {})}
    inputs = "".join(
        f'<input type="hidden" name="{key}" value="{html.escape(value)}">' for key, value in fields.items()
    )
    return (
        '<!doctype html><html lang="it"><head><title>SPID test IdP</title></head><body>'
        f'<form method="post" action="{html.escape(action)}">{inputs}<button type="submit">{button}</button></form>'
        "</body></html>"
    )


def _b64(xml):
    return base64.b64encode(xml.encode()).decode()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(tmp_path):
    """Start a ``SamlIdP`` on a free loopback port; returns ``(idp, stop)``."""
    httpd = make_server("127.0.0.1", 0, lambda environ, start: idp(environ, start), handler_class=_QuietHandler)
    base = f"http://127.0.0.1:{httpd.server_port}"
    key_file, cert_file = str(tmp_path / "idp-key.pem"), str(tmp_path / "idp-cert.pem")
    keys.load_or_create_certificate(
        key_file, cert_file, entity_id=f"{base}/metadata", organization="SPID test IdP", ipa_code="c_0000",
        locality="Roma",
    )  # fmt: skip
    idp = SamlIdP(base=base, key_file=key_file, cert_file=cert_file)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop():
        httpd.shutdown()
        httpd.server_close()

    return idp, stop
