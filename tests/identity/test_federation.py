"""OpenID Federation: the metadata policy operators, trust chain failures, and what the resident sees.

Chains are served over real HTTP by the loopback federation of federation_sim.py; the login through
the official SDK's trust anchor and OP is test_federation_peer.py.
"""

import logging
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from joserfc.jwk import RSAKey

from fascicolo.identity import keys
from fascicolo.identity.federation import chains, policy
from fascicolo.identity.federation.trust_chain import TrustChainError, resolve
from fascicolo.identity.models import LoginEvent, LoginOutcome
from fascicolo.identity.tasks import refresh_trust_chains
from tests.identity.federation_sim import Federation

# --- Policy operators (OpenID Federation 1.0, §6.1.3.1) -------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "rule", "expected"),
    [
        ({"a": "x"}, {"value": "y"}, {"a": "y"}),
        ({}, {"value": "y"}, {"a": "y"}),
        ({"a": "x"}, {"value": None}, {}),
        ({"a": ["x"]}, {"add": ["y", "x"]}, {"a": ["x", "y"]}),
        ({}, {"add": ["y"]}, {"a": ["y"]}),
        ({}, {"default": ["d"]}, {"a": ["d"]}),
        ({"a": ["x"]}, {"default": ["d"]}, {"a": ["x"]}),
        ({"a": "x"}, {"one_of": ["x", "z"]}, {"a": "x"}),
        ({}, {"one_of": ["x", "z"]}, {}),
        ({"a": ["x", "y", "w"]}, {"subset_of": ["y", "x", "z"]}, {"a": ["x", "y"]}),
        ({"a": ["w"]}, {"subset_of": ["x"]}, {"a": []}),
        ({"a": ["x", "y"]}, {"superset_of": ["x"]}, {"a": ["x", "y"]}),
        ({"a": "x"}, {"essential": True}, {"a": "x"}),
        ({}, {"essential": False}, {}),
        # The order: value, add, default, one_of, subset_of, superset_of, essential.
        ({"a": ["x"]}, {"add": ["y", "z"], "subset_of": ["x", "y"], "superset_of": ["y"]}, {"a": ["x", "y"]}),
    ],
)
def test_policy_operators(metadata, rule, expected):
    assert policy.apply(metadata, {"a": rule}) == expected


@pytest.mark.parametrize(
    ("metadata", "rule", "message"),
    [
        ({"a": "w"}, {"one_of": ["x", "z"]}, "is not one_of"),
        ({"a": ["x"]}, {"superset_of": ["x", "y"]}, "lacks ['y'] (superset_of)"),
        ({}, {"essential": True}, "essential, but absent"),
        ({"a": ["w"]}, {"subset_of": ["x"], "essential": True}, None),  # [] is present: essential holds
    ],
)
def test_policy_refusals(metadata, rule, message):
    if message is None:
        assert policy.apply(metadata, {"a": rule}) == {"a": []}
        return
    with pytest.raises(
        policy.PolicyError,
        match=r"^a: .*" + message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)"),
    ):
        policy.apply(metadata, {"a": rule})


def test_policies_merge_from_the_trust_anchor_down():
    anchor = {
        "grant_types": {"subset_of": ["authorization_code", "refresh_token", "implicit"]},
        "contacts": {"add": ["ta@example.org"]},
        "scope": {"superset_of": ["openid"]},
        "token_endpoint_auth_method": {"one_of": ["private_key_jwt", "client_secret_basic"]},
        "application_type": {"value": "web"},
        "id_token_signed_response_alg": {"essential": False},
    }
    intermediate = {
        "grant_types": {"subset_of": ["authorization_code", "refresh_token"]},
        "contacts": {"add": ["int@example.org"]},
        "scope": {"superset_of": ["offline_access"]},
        "token_endpoint_auth_method": {"one_of": ["private_key_jwt"]},
        "application_type": {"value": "web", "essential": True},
        "id_token_signed_response_alg": {"essential": True},
    }
    merged = policy.merge(anchor, intermediate)
    assert merged["grant_types"] == {"subset_of": ["authorization_code", "refresh_token"]}
    assert merged["contacts"] == {"add": ["ta@example.org", "int@example.org"]}
    assert merged["scope"] == {"superset_of": ["openid", "offline_access"]}
    assert merged["token_endpoint_auth_method"] == {"one_of": ["private_key_jwt"]}
    assert merged["application_type"] == {"value": "web", "essential": True}
    assert merged["id_token_signed_response_alg"] == {"essential": True}


@pytest.mark.parametrize(
    ("superior", "subordinate", "message"),
    [
        ({"value": "a"}, {"value": "b"}, "value 'b' conflicts"),
        ({"default": "a"}, {"default": "b"}, "default 'b' conflicts"),
        ({"one_of": ["a"]}, {"one_of": ["b"]}, "share no value"),
        ({"one_of": ["a"]}, {"subset_of": ["a"]}, "one_of cannot be combined"),
        ({"value": "a"}, {"one_of": ["b"]}, "is not one_of"),
        ({"subset_of": ["a"]}, {"superset_of": ["b"]}, "is not within subset_of"),
        ({"subset_of": ["a"]}, {"add": ["b"]}, "is not within subset_of"),
    ],
)
def test_policies_that_cannot_merge(superior, subordinate, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.merge({"p": superior}, {"p": subordinate})


def test_critical_unknown_operator_is_refused_other_unknown_ones_ignored():
    policy.check({"p": {"regexp": "^x", "subset_of": ["x"]}})
    with pytest.raises(policy.PolicyError, match=r"critical operator\(s\) \['regexp'\]"):
        policy.check({"p": {"regexp": "^x"}}, critical=["regexp"])


# --- Trust chains over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def federation():
    federation = Federation()
    anchor = federation.entity("ta")
    intermediate = federation.entity("intermediate")
    provider = federation.provider()
    anchor.add_subordinate(intermediate)
    intermediate.add_subordinate(provider)
    federation.anchor, federation.intermediate, federation.op = anchor, intermediate, provider
    yield federation
    federation.close()


def chain_of(federation, **options):
    return resolve(federation.op.id, federation.anchor.id, entity_type="openid_provider", **options)


def test_a_chain_through_an_intermediate_with_policies_merged(federation):
    federation.anchor.subordinates[federation.intermediate.id] = {
        "metadata_policy": {
            "openid_provider": {
                "userinfo_encryption_enc_values_supported": {"subset_of": ["A128CBC-HS256", "A256CBC-HS512"]},
                "contacts": {"add": ["anchor@example.org"]},
            }
        }
    }
    federation.intermediate.subordinates[federation.op.id] = {
        "metadata_policy": {
            "openid_provider": {
                "userinfo_encryption_enc_values_supported": {"subset_of": ["A256CBC-HS512", "A256GCM"]},
                "token_endpoint_auth_methods_supported": {"value": ["private_key_jwt"]},
            }
        },
        # The immediate superior's metadata replaces the provider's own.
        "metadata": {"openid_provider": {"acr_values_supported": ["https://www.spid.gov.it/SpidL2"]}},
    }
    chain = chain_of(federation)
    assert len(chain.statements) == 4  # OP configuration, intermediate → OP, anchor → intermediate, anchor
    provider = chain.metadata["openid_provider"]
    assert provider["userinfo_encryption_enc_values_supported"] == ["A256CBC-HS512"]
    assert provider["contacts"] == ["op@example.org", "anchor@example.org"]
    assert provider["acr_values_supported"] == ["https://www.spid.gov.it/SpidL2"]
    # The chain expires with the first of its statements (here all issued for an hour).
    assert 0 < chain.expires - time.time() <= min(entity.lifetime for entity in federation.entities.values())


def test_a_statement_signed_with_another_key_breaks_the_chain(federation):
    federation.intermediate.subordinates[federation.op.id] = {
        "signed_with": RSAKey.generate_key(2048, parameters={"kid": federation.intermediate.key.kid})
    }
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "signature"
    assert f"statement of {federation.intermediate.id} about {federation.op.id}" in failure.value.detail


def test_an_entity_configuration_not_signed_by_the_keys_its_superior_vouches_for(federation):
    # The OP's configuration is self-consistent, but the intermediate vouches for other keys.
    forged = RSAKey.generate_key(2048, auto_kid=True)
    federation.op.key, federation.op.signing_key = forged, forged
    federation.intermediate.subordinates[federation.op.id] = {}
    original = federation.intermediate.statement_about

    def statement_about(subject):
        federation.op.key = RSAKey.generate_key(2048, auto_kid=True)  # what the superior publishes
        try:
            return original(subject)
        finally:
            federation.op.key = forged

    federation.intermediate.statement_about = statement_about
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "signature"
    assert "with the keys" in failure.value.detail


def test_an_expired_statement_breaks_the_chain(federation):
    federation.anchor.subordinates[federation.intermediate.id] = {"lifetime": -600}
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation, leeway=120)
    assert failure.value.reason == "expired"
    assert f"statement of {federation.anchor.id} about {federation.intermediate.id}: expired" in failure.value.detail


def test_a_chain_to_another_trust_anchor_is_refused(federation):
    other = federation.entity("other-ta")
    federation.intermediate.authority_hints[:] = []
    federation.anchor.subordinates.pop(federation.intermediate.id)
    other.add_subordinate(federation.intermediate)
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "trust_anchor"
    assert f"no chain from {federation.op.id} to the trust anchor {federation.anchor.id}" in failure.value.detail


def test_the_trust_anchor_keys_pinned_in_the_configuration(federation):
    pinned = keys.public_jwks(federation.anchor.key)
    from joserfc.jwk import KeySet

    assert chain_of(federation, trust_anchor_keys=KeySet.import_key_set(pinned)).trust_anchor == federation.anchor.id
    impostor = KeySet.import_key_set(keys.public_jwks(RSAKey.generate_key(2048, auto_kid=True)))
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation, trust_anchor_keys=impostor)
    assert failure.value.reason == "signature"


def test_metadata_the_policy_refuses(federation):
    federation.anchor.subordinates[federation.intermediate.id] = {
        "metadata_policy": {
            "openid_provider": {"token_endpoint_auth_methods_supported": {"superset_of": ["tls_client_auth"]}}
        }
    }
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "policy"
    assert "token_endpoint_auth_methods_supported" in failure.value.detail and "superset_of" in failure.value.detail


def test_too_many_intermediates_for_the_anchors_constraints(federation):
    federation.anchor.constraints = {"max_path_length": 0}
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "trust_anchor"


# --- The portal: the resident's page, the log, the cache and its refresh ---------------------------------


@pytest.fixture
def federated_backend(federation, settings):
    settings.IDENTITY_IN_PROCESS_PREFIXES = []
    settings.IDENTITY_BACKENDS = [
        {
            "id": "spid-fed", "type": "oidc", "label": "SPID", "scheme": "spid", "issuer": federation.op.id,
            "trust_anchor": federation.anchor.id, "entity_id": "http://127.0.0.1:8000",
        }
    ]  # fmt: skip
    cache.delete(chains.cache_key(federation.op.id, federation.anchor.id))
    yield federation
    cache.delete(chains.cache_key(federation.op.id, federation.anchor.id))


@pytest.mark.django_db
def test_a_broken_chain_gives_the_resident_a_clear_page_and_the_log_a_reason(client, federated_backend, caplog):
    federated_backend.intermediate.subordinates[federated_backend.op.id] = {"lifetime": -3600}
    with caplog.at_level(logging.WARNING, logger="fascicolo.identity"):
        response = client.get("/accesso/spid-fed/avvia/?level=2")
    assert response.status_code == 403
    assert "non ha potuto verificare che il gestore dell&#x27;identità faccia parte della federazione" in response.text
    event = LoginEvent.objects.get()
    assert (event.outcome, event.reason) == (LoginOutcome.FAILURE, "trust_chain:expired")
    assert any(
        f"trust_chain:expired: {federated_backend.op.id} to {federated_backend.anchor.id}: statement of "
        f"{federated_backend.intermediate.id} about {federated_backend.op.id}: expired" in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.django_db
def test_a_good_chain_sends_the_resident_to_the_provider_as_a_federation_client(client, federated_backend):
    response = client.get("/accesso/spid-fed/avvia/?level=2")
    assert response.status_code == 302
    assert response["Location"].startswith(
        f"{federated_backend.op.id}/authorization?client_id=http%3A%2F%2F127.0.0.1%3A8000&"
    )


@pytest.mark.django_db
def test_the_beat_task_resolves_chains_into_the_cache_and_again_near_expiry(federated_backend):
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["identity-refresh-trust-chains"]["task"] == "identity.refresh_trust_chains"
    )
    key = chains.cache_key(federated_backend.op.id, federated_backend.anchor.id)
    assert refresh_trust_chains.run() == {"spid-fed": "ok"}
    first = cache.get(key)["chain"]
    # Fresh: answered from the cache (the statements are the same JWTs).
    assert refresh_trust_chains.run() == {"spid-fed": "ok"}
    assert cache.get(key)["chain"]["statements"] == first["statements"]
    # Near expiry: resolved again (the cached entry gets the statements' real expiry back).
    entry = cache.get(key)
    entry["chain"]["expires"] = near_expiry = int(time.time()) + 10
    cache.set(key, entry, 60)
    assert refresh_trust_chains.run() == {"spid-fed": "ok"}
    assert cache.get(key)["chain"]["expires"] > near_expiry + 3000
    # A provider whose superior stopped vouching for it: the task reports it and keeps going.
    federated_backend.intermediate.subordinates[federated_backend.op.id] = {"lifetime": -3600}
    cache.delete(key)
    assert refresh_trust_chains.run() == {"spid-fed": "trust_chain:expired"}


def test_federation_configuration_problems_for_the_system_check(settings, tmp_path):
    from fascicolo.identity.backends.oidc import OIDCBackend

    settings.DEBUG = False
    backend = OIDCBackend(
        {
            "id": "spid", "issuer": "https://op.example.org", "trust_anchor": "http://ta.example.org",
            "entity_id": "https://comune.example.org", "client_id": "registered-by-hand",
            "client_auth": "client_secret_basic", "client_secret": "s",
            "federation_key_file": str(tmp_path / "missing-federation-key.json"),
            "trust_marks_file": str(tmp_path / "missing-trust-marks.json"),
        }
    )  # fmt: skip
    messages = [problem.message for problem in backend.check_config()]
    assert "identity backend 'spid': trust_anchor must be an https URL" in messages
    assert (
        "identity backend 'spid': with OpenID Federation the client_id is the relying party's entity id "
        "https://comune.example.org" in messages
    )
    assert "identity backend 'spid': OpenID Federation needs private_key_jwt and request objects" in messages
    assert f"identity backend 'spid': file {tmp_path / 'missing-trust-marks.json'} does not exist" in messages
    assert (
        f"identity backend 'spid': federation key file {tmp_path / 'missing-federation-key.json'} does not exist"
        in messages
    )
    # Automatic registration: no client_id configured means the entity id.
    automatic = OIDCBackend(
        {"id": "spid", "issuer": "https://op.example.org", "trust_anchor": "https://ta.example.org"}
    )
    assert automatic.client_id == automatic.entity_id == settings.SITE_URL


# --- Statements signed by a member of the federation but of the wrong shape: a TrustChainError each ------


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"metadata": "not an object"}, "invalid"),
        ({"metadata": {"openid_provider": ["not", "an", "object"]}}, "invalid"),
        ({"metadata_policy": ["not an object"]}, "invalid"),
        ({"metadata_policy": {"openid_provider": {"contacts": {"subset_of": 5}}}}, "policy"),
        ({"metadata_policy": {"openid_provider": {"contacts": {"add": [{"a": 1}], "value": [{"a": 1}]}}}}, "policy"),
        ({"metadata_policy": {"openid_provider": {}}, "metadata_policy_crit": 5}, "policy"),
    ],
)
def test_a_statement_of_the_wrong_shape_breaks_the_chain_with_a_reason(federation, claims, reason):
    federation.intermediate.subordinates[federation.op.id] = claims
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == reason


@pytest.mark.parametrize("constraints", [{"max_path_length": "1"}, ["max_path_length"]])
def test_trust_anchor_constraints_of_the_wrong_shape(federation, constraints):
    federation.anchor.constraints = constraints
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "invalid"


def test_an_oversized_entity_configuration_is_refused_unread(federation, monkeypatch):
    from fascicolo.identity.federation import statements

    monkeypatch.setattr(federation.intermediate, "configuration", lambda: "x" * (statements.MAX_BYTES + 1))
    with pytest.raises(TrustChainError) as failure:
        chain_of(federation)
    assert failure.value.reason == "unreachable"
    assert f"larger than {statements.MAX_BYTES} bytes" in failure.value.detail


@pytest.mark.django_db
def test_a_trust_anchor_jwks_file_that_does_not_parse(client, federated_backend, settings, tmp_path):
    from fascicolo.identity.backends.oidc import OIDCBackend

    broken = tmp_path / "ta-jwks.json"
    broken.write_text("<html>not a JWKS</html>")
    settings.IDENTITY_BACKENDS = [{**settings.IDENTITY_BACKENDS[0], "trust_anchor_jwks_file": str(broken)}]
    messages = [problem.message for problem in OIDCBackend(settings.IDENTITY_BACKENDS[0]).check_config()]
    assert any(f"trust anchor JWKS file {broken} is not a JWKS" in message for message in messages)
    response = client.get("/accesso/spid-fed/avvia/?level=2")
    assert response.status_code == 403
    assert LoginEvent.objects.get().reason == "trust_chain:trust_anchor_keys"
