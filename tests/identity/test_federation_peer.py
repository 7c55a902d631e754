"""A resident logs in through OpenID Federation against the official SDK's trust anchor and SPID OP.

The peer (tests/identity/federation_peer.py) runs the SDK (spid-cie-oidc) in its own environment on
loopback. The portal resolves the OP's trust chain to the anchor, applies the anchor's metadata policy,
sends a request object signed with its key and client_id = its entity id (automatic registration); the
SDK's OP resolves the portal's own trust chain from its entity configuration, shows its login and
consent pages, and answers with an encrypted userinfo: the same portal code paths as any login.
"""

import json
import re

import pytest
import requests
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from fascicolo.identity.federation import chains, statements
from fascicolo.identity.loa import SESSION_LOA_KEY
from fascicolo.identity.models import LoginEvent, LoginOutcome
from tests.identity.conftest import make_person
from tests.identity.federation_peer import start, stop

pytestmark = [pytest.mark.django_db(transaction=True)]

FISCAL_CODE = "RSSMRA80A01H501U"
USER = {
    "username": "mario.rossi",
    "password": "Prova-Federazione-2026",
    "attributes": {
        "https://attributes.eid.gov.it/fiscal_number": f"TINIT-{FISCAL_CODE}",
        "given_name": "Mario",
        "family_name": "Rossi",
        "birthdate": "1980-01-01",
        "place_of_birth": {"locality": "H501", "region": "RM"},
    },
}
# What the anchor imposes on its OP: the portal must see the resolved values, not the OP's own.
OP_POLICY = {
    "openid_provider": {
        "contacts": {"add": ["federazione@example.org"]},
        "userinfo_encryption_enc_values_supported": {"subset_of": ["A256CBC-HS512", "A128GCM"]},
        "token_endpoint_auth_methods_supported": {"value": ["private_key_jwt"], "essential": True},
    }
}


@pytest.fixture(scope="module")
def portal_url(live_server):
    """The live server by IP address: the SDK's schemas take URLs with a top-level domain or an IP,
    not ``localhost``; the live server listens on the loopback address either way."""
    return live_server.url.replace("://localhost:", "://127.0.0.1:")


@pytest.fixture(scope="module")
def federation(portal_url, tmp_path_factory):
    peer, process = start(
        tmp_path_factory.mktemp("federation"), rp_entity_id=portal_url, users=[USER], op_policy=OP_POLICY
    )
    yield peer
    stop(process)


@pytest.fixture
def federated_portal(federation, settings):
    settings.IDENTITY_IN_PROCESS_PREFIXES = []
    settings.IDENTITY_BACKENDS = [federation.backend()]
    chains.forget(federation.provider, federation.url)
    yield federation
    chains.forget(federation.provider, federation.url)


def test_the_portal_publishes_its_entity_configuration(federated_portal, portal_url):
    response = requests.get(f"{portal_url}/.well-known/openid-federation", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/entity-statement+jwt"
    claims = statements.unverified_claims(response.text)
    statement = statements.verify(
        response.text, KeySet.import_key_set(claims["jwks"]), issuer=portal_url, subject=portal_url,
        leeway=0, what="the portal's entity configuration",
    )  # fmt: skip
    assert statement.claims["authority_hints"] == [federated_portal.url]
    assert 0 < statement.claims["exp"] - statement.claims["iat"] <= 24 * 3600
    relying_party = statement.claims["metadata"]["openid_relying_party"]
    assert relying_party["client_id"] == portal_url
    assert relying_party["client_registration_types"] == ["automatic"]
    assert relying_party["redirect_uris"] == [f"{portal_url}/accesso/spid-fed/ritorno/"]
    assert {key["use"] for key in relying_party["jwks"]["keys"]} == {"sig", "enc"}
    # The federation key is not one of the OIDC keys.
    federation_kids = {key["kid"] for key in statement.claims["jwks"]["keys"]}
    assert federation_kids.isdisjoint(key["kid"] for key in relying_party["jwks"]["keys"])
    # The trust mark the SDK's anchor issued to the portal, as configured.
    issued = json.loads(federated_portal.trust_marks_file.read_text())
    assert [mark["trust_mark"] for mark in statement.claims["trust_marks"]] == [issued[0]["trust_mark"]]


def test_the_providers_chain_resolves_with_the_anchors_policy(federated_portal):
    chain = chains.get(federated_portal.provider, federated_portal.url, entity_type="openid_provider")
    assert len(chain.statements) == 3  # the OP's configuration, the anchor's statement about it, the anchor's
    provider = chain.metadata["openid_provider"]
    assert provider["issuer"] == federated_portal.provider
    assert "federazione@example.org" in provider["contacts"]
    assert provider["userinfo_encryption_enc_values_supported"] == ["A256CBC-HS512"]
    assert provider["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]


@pytest.mark.browser
def test_resident_logs_in_through_the_federation(page, federated_portal, portal_url):
    person = make_person(fiscal_code=FISCAL_CODE)
    page.goto(f"{portal_url}/accesso/")
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()

    expect(page).to_have_url(re.compile(re.escape(f"{federated_portal.provider}/authorization")))
    page.locator("#id_username").fill(USER["username"])
    page.locator("#id_password").fill(USER["password"])
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(re.escape(f"{federated_portal.provider}/consent")))
    page.locator("#agree").click()

    expect(page).to_have_url(re.compile(re.escape(f"{portal_url}/area-personale/")))
    expect(page.get_by_role("banner")).to_contain_text("Mario Rossi")
    event = LoginEvent.objects.get(outcome=LoginOutcome.LOGIN)
    assert (event.backend, event.fiscal_code, event.level) == ("spid-fed", FISCAL_CODE, 2)
    account = person.accounts.get()
    key = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid")
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore(session_key=key)
    assert session[SESSION_LOA_KEY] == 2 and session["_auth_user_id"] == str(account.user_id)
