"""The back channel to a demo provider served by the same server goes in-process, never over a
socket, so a login's callback cannot wait for a second free server thread."""

import pytest
import requests
from django.test import Client

from fascicolo.identity import backchannel
from fascicolo.identity.loa import SESSION_LOA_KEY
from fascicolo.identity.models import LoginEvent, LoginOutcome

from .conftest import demo_backends, make_person

pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens here: only an in-process answer can reach the provider.
ISSUER = "http://testserver/demo-idp"


@pytest.fixture
def same_server_provider(settings, demo_signing_key_file):
    settings.DEMO_IDP_ENABLED = True
    settings.DEMO_IDP_FAULTS = set()
    settings.DEMO_IDP_SIGNING_KEY_FILE = demo_signing_key_file
    settings.IDENTITY_IN_PROCESS_PREFIXES = [f"{ISSUER}/"]
    settings.IDENTITY_BACKENDS = demo_backends(ISSUER, settings.DEMO_IDP_CLIENT_ID, settings.DEMO_IDP_CLIENT_SECRET)


def test_in_process_requests_are_real_http_exchanges(same_server_provider):
    response = backchannel.session().get(f"{ISSUER}/.well-known/openid-configuration", timeout=backchannel.TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.json()["issuer"] == ISSUER
    refused = backchannel.session().post(f"{ISSUER}/token", data={"grant_type": "authorization_code"}, timeout=5)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=2)


def test_a_login_against_the_same_server_completes_without_a_socket(same_server_provider):
    person = make_person()
    browser = Client()
    authorize_url = browser.get("/accesso/spid-demo/avvia/?level=2")["Location"]
    assert authorize_url.startswith(f"{ISSUER}/authorize?")
    page = browser.get(authorize_url)
    form = {**page.context["params"], "resident": person.fiscal_code, "level": "2", "login": ""}
    callback = browser.post("/demo-idp/authorize", form)
    response = browser.get(callback["Location"])
    assert response.status_code == 302, response.content[:500]
    assert browser.session[SESSION_LOA_KEY] == 2
    assert LoginEvent.objects.get().outcome == LoginOutcome.LOGIN


def test_issuer_self_follows_the_address_of_the_request(settings, demo_signing_key_file):
    """`make run` on any host or port: "self" is this server's demo provider, reached in-process."""
    settings.DEMO_IDP_ENABLED = True
    settings.DEMO_IDP_SIGNING_KEY_FILE = demo_signing_key_file
    settings.IDENTITY_IN_PROCESS_PREFIXES = []
    settings.IDENTITY_BACKENDS = demo_backends("self", settings.DEMO_IDP_CLIENT_ID, settings.DEMO_IDP_CLIENT_SECRET)
    person = make_person()
    browser = Client(HTTP_HOST="localhost:8123")
    authorize_url = browser.get("/accesso/spid-demo/avvia/?level=2")["Location"]
    assert authorize_url.startswith("http://localhost:8123/demo-idp/authorize?")
    page = browser.get(authorize_url)
    form = {**page.context["params"], "resident": person.fiscal_code, "level": "2", "login": ""}
    response = browser.get(browser.post("/demo-idp/authorize", form)["Location"])
    assert response.status_code == 302, response.content[:500]
    assert browser.session[SESSION_LOA_KEY] == 2


def test_issuer_self_needs_the_demo_provider(settings):
    from fascicolo.identity.checks import identity_backends

    settings.DEMO_IDP_ENABLED = False
    settings.IDENTITY_BACKENDS = demo_backends("self", "fascicolo", "secret")
    messages = [error.msg for error in identity_backends(None)]
    assert "identity backend 'spid-demo': issuer 'self' needs the demo provider (DEMO_IDP)" in messages
