"""The SPID/CIE OpenID Connect profile as real providers speak it, over real HTTP against the demo
provider: signed request objects, userinfo signed and encrypted to the portal, clocks that run ahead,
and brokers that name or spell the fiscal number their own way.
"""

import json
import logging
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from fascicolo.identity.backends.registry import enabled_backends
from fascicolo.identity.demo_idp.views import AUTHORIZATION_PARAMS as PARAMETERS
from fascicolo.identity.models import LoginEvent, LoginOutcome

from .conftest import with_query
from .test_oidc import assert_refused

pytestmark = pytest.mark.django_db(transaction=True)


def backend_settings(settings, **changes):
    """Every backend with ``changes`` applied to its configuration."""
    settings.IDENTITY_BACKENDS = [{**entry, **changes} for entry in settings.IDENTITY_BACKENDS]


# --- Userinfo: a JWT signed by the provider, encrypted to the portal -------------------------------


def test_a_nested_jwe_userinfo_logs_the_resident_in(flow, resident):
    response = flow.login(fiscal_code=resident.fiscal_code)
    assert response.status_code == 302 and flow.user_id()
    account = resident.accounts.get()
    assert (account.user.first_name, account.user.last_name) == ("Mario", "Rossi")


def test_plain_json_userinfo_is_refused_when_the_backend_requires_encryption(flow, resident, settings):
    settings.DEMO_IDP_FAULTS = {"userinfo_json"}
    response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "userinfo_format", "senza la protezione richiesta")


def test_a_signed_but_unencrypted_userinfo_is_refused_when_the_backend_requires_encryption(flow, resident, settings):
    settings.DEMO_IDP_FAULTS = {"userinfo_signed_only"}
    response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "userinfo_format", "senza la protezione richiesta")


@pytest.mark.parametrize(("accepted", "fault"), [("signed", "userinfo_signed_only"), ("json", "userinfo_json")])
def test_a_backend_may_accept_less_protected_userinfo_by_configuration(flow, resident, settings, accepted, fault):
    backend_settings(settings, userinfo=accepted)
    settings.DEMO_IDP_FAULTS = {fault}
    assert flow.login(fiscal_code=resident.fiscal_code).status_code == 302 and flow.user_id()


def test_userinfo_encrypted_to_a_key_the_portal_does_not_hold_is_refused(flow, resident, settings, tmp_path):
    # The provider knows the portal by another backend's JWKS: same signing key, another encryption key.
    [spid, cie] = settings.IDENTITY_BACKENDS
    other = {**spid, "id": "other", "encryption_key_file": str(tmp_path / "other-encryption-key.json")}
    settings.IDENTITY_BACKENDS = [spid, cie, other]
    settings.DEMO_IDP_CLIENTS = {settings.DEMO_IDP_CLIENT_ID: {"jwks_uri": f"{flow.base}/accesso/other/jwks.json"}}
    response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "decryption", "non è cifrata per questo portale")


# --- The request object ----------------------------------------------------------------------------


def request_object(authorize_url):
    """The portal's request object in an authorization URL, its signature checked with the portal's key."""
    [value] = parse_qs(urlsplit(authorize_url).query)["request"]
    return jwt.decode(value, KeySet([enabled_backends()[0].signing_key()]), algorithms=["RS256"])


def test_the_provider_refuses_an_authorization_request_without_a_request_object(flow):
    authorize_url = flow.start()
    plain = {name: value for name, value in request_object(authorize_url).claims.items() if name in PARAMETERS}
    plain["claims"] = json.dumps(plain["claims"])
    response = flow.http.get(f"{authorize_url.split('?')[0]}?{urlencode(plain)}", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{flow.base}/accesso/spid-demo/ritorno/?")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"] and "request object" in query["error_description"][0]


def test_the_provider_refuses_a_request_object_signed_with_another_key(flow):
    authorize_url = flow.start()
    signed = request_object(authorize_url)
    forger = RSAKey.generate_key(2048, parameters={"kid": signed.header["kid"]})
    forged = jwt.encode({"alg": "RS256", "kid": forger.kid}, signed.claims, forger)
    response = flow.http.get(with_query(authorize_url, request=forged))
    assert response.status_code == 400 and "La richiesta firmata (request object) non è valida" in response.text


def test_the_provider_refuses_a_request_object_that_disagrees_with_the_query(flow):
    authorize_url = flow.start()
    response = flow.http.get(with_query(authorize_url, scope="openid profile"))
    assert response.status_code == 400 and "non corrisponde ai parametri" in response.text


# --- Clocks ----------------------------------------------------------------------------------------


def test_a_provider_clock_45_seconds_ahead_is_accepted_by_default(flow, resident, settings):
    settings.DEMO_IDP_FAULTS = {"clock_ahead:45"}
    assert flow.login(fiscal_code=resident.fiscal_code).status_code == 302 and flow.user_id()


def test_a_provider_clock_ten_minutes_ahead_is_refused_with_a_clear_reason(flow, resident, settings, caplog):
    settings.DEMO_IDP_FAULTS = {"clock_ahead:600"}
    with caplog.at_level(logging.WARNING, logger="fascicolo.identity.backends.oidc"):
        response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "clock", "L&#x27;orologio del gestore dell&#x27;identità non è allineato")
    [record] = [record for record in caplog.records if record.getMessage().startswith("oidc login failed: clock")]
    assert (
        "ID token: iat is" in record.getMessage()
        and "s ahead of this server's clock (leeway 120 s)" in record.getMessage()
    )


def test_the_clock_leeway_is_configurable(flow, resident, settings):
    backend_settings(settings, clock_leeway="10")
    settings.DEMO_IDP_FAULTS = {"clock_ahead:45"}
    assert_refused(flow, flow.login(fiscal_code=resident.fiscal_code), "clock", "non è allineato")


# --- Claim mapping ---------------------------------------------------------------------------------


def test_a_broker_nin_claim_works_through_the_mapping(flow, resident, settings):
    backend_settings(settings, fiscal_number_claim="nin")
    authorize_url = flow.start()
    assert "nin" in request_object(authorize_url).claims["claims"]["userinfo"]
    response = flow.callback(flow.authorize(authorize_url, fiscal_code=resident.fiscal_code))
    assert response.status_code == 302 and flow.user_id()
    assert LoginEvent.objects.get().fiscal_code == resident.fiscal_code


def test_a_lower_case_prefix_is_refused_unless_the_backend_expects_it(flow, resident, settings):
    settings.DEMO_IDP_FAULTS = {"lowercase_fiscal_number_prefix"}
    response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "fiscal_number_format", "in un formato non previsto")
    LoginEvent.objects.all().delete()
    backend_settings(settings, fiscal_number_format="tinit-any-case")
    assert flow.login(fiscal_code=resident.fiscal_code).status_code == 302 and flow.user_id()
    assert LoginEvent.objects.get().outcome == LoginOutcome.LOGIN
