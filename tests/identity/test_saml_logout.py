"""SAML single logout, and the SAML login's checks against the register, through a SPID identity
provider on loopback (``saml_idp``: pysaml2's IdP, over real HTTP).

The resident's browser is ``requests``: it follows the redirects and posts the forms the provider's
pages carry, as a browser does with the HTTP-Redirect and HTTP-POST bindings.
"""

import base64
import html
import re
import zlib
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from lxml import etree
from saml2.samlp import STATUS_REQUEST_DENIED

from fascicolo.identity.loa import LoA
from fascicolo.identity.models import LoginEvent, LoginOutcome, ProviderSession
from fascicolo.identity.tokens import active_tokens_for, create_api_token
from registry.models import Person

from .saml_idp import SPID_USER, serve

pytestmark = pytest.mark.django_db(transaction=True)

ASSERTION, PROTOCOL = "urn:oasis:names:tc:SAML:2.0:assertion", "urn:oasis:names:tc:SAML:2.0:protocol"


@pytest.fixture
def saml_idp(live_server, settings, tmp_path):
    idp, stop = serve(tmp_path)
    settings.SITE_URL = live_server.url
    metadata = tmp_path / "idp-metadata.xml"
    metadata.write_text(idp.metadata())
    settings.IDENTITY_BACKENDS = [
        {"id": "spid-saml", "type": "saml", "label": "SPID", "scheme": "spid", "idp_metadata_file": str(metadata),
         "ipa_code": "c_f205", "contact_email": "urp@comune.example", "key_file": str(tmp_path / "sp-key.pem"),
         "cert_file": str(tmp_path / "sp-cert.pem")},
    ]  # fmt: skip
    idp.sp_metadata_urls = [f"{live_server.url}/accesso/spid-saml/metadata/"]
    yield idp
    stop()


@pytest.fixture
def resident(transactional_db):
    return Person.objects.create(
        fiscal_code="RSSMRA80A01H501U", given_name="Mario", family_name="Rossi", sex="M",
        birth_date=date(1980, 1, 1), birth_place="Roma", birth_place_code="H501",
    )  # fmt: skip


def form(page):
    """(action, fields) of the one form on an HTML page."""
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    return action, {name: html.unescape(value) for name, value in fields.items()}


def post_form(browser, page):
    action, fields = form(page)
    return browser.post(action, data=fields, allow_redirects=False)


def login(live_server, browser):
    start = browser.get(f"{live_server.url}/accesso/spid-saml/avvia/?level=2", allow_redirects=False)
    assert start.status_code == 302
    page = browser.get(start.headers["Location"])
    assert page.status_code == 200, page.text
    return post_form(browser, page)


def logout(live_server, browser):
    csrf = browser.get(f"{live_server.url}/").cookies.get("csrftoken") or browser.cookies.get("csrftoken")
    return browser.post(f"{live_server.url}/accesso/esci/", data={"csrfmiddlewaretoken": csrf}, allow_redirects=False)


def redirect_message(location, name):
    """The XML of an HTTP-Redirect binding message (DEFLATE + base64 in the query string)."""
    query = parse_qs(urlsplit(location).query)
    return zlib.decompress(base64.b64decode(query[name][0]), -15).decode(), query


def test_a_resident_logs_in_through_the_saml_provider(saml_idp, live_server, resident):
    browser = requests.Session()
    response = login(live_server, browser)
    assert response.status_code == 302 and response.headers["Location"] == "/area-personale/"
    event = LoginEvent.objects.get()
    assert (event.outcome, event.fiscal_code, event.backend, event.level) == (
        LoginOutcome.LOGIN, resident.fiscal_code, "spid-saml", 2,
    )  # fmt: skip
    [idp_session] = saml_idp.sessions
    row = ProviderSession.objects.get()
    assert (row.subject, row.session_index) == (idp_session.name_id, idp_session.session_index)
    assert row.session_key == browser.cookies["sessionid"]


def test_the_metadata_advertises_single_logout_with_both_bindings(saml_idp, live_server):
    metadata = etree.fromstring(requests.get(f"{live_server.url}/accesso/spid-saml/metadata/", timeout=10).content)
    services = metadata.iterfind(".//{urn:oasis:names:tc:SAML:2.0:metadata}SingleLogoutService")
    assert sorted((service.get("Binding").rsplit(":", 1)[1], service.get("Location")) for service in services) == [
        ("HTTP-POST", f"{live_server.url}/accesso/spid-saml/slo/"),
        ("HTTP-Redirect", f"{live_server.url}/accesso/spid-saml/slo/"),
    ]


def test_logout_sends_a_signed_logout_request_and_the_providers_answer_ends_on_the_home_page(
    saml_idp, live_server, resident
):
    browser = requests.Session()
    login(live_server, browser)
    session_key = browser.cookies["sessionid"]
    user = LoginEvent.objects.get().user
    create_api_token(user, name="app", loa=LoA.L2)
    response = logout(live_server, browser)
    # The portal's session ended at once, tokens revoked; the browser goes to the provider.
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not ProviderSession.objects.exists() and not active_tokens_for(user).exists()
    assert LoginEvent.objects.filter(outcome=LoginOutcome.LOGOUT, user=user).count() == 1
    assert response.status_code == 302 and response.headers["Clear-Site-Data"]
    location = response.headers["Location"]
    assert location.startswith(f"{saml_idp.base}/slo?")
    xml, query = redirect_message(location, "SAMLRequest")
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"]
    [idp_session] = saml_idp.sessions
    message = etree.fromstring(xml.encode())
    name_id, issuer = message.find(f"{{{ASSERTION}}}NameID"), message.find(f"{{{ASSERTION}}}Issuer")
    assert (name_id.text, name_id.get("Format"), name_id.get("NameQualifier")) == (
        idp_session.name_id, "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", saml_idp.entity_id,
    )  # fmt: skip
    assert message.find(f"{{{PROTOCOL}}}SessionIndex").text == idp_session.session_index
    assert issuer.get("Format") == "urn:oasis:names:tc:SAML:2.0:nameid-format:entity" and issuer.get("NameQualifier")
    # The provider verifies the signature (it refuses an unsigned request), ends its session and answers.
    page = browser.get(location)
    assert page.status_code == 200, page.text
    assert idp_session.ended
    back = post_form(browser, page)
    assert back.status_code == 302 and back.headers["Location"] == "/?uscita=1"


def test_a_logout_response_that_is_not_a_success_says_so(saml_idp, live_server, resident):
    saml_idp.logout_status = STATUS_REQUEST_DENIED
    browser = requests.Session()
    login(live_server, browser)
    page = browser.get(logout(live_server, browser).headers["Location"])
    back = post_form(browser, page)
    assert back.status_code == 200
    assert "non ha confermato di aver chiuso la tua sessione" in back.text
    assert "no-store" in back.headers["Cache-Control"]


def test_a_logout_response_is_single_use_and_bound_to_its_request(saml_idp, live_server, resident):
    browser = requests.Session()
    login(live_server, browser)
    page = browser.get(logout(live_server, browser).headers["Location"])
    action, fields = form(page)
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 302
    replayed = browser.post(action, data=fields, allow_redirects=False)
    assert replayed.status_code == 400 and "non è valido per questo portale" in replayed.text
    # A response whose XML was changed no longer matches its signature.
    login(live_server, browser)
    page = browser.get(logout(live_server, browser).headers["Location"])
    action, fields = form(page)
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    forged = xml.replace("status:Success", "status:Success ", 1)
    fields["SAMLResponse"] = base64.b64encode(forged.encode()).decode()
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 400


def test_a_logout_started_at_the_provider_ends_the_residents_session(saml_idp, live_server, resident):
    browser = requests.Session()
    login(live_server, browser)
    session_key = browser.cookies["sessionid"]
    user = LoginEvent.objects.get().user
    create_api_token(user, name="app", loa=LoA.L2)
    # The provider's LogoutRequest reaches the portal as a cross-site POST: no session cookie with it.
    action, fields = saml_idp.logout_request_form(saml_idp.sessions[0])
    response = requests.post(action, data=fields, allow_redirects=False)
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not active_tokens_for(user).exists() and not ProviderSession.objects.exists()
    event = LoginEvent.objects.get(outcome=LoginOutcome.LOGOUT)
    assert (event.user, event.reason, event.backend) == (user, "provider", "spid-saml")
    # The answer: a signed LogoutResponse (HTTP-Redirect) to the provider, which verifies it.
    location = response.headers["Location"]
    xml, query = redirect_message(location, "SAMLResponse")
    status = etree.fromstring(xml.encode()).find(f"{{{PROTOCOL}}}Status/{{{PROTOCOL}}}StatusCode")
    assert (
        status.get("Value") == "urn:oasis:names:tc:SAML:2.0:status:Success"
        and query["Signature"]
        and query["RelayState"] == [fields["RelayState"]]
    )
    assert requests.get(location, timeout=10).status_code == 200
    [(_binding, _params, answer)] = saml_idp.logout_responses
    assert answer.response.status.status_code.value == "urn:oasis:names:tc:SAML:2.0:status:Success"
    # The browser's cookie no longer opens anything.
    assert browser.get(f"{live_server.url}/area-personale/", allow_redirects=False).status_code == 302


def test_an_unsigned_logout_request_from_the_provider_is_refused(saml_idp, live_server, resident):
    browser = requests.Session()
    login(live_server, browser)
    session_key = browser.cookies["sessionid"]
    action, fields = saml_idp.logout_request_form(saml_idp.sessions[0], sign=False)
    response = requests.post(action, data=fields, allow_redirects=False)
    assert response.status_code == 400
    assert Session.objects.filter(session_key=session_key).exists()
    assert not LoginEvent.objects.filter(outcome=LoginOutcome.LOGOUT).exists()


def test_a_logout_request_from_another_issuer_is_refused(saml_idp, live_server, resident, tmp_path):
    browser = requests.Session()
    login(live_server, browser)
    (tmp_path / "impostor").mkdir()
    impostor, stop = serve(tmp_path / "impostor")
    try:
        impostor.sp_metadata_urls = saml_idp.sp_metadata_urls
        action, fields = impostor.logout_request_form(saml_idp.sessions[0])
        assert requests.post(action, data=fields, allow_redirects=False).status_code == 400
    finally:
        stop()
    assert ProviderSession.objects.exists()


# --- The birth date against the register -----------------------------------------------------------


def test_a_birth_date_contradicting_the_registry_is_refused(saml_idp, live_server, resident):
    saml_idp.attributes = {**SPID_USER, "dateOfBirth": "1980-01-02"}
    response = login(live_server, requests.Session())
    assert response.status_code == 403
    assert "non corrisponde a quella registrata in anagrafe" in response.text
    event = LoginEvent.objects.get()
    assert (event.outcome, event.reason, event.user, event.fiscal_code) == (
        LoginOutcome.FAILURE, "birth_date", None, resident.fiscal_code,
    )  # fmt: skip
    assert not resident.accounts.exists() and not ProviderSession.objects.exists()


def test_a_birth_date_contradicting_the_codice_fiscale_is_refused(saml_idp, live_server):
    saml_idp.attributes = {**SPID_USER, "dateOfBirth": "1981-01-01"}  # nobody in the register
    response = login(live_server, requests.Session())
    assert response.status_code == 403 and LoginEvent.objects.get().reason == "birth_date"
