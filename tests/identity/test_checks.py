"""Demo providers cannot be switched on in production; backends report their configuration health."""

import os
import subprocess
import sys

import pytest

from fascicolo.identity.backends import registry
from fascicolo.identity.checks import identity_backends
from tests.conftest import ROOT

from .conftest import demo_backends


def manage_check(**env):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IDENTITY_", "DEMO", "DEBUG"))
    }
    environment.update(DJANGO_SETTINGS_MODULE="fascicolo.settings", SECRET_KEY="x" * 50, DEBUG="0", TESTING="", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_production_settings_refuse_the_demo_provider():
    result = manage_check(DEMO_IDP="1", IDENTITY_PROVIDERS="spid-demo")
    assert result.returncode == 1
    assert "identity.E002" in result.stderr and "demo-idp, spid-demo" in result.stderr


def test_demo_mode_allows_the_demo_provider_and_production_defaults_have_none():
    assert manage_check(DEMO_MODE="1").returncode == 0
    assert manage_check().returncode == 0


def test_a_demo_backend_alone_is_refused_in_production(settings):
    settings.DEBUG, settings.DEMO_MODE, settings.DEMO_IDP_ENABLED = False, False, False
    settings.IDENTITY_BACKENDS = demo_backends("https://idp.example/demo", "client", "secret")
    assert [error.id for error in identity_backends(None)] == ["identity.E002"]
    settings.DEMO_MODE = True
    assert identity_backends(None) == []


def test_backends_are_built_from_settings_and_report_their_configuration(settings):
    settings.DEBUG = False
    settings.IDENTITY_BACKENDS = [
        {"id": "spid", "type": "oidc", "label": "SPID", "issuer": "http://idp.example", "client_id": "",
         "client_auth": "client_secret_basic", "request_object": False, "userinfo": "json"},
    ]  # fmt: skip
    [backend] = registry.enabled_backends()
    assert (backend.id, backend.label, backend.is_demo) == ("spid", "SPID", False)
    messages = [problem.message for problem in backend.check_config()]
    assert messages == [
        "identity backend 'spid': issuer must use https",
        "identity backend 'spid': client_id is missing",
        "identity backend 'spid': client_secret is missing",
    ]
    assert {error.id for error in identity_backends(None)} == {"identity.E001"}

    settings.IDENTITY_BACKENDS = [
        {"id": "cie", "issuer": "https://idp.example", "client_id": "c", "private_key_file": "/nonexistent/key.json",
         "encryption_key_file": "/nonexistent/enc.json", "previous_key_files": ["/nonexistent/old.json"]},
    ]  # fmt: skip
    [backend] = registry.enabled_backends()
    assert [problem.message for problem in backend.check_config()] == [
        "identity backend 'cie': key file /nonexistent/key.json does not exist",
        "identity backend 'cie': key file /nonexistent/enc.json does not exist",
        "identity backend 'cie': key file /nonexistent/old.json does not exist",
    ]


def test_the_spid_cie_profile_settings_are_checked(settings):
    settings.IDENTITY_BACKENDS = [
        {"id": "spid", "issuer": "https://idp.example", "client_id": "c", "userinfo": "cleartext",
         "clock_leeway": "900", "fiscal_number_format": "guess"},
    ]  # fmt: skip
    [backend] = registry.enabled_backends()
    assert [problem.message for problem in backend.check_config()] == [
        "identity backend 'spid': userinfo must be one of encrypted, signed, json",
        "identity backend 'spid': clock_leeway must be between 0 and 300 seconds",
        "identity backend 'spid': fiscal_number_format 'guess' is not one of tinit, tinit-any-case, bare",
    ]


def test_an_unknown_backend_type_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="unknown backend type 'saml2'"):
        settings.IDENTITY_BACKENDS = [{"id": "spid", "type": "saml2"}]
    settings.IDENTITY_BACKENDS = []


def test_backends_come_from_environment_variables(monkeypatch):
    from fascicolo.identity.config import backend_from_env

    monkeypatch.setenv("IDENTITY_CIE_ISSUER", "https://cie.example")
    monkeypatch.setenv("IDENTITY_CIE_CLIENT_ID", "c")
    monkeypatch.setenv("IDENTITY_CIE_CLIENT_SECRET", "s")
    monkeypatch.setenv("IDENTITY_CIE_USERINFO", "signed")
    monkeypatch.setenv("IDENTITY_CIE_CLOCK_LEEWAY", "60")
    monkeypatch.setenv("IDENTITY_CIE_FISCAL_NUMBER_CLAIM", "nin")
    monkeypatch.setenv("IDENTITY_CIE_FISCAL_NUMBER_FORMAT", "tinit-any-case")
    monkeypatch.setenv("IDENTITY_CIE_PREVIOUS_KEY_FILES", "/v/old-sig.json, /v/old-enc.json")
    entry = backend_from_env("cie", demo_client_id="d", demo_client_secret_value="ds")
    assert entry == {
        "id": "cie", "type": "oidc", "label": "CIE", "scheme": "cie", "is_demo": False,
        "issuer": "https://cie.example", "client_id": "c", "client_secret": "s",
        "client_auth": "private_key_jwt", "private_key_file": "", "encryption_key_file": "",
        "previous_key_files": ["/v/old-sig.json", "/v/old-enc.json"],
        "request_object": True, "userinfo": "signed", "clock_leeway": "60",
        "fiscal_number_claim": "nin", "fiscal_number_format": "tinit-any-case",
        "given_name_claim": "", "family_name_claim": "", "birth_date_claim": "", "birth_place_claim": "",
        "trust_anchor": "", "trust_anchor_jwks_file": "", "authority_hints": [], "trust_marks_file": "",
        "federation_key_file": "",
        "idp_metadata_file": "", "entity_id": "", "key_file": "", "cert_file": "", "ipa_code": "",
        "contact_email": "", "contact_phone": "",
    }  # fmt: skip
    monkeypatch.setenv("IDENTITY_CIE_TRUST_ANCHOR", "https://ta.example")
    monkeypatch.setenv("IDENTITY_CIE_AUTHORITY_HINTS", "https://intermediate.example, https://ta.example")
    monkeypatch.setenv("IDENTITY_CIE_TRUST_MARKS_FILE", "/v/trust-marks.json")
    federated = backend_from_env("cie", demo_client_id="d", demo_client_secret_value="ds")
    assert (federated["trust_anchor"], federated["authority_hints"], federated["trust_marks_file"]) == (
        "https://ta.example",
        ["https://intermediate.example", "https://ta.example"],
        "/v/trust-marks.json",
    )
    demo = backend_from_env("spid-demo", demo_client_id="d", demo_client_secret_value="ds")
    assert (demo["is_demo"], demo["issuer"], demo["client_id"]) == (True, "self", "d")
