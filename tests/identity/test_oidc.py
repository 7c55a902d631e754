"""The OpenID Connect backend against the demo provider, over real HTTP on a live server.

Every negative case ends with a clear message, no logged-in session and a recorded failure.
"""

import logging
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from fascicolo.identity.demo_idp.models import Grant
from fascicolo.identity.loa import SESSION_LOA_KEY
from fascicolo.identity.models import LoginEvent, LoginOutcome
from fascicolo.identity.services import login_events_for_user, person_for_user
from registry.models import FiscalCodeAlias, Person

from .conftest import Flow, with_query

pytestmark = pytest.mark.django_db(transaction=True)

NOT_IN_REGISTRY_CF = "CCCFBA85D03L219P"


def test_a_registered_resident_logs_in_at_l2(flow, resident):
    response = flow.login(fiscal_code=resident.fiscal_code, level=2, next_url="/accessibilita/")
    assert response.status_code == 302 and response.headers["Location"] == "/accessibilita/"
    session = flow.session()
    assert session[SESSION_LOA_KEY] == 2
    account = resident.accounts.get()
    assert str(account.user_id) == flow.user_id()
    assert account.user.get_full_name() == "Mario Rossi"
    event = login_events_for_user(account.user).get()
    assert (event.outcome, event.backend, event.level, event.fiscal_code) == (
        LoginOutcome.LOGIN, "spid-demo", 2, resident.fiscal_code,
    )  # fmt: skip
    assert event.ip_address == "127.0.0.1" and event.user_agent.startswith("python-requests")


def test_the_session_id_rotates_at_login(flow, resident):
    authorize_url = flow.start()
    before = flow.http.cookies.get("sessionid")
    assert before  # the pending login (state, nonce, PKCE verifier) lives in the session
    flow.callback(flow.authorize(authorize_url, resident=resident.fiscal_code))
    assert flow.user_id() and flow.http.cookies.get("sessionid") != before


def test_the_login_request_carries_pkce_state_nonce_acr_and_the_spid_claims(flow):
    """SPID: the request travels as a signed request object; client_id, response_type, scope and PKCE
    are outside it too, everything else only inside."""
    authorize_url = flow.start(level=3)
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    assert set(query) == {"client_id", "response_type", "scope", "code_challenge", "code_challenge_method", "request"}
    keys = KeySet.import_key_set(requests.get(f"{flow.base}/accesso/jwks.json", timeout=10).json())
    token = jwt.decode(query["request"], keys, algorithms=["RS256"])
    request_object = token.claims
    assert token.header["typ"] == "oauth-authz-req+jwt"
    assert (request_object["iss"], request_object["aud"]) == ("fascicolo", f"{flow.base}/demo-idp")
    assert request_object["exp"] - request_object["iat"] == 120 and request_object["jti"]
    for name in ("client_id", "response_type", "scope", "code_challenge", "code_challenge_method"):
        assert request_object[name] == query[name]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    state, nonce = request_object["state"], request_object["nonce"]
    assert len(state) >= 32 and len(nonce) >= 32 and state != nonce
    assert request_object["acr_values"] == "https://www.spid.gov.it/SpidL3"
    assert request_object["scope"] == "openid" and request_object["prompt"] == "consent login"
    assert request_object["claims"]["userinfo"]["https://attributes.eid.gov.it/fiscal_number"] == {"essential": True}
    assert request_object["redirect_uri"] == f"{flow.base}/accesso/spid-demo/ritorno/"


def test_an_omocodic_old_code_still_matches_the_registry_record(flow, resident):
    FiscalCodeAlias.objects.create(person=resident, fiscal_code="RSSMRA80A01H50MM", replaced_on=date(2001, 1, 1))
    response = flow.login(fiscal_code="RSSMRA80A01H50MM")
    assert response.status_code == 302 and "non-in-anagrafe" not in response.headers["Location"]
    user_id = flow.user_id()
    assert person_for_user(LoginEvent.objects.get(user_id=user_id).user) == resident


def test_someone_not_in_the_registry_gets_a_clear_page_and_their_payments(flow):
    response = flow.login(fiscal_code=NOT_IN_REGISTRY_CF)
    assert response.status_code == 302 and response.headers["Location"].startswith("/accesso/non-in-anagrafe/")
    page = flow.http.get(flow.base + response.headers["Location"])
    assert page.status_code == 200
    assert "Non risulti nell'anagrafe del Comune" in page.text and NOT_IN_REGISTRY_CF in page.text
    assert 'href="/area-personale/pagamenti/"' in page.text
    assert "no-store" in page.headers["Cache-Control"]
    english = flow.http.get(flow.base + response.headers["Location"], cookies={"django_language": "en"})
    assert "You are not in the municipality's registry" in english.text


def test_the_demo_provider_speaks_the_spid_profile(flow, resident, settings):
    """Token and userinfo as the portal sees them: a signed ID token, and userinfo signed by the
    provider then encrypted to the portal's published encryption key (nested JWE → JWS)."""
    from joserfc import jwe

    from fascicolo.identity import keys as portal_keys

    callback_url = flow.authorize(flow.start(level=2), fiscal_code=resident.fiscal_code)
    query = {key: values[0] for key, values in parse_qs(urlsplit(callback_url).query).items()}
    pending = flow.session()["identity.oidc.pending"][query["state"]]
    tokens = requests.post(
        f"{flow.base}/demo-idp/token",
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": pending["redirect_uri"],
              "code_verifier": pending["verifier"]},
        auth=(settings.DEMO_IDP_CLIENT_ID, settings.DEMO_IDP_CLIENT_SECRET),
        timeout=10,
    ).json()  # fmt: skip
    keys = KeySet.import_key_set(requests.get(f"{flow.base}/demo-idp/jwks.json", timeout=10).json())
    id_token = jwt.decode(tokens["id_token"], keys).claims
    assert id_token["acr"] == "https://www.spid.gov.it/SpidL2" and id_token["nonce"] == pending["nonce"]
    userinfo = requests.get(
        f"{flow.base}/demo-idp/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert userinfo.headers["Content-Type"] == "application/jwt" and userinfo.text.count(".") == 4
    encryption_key = portal_keys.load_or_create(settings.IDENTITY_ENCRYPTION_KEY_FILE, "enc")
    encrypted = jwe.decrypt_compact(userinfo.text, encryption_key, algorithms=["RSA-OAEP", "A256CBC-HS512"])
    assert encrypted.protected == {
        "alg": "RSA-OAEP", "enc": "A256CBC-HS512", "cty": "JWT", "kid": encryption_key.kid,
    }  # fmt: skip
    claims = jwt.decode(encrypted.plaintext, keys).claims
    assert claims["https://attributes.eid.gov.it/fiscal_number"] == f"TINIT-{resident.fiscal_code}"
    assert (claims["given_name"], claims["family_name"], claims["birthdate"]) == ("Mario", "Rossi", "1980-01-01")
    assert claims["place_of_birth"] == {"locality": "H501", "region": "RM"}
    assert claims["sub"] == id_token["sub"] and claims["aud"] == settings.DEMO_IDP_CLIENT_ID


def test_the_cie_button_uses_the_same_protocol(flow, resident):
    response = flow.login(fiscal_code=resident.fiscal_code, backend="cie-demo")
    assert response.status_code == 302
    assert LoginEvent.objects.get(outcome=LoginOutcome.LOGIN).backend == "cie-demo"


def test_logging_in_again_at_a_higher_level_is_a_step_up(flow, resident):
    flow.login(fiscal_code=resident.fiscal_code, level=1)
    assert flow.session()[SESSION_LOA_KEY] == 1
    flow.login(fiscal_code=resident.fiscal_code, level=2)
    assert flow.session()[SESSION_LOA_KEY] == 2
    assert list(LoginEvent.objects.order_by("pk").values_list("outcome", "level")) == [
        (LoginOutcome.LOGIN, 1), (LoginOutcome.STEP_UP, 2),
    ]  # fmt: skip


def test_logout_deletes_the_session_and_clears_site_data(flow, resident):
    flow.login(fiscal_code=resident.fiscal_code)
    session_key = flow.http.cookies.get("sessionid")
    csrf = flow.http.get(flow.base + "/").cookies.get("csrftoken") or flow.http.cookies.get("csrftoken")
    response = flow.http.post(flow.base + "/accesso/esci/", data={"csrfmiddlewaretoken": csrf}, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    logout = LoginEvent.objects.get(outcome=LoginOutcome.LOGOUT)
    assert logout.fiscal_code == resident.fiscal_code and logout.user is not None


# --- Negative cases -------------------------------------------------------------------------------


def assert_refused(flow, response, reason, message):
    assert response.status_code == 403
    assert "Accesso non riuscito" in response.text
    assert message in response.text
    assert flow.user_id() is None
    event = LoginEvent.objects.get()
    assert (event.outcome, event.reason, event.user) == (LoginOutcome.FAILURE, reason, None)


def test_a_tampered_state_is_refused(flow, resident):
    callback_url = flow.authorize(flow.start(), fiscal_code=resident.fiscal_code)
    response = flow.callback(with_query(callback_url, state="x" + callback_url.split("state=")[1][:40]))
    assert_refused(flow, response, "state", "La richiesta di accesso non è valida o è già stata usata")


def test_an_answer_naming_another_issuer_is_refused(flow, resident):
    callback_url = flow.authorize(flow.start(), fiscal_code=resident.fiscal_code)
    response = flow.callback(with_query(callback_url, iss="https://impostore.example"))
    assert_refused(flow, response, "claims:iss", "non è destinata a questo portale")


def test_a_callback_cannot_be_used_twice(flow, resident):
    callback_url = flow.authorize(flow.start(), fiscal_code=resident.fiscal_code)
    assert flow.callback(callback_url).status_code == 302
    assert flow.callback(callback_url).status_code == 403
    assert LoginEvent.objects.filter(outcome=LoginOutcome.FAILURE, reason="state").count() == 1


def test_a_replayed_authorization_code_is_refused_and_revokes_its_tokens(flow, resident):
    victim_callback = flow.authorize(flow.start(), fiscal_code=resident.fiscal_code)
    assert flow.callback(victim_callback).status_code == 302
    # An attacker who saw the victim's code starts a login of their own and presents it.
    attacker = Flow(flow.base, requests.Session())
    attacker_callback = attacker.authorize(attacker.start(), fiscal_code=NOT_IN_REGISTRY_CF)
    stolen_code = victim_callback.split("code=")[1].split("&")[0]
    response = attacker.callback(with_query(attacker_callback, code=stolen_code))
    assert response.status_code == 403 and attacker.user_id() is None
    assert "il codice è scaduto o già usato" in response.text
    assert LoginEvent.objects.get(outcome=LoginOutcome.FAILURE).reason == "token"
    assert Grant.objects.get(fiscal_code=resident.fiscal_code).revoked


def test_cancelling_at_the_provider_is_a_clear_failure(flow):
    callback_url = flow.authorize(flow.start(), cancel=True)
    assert_refused(flow, flow.callback(callback_url), "cancelled", "L&#x27;accesso è stato annullato")


@pytest.mark.parametrize(
    ("fault", "reason", "message"),
    [
        ("wrong_nonce", "claims:nonce", "non è destinata a questo portale"),
        ("foreign_key", "signature", "non ha una firma valida"),
        ("wrong_issuer", "claims:iss", "non è destinata a questo portale"),
        ("wrong_audience", "claims:aud", "non è destinata a questo portale"),
        ("wrong_at_hash", "claims:at_hash", "non è destinata a questo portale"),
        ("expired", "expired", "è scaduta"),
        ("no_fiscal_number", "fiscal_number_missing", "non ha comunicato il codice fiscale"),
        ("malformed_fiscal_number", "fiscal_number_invalid", "codice fiscale comunicato dal gestore"),
        ("low_acr", "acr", "livello di sicurezza inferiore a quello richiesto"),
    ],
)
def test_a_misbehaving_provider_is_refused(flow, resident, settings, fault, reason, message):
    settings.DEMO_IDP_FAULTS = {fault}
    response = flow.login(fiscal_code=resident.fiscal_code, level=2)
    assert_refused(flow, response, reason, message)
    assert not resident.accounts.exists()


BIRTH_DATE_MESSAGE = "non corrisponde a quella registrata in anagrafe"


def test_a_birth_date_contradicting_the_registry_is_refused(flow, resident, settings, caplog):
    settings.DEMO_IDP_FAULTS = {"other_birthdate"}  # the provider says 1980-01-02, the register 1980-01-01
    with caplog.at_level(logging.WARNING, logger="fascicolo.identity.services"):
        response = flow.login(fiscal_code=resident.fiscal_code)
    assert_refused(flow, response, "birth_date", BIRTH_DATE_MESSAGE)
    assert LoginEvent.objects.get().fiscal_code == resident.fiscal_code
    assert not resident.accounts.exists()
    assert f"the birth date from backend 'spid-demo' contradicts registry person {resident.pk}" in caplog.text
    assert "1980" not in caplog.text


def test_a_birth_date_contradicting_the_codice_fiscale_is_refused_for_someone_not_in_the_registry(flow, settings):
    settings.DEMO_IDP_FAULTS = {"other_birthdate"}
    assert_refused(flow, flow.login(fiscal_code=NOT_IN_REGISTRY_CF), "birth_date", BIRTH_DATE_MESSAGE)


def test_an_unknown_backend_is_not_found(flow):
    assert flow.http.get(f"{flow.base}/accesso/nessuno/avvia/").status_code == 404


def test_an_unreachable_provider_gives_a_clear_page(flow, settings):
    from .conftest import demo_backends
    from .test_single_thread_server import free_port

    settings.IDENTITY_BACKENDS = demo_backends(f"http://127.0.0.1:{free_port()}/nessuno", "fascicolo", "x")
    response = flow.http.get(f"{flow.base}/accesso/spid-demo/avvia/?level=2", allow_redirects=False)
    assert response.status_code == 403 and "Il gestore dell&#x27;identità non risponde" in response.text
    event = LoginEvent.objects.get()
    assert (event.outcome, event.reason, event.level) == (LoginOutcome.FAILURE, "provider_unreachable", 2)


# --- private_key_jwt: the portal signs a client assertion, the provider checks it against the
# --- portal's published keys (fetched over HTTP from /accesso/<id>/jwks.json).


@pytest.fixture
def private_key_jwt(flow, settings, tmp_path):
    from .conftest import demo_backends

    base = demo_backends(f"{flow.base}/demo-idp", "fascicolo-pk", "")[0]
    settings.IDENTITY_BACKENDS = [
        {
            **base,
            "id": backend_id,
            "client_auth": "private_key_jwt",
            "private_key_file": str(tmp_path / f"{backend_id}.json"),
        }
        for backend_id in ("spid-pk", "other-pk")
    ]
    settings.DEMO_IDP_CLIENTS = {"fascicolo-pk": {"jwks_uri": f"{flow.base}/accesso/spid-pk/jwks.json"}}
    return flow


def test_private_key_jwt_client_authentication(private_key_jwt, resident):
    flow = private_key_jwt
    jwks = flow.http.get(f"{flow.base}/accesso/spid-pk/jwks.json").json()
    assert [(key["kty"], key["use"]) for key in jwks["keys"]] == [("RSA", "sig"), ("RSA", "enc")]
    assert not any("d" in key for key in jwks["keys"])
    response = flow.login(fiscal_code=resident.fiscal_code, backend="spid-pk")
    assert response.status_code == 302 and flow.user_id()


def test_a_client_assertion_signed_with_another_key_is_refused(private_key_jwt, resident, settings):
    flow = private_key_jwt
    # Without a request object, the provider meets the wrong key first at the token endpoint.
    settings.IDENTITY_BACKENDS = [{**entry, "request_object": False} for entry in settings.IDENTITY_BACKENDS]
    settings.DEMO_IDP_CLIENTS = {
        "fascicolo-pk": {"jwks_uri": f"{flow.base}/accesso/other-pk/jwks.json", "require_signed_request_object": False}
    }
    response = flow.login(fiscal_code=resident.fiscal_code, backend="spid-pk")
    assert_refused(flow, response, "client_auth", "non ha riconosciuto questo portale")


def test_a_generic_backend_without_keys_publishes_none(flow, settings, resident):
    from .conftest import demo_backends

    generic = {"client_auth": "client_secret_basic", "request_object": False, "userinfo": "json"}
    settings.IDENTITY_BACKENDS = [
        {**entry, **generic} for entry in demo_backends(f"{flow.base}/demo-idp", "plain", "s")
    ]
    settings.DEMO_IDP_CLIENTS = {"plain": "s"}
    settings.DEMO_IDP_FAULTS = {"userinfo_json"}
    assert flow.http.get(f"{flow.base}/accesso/spid-demo/jwks.json").status_code == 404
    assert flow.http.get(f"{flow.base}/accesso/jwks.json").json() == {"keys": []}
    # What a generic OpenID Connect provider does (query parameters, a secret, plain JSON) still works.
    assert "request=" not in flow.start()
    assert flow.login(fiscal_code=resident.fiscal_code).status_code == 302 and flow.user_id()


def test_the_portal_publishes_one_signing_and_one_encryption_key(flow):
    jwks = flow.http.get(f"{flow.base}/accesso/jwks.json").json()
    assert sorted((key["use"], key["alg"], key["kty"]) for key in jwks["keys"]) == [
        ("enc", "RSA-OAEP", "RSA"), ("sig", "RS256", "RSA"),
    ]  # fmt: skip
    assert not any("d" in key or "p" in key for key in jwks["keys"])
    assert flow.http.get(f"{flow.base}/accesso/cie-demo/jwks.json").json() == jwks


def test_a_resident_born_in_a_foreign_territory_logs_in(flow):
    # Gibraltar (Z113) is a territory, not a state: its code is one the Agenzia delle Entrate issues.
    Person.objects.create(
        fiscal_code="RSSMRA80A01Z113H", given_name="Mario", family_name="Rossi", sex="M",
        birth_date=date(1980, 1, 1), birth_place="Gibilterra", birth_place_code="Z113", birth_country="GI",
    )  # fmt: skip
    response = flow.login(fiscal_code="RSSMRA80A01Z113H")
    assert response.status_code == 302 and "non-in-anagrafe" not in response.headers["Location"]
