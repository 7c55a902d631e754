"""The SAML backend against AgID's own validator, spid-sp-test, on the live server.

spid-sp-test (PyPI, by Developers Italia) fetches the portal's metadata, starts a login to read the
AuthnRequest, then plays the identity provider: it posts its response test suite to the assertion
consumer service (good responses must log in, every malformed one must be refused with an error
status). It runs from its own locked environment (tests/peers/spid-sp-test, built by `make peers`)
because its pins conflict with the project's.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fascicolo.identity.models import LoginEvent, LoginOutcome
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

PEER = ROOT / "var" / "peers" / "spid-sp-test"


@pytest.fixture(scope="session")
def spid_sp_test():
    if not (PEER / ".synced").exists():
        subprocess.run(["make", "peers"], cwd=ROOT, check=True, capture_output=True)
    return PEER / "bin" / "spid_sp_test"


@pytest.fixture(scope="session")
def test_idp_metadata(spid_sp_test, tmp_path_factory):
    """spid-sp-test's identity provider metadata: the portal trusts its signing certificate."""
    path = tmp_path_factory.mktemp("saml") / "idp.xml"
    result = subprocess.run([spid_sp_test, "--idp-metadata"], capture_output=True, text=True, check=True)
    path.write_text(result.stdout)
    return path


@pytest.fixture
def saml_portal(live_server, settings, test_idp_metadata, tmp_path):
    settings.SITE_URL = live_server.url
    common = {
        "type": "saml", "idp_metadata_file": str(test_idp_metadata), "ipa_code": "c_f205",
        "contact_email": "urp@comune.milano.example", "key_file": str(tmp_path / "sp-key.pem"),
        "cert_file": str(tmp_path / "sp-cert.pem"),
    }  # fmt: skip
    settings.IDENTITY_BACKENDS = [
        {"id": "spid-saml", "label": "SPID", "scheme": "spid", **common},
        {"id": "cie-saml", "label": "CIE", "scheme": "cie", **common},
    ]
    return live_server


def run(spid_sp_test, live_server, backend, profile, *extra, report):
    """Run spid-sp-test; ``(executed, failed, process)``. With ``SPID_SP_TEST_REPORTS`` set (a folder,
    e.g. ``docs/spid-sp-test``), its JSON report is kept there as ``<backend>-<profile>-<suite>.json``."""
    executed, failed, result = _run(spid_sp_test, live_server, backend, profile, *extra, report=report)
    keep = os.environ.get("SPID_SP_TEST_REPORTS")
    if keep and report.exists():
        suite = "responses" if "-tr" in extra else "metadata-request"
        shutil.copyfile(report, Path(keep) / f"{backend}-{profile}-{suite}.json")
    return executed, failed, result


def _run(spid_sp_test, live_server, backend, profile, *extra, report):
    base = f"{live_server.url}/accesso/{backend}"
    command = [
        spid_sp_test, "--metadata-url", f"{base}/metadata/", "--authn-url", f"{base}/avvia/?level=2",
        "-pr", profile, "-rf", "json", "-o", str(report), "-d", "ERROR", *extra,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    summary = re.search(r"executed (\d+) tests, (\d+) failed", result.stdout + result.stderr)
    assert summary, result.stdout[-2000:] + result.stderr[-2000:]
    return int(summary[1]), int(summary[2]), result


def failures(report):
    data = json.loads(report.read_text())
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("result") == "failure":
                found.append(node.get("test") or node.get("description"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found


@pytest.mark.parametrize(("backend", "profile"), [("spid-saml", "spid-sp-public"), ("cie-saml", "cie-sp-public")])
def test_metadata_and_authn_request_pass_spid_sp_test(spid_sp_test, saml_portal, tmp_path, backend, profile):
    report = tmp_path / "report.json"
    executed, failed, result = run(spid_sp_test, saml_portal, backend, profile, "--extra", report=report)
    assert executed > 100
    assert failed == 0, failures(report) or result.stderr[-3000:]


@pytest.mark.parametrize(("backend", "profile"), [("spid-saml", "spid-sp-public"), ("cie-saml", "cie-sp-public")])
def test_the_acs_refuses_every_malformed_response_and_accepts_the_good_ones(
    spid_sp_test, saml_portal, tmp_path, backend, profile
):
    report = tmp_path / "report.json"
    executed, failed, result = run(spid_sp_test, saml_portal, backend, profile, "-tr", report=report)
    assert executed > 200
    assert failed == 0, failures(report) or result.stderr[-3000:]
    # The good responses logged a resident in; the others were recorded as refusals.
    assert LoginEvent.objects.filter(outcome=LoginOutcome.LOGIN, backend=backend).exists()
    assert LoginEvent.objects.filter(outcome=LoginOutcome.FAILURE, backend=backend).count() > 90


def test_the_development_certificate_follows_the_avviso_29_v3_profile(spid_sp_test, saml_portal, tmp_path):
    from fascicolo.identity.backends.registry import get_backend

    get_backend("spid-saml").metadata()  # generates the key pair on first use
    validator = spid_sp_test.parent / "spid-compliant-certificates"
    result = subprocess.run(
        [validator, "validator", "--sector", "public", "--crt-file", str(tmp_path / "sp-cert.pem")],
        capture_output=True,
        text=True,
    )
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in (result.stdout + result.stderr).splitlines()]
    checked = [line for line in lines if line.startswith("[I]")]
    assert result.returncode == 0 and len(checked) > 30
    assert not [line for line in lines if line.startswith(("[E]", "[W]"))]
    assert any("policy 1.3.76.16.4.2.1 must be present (now: True)" in line for line in checked)


def test_a_saml_backend_reports_what_its_configuration_lacks(settings):
    from fascicolo.identity.backends.registry import enabled_backends

    settings.IDENTITY_BACKENDS = [
        {"id": "spid-saml", "type": "saml", "idp_metadata_file": "/nonexistent.xml", "key_file": __file__,
         "cert_file": __file__},
    ]  # fmt: skip
    [backend] = enabled_backends()
    assert [problem.message for problem in backend.check_config()] == [
        "identity backend 'spid-saml': idp_metadata_file '/nonexistent.xml' does not exist",
        "identity backend 'spid-saml': ipa_code is missing (the metadata's spid:IPACode)",
        "identity backend 'spid-saml': contact_email is missing (the metadata's ContactPerson)",
    ]
