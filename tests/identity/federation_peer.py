"""A trust anchor and a SPID OpenID provider from the official SDK (spid-cie-oidc, Italy's Department
for Digital Transformation), served on loopback for the federation tests: the Django project
tests/peers/spid-cie-oidc/project in its own locked environment (built by `make peers` under
var/peers/spid-cie-oidc, because the SDK pins Django<5 and pydantic<2), its own SQLite database,
`runserver` on a free port. `federation_setup` registers the portal's relying party as the anchor's
subordinate (with the "SPID public SP" trust mark) and the test users.
"""

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from fascicolo.identity import keys
from tests.conftest import ROOT

ENVIRONMENT = ROOT / "var" / "peers" / "spid-cie-oidc"
PROJECT = ROOT / "tests" / "peers" / "spid-cie-oidc" / "project"


@dataclass
class FederationPeer:
    url: str  # the trust anchor's entity id
    provider: str  # the OP's entity id
    rp_entity_id: str
    rp_key_file: Path  # the portal's federation key, registered with the anchor
    trust_marks_file: Path  # the trust marks the anchor issued to the portal
    log: Path

    def backend(self, backend_id="spid-fed", **extra):
        """An identity backend entry for this federation (settings.IDENTITY_BACKENDS)."""
        return {
            "id": backend_id, "type": "oidc", "label": "SPID", "scheme": "spid",
            "issuer": self.provider, "trust_anchor": self.url, "entity_id": self.rp_entity_id,
            "federation_key_file": str(self.rp_key_file), "trust_marks_file": str(self.trust_marks_file),
            "contact_email": "urp@comune.milano.example", **extra,
        }  # fmt: skip


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(directory, *, rp_entity_id, users, op_policy=None):
    """Set up and serve the peer; returns ``(FederationPeer, process)``."""
    if not (ENVIRONMENT / ".synced").exists():
        subprocess.run(["make", "peers"], cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rp_key_file = directory / "rp-federation-key.json"
    rp_jwks = directory / "rp-federation-jwks.json"
    rp_jwks.write_text(json.dumps(keys.public_jwks(keys.load_or_create(rp_key_file, "sig"))))
    users_file = directory / "users.json"
    users_file.write_text(json.dumps(users))
    trust_marks_file = directory / "trust-marks.json"
    environment = {
        **os.environ, "PEER_URL": url, "PEER_DB": str(directory / "peer.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "peer.settings",
    }  # fmt: skip
    python = str(ENVIRONMENT / "bin" / "python")
    setup = [
        "federation_setup", "--rp-entity-id", rp_entity_id, "--rp-jwks", str(rp_jwks), "--users", str(users_file),
        "--op-policy", json.dumps(op_policy or {}), "--trust-marks-out", str(trust_marks_file),
    ]  # fmt: skip
    subprocess.run([python, "manage.py", *setup], cwd=PROJECT, env=environment, check=True, capture_output=True)
    log = directory / "peer.log"
    process = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a loaded CI machine
    while True:
        try:
            if requests.get(f"{url}/.well-known/openid-federation", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the SDK's federation peer did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    peer = FederationPeer(url, f"{url}/oidc/op", rp_entity_id.rstrip("/"), rp_key_file, trust_marks_file, log)
    return peer, process


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
