"""A login against the demo provider served by the same gunicorn process, with ONE worker thread.

The callback occupies the only thread while it calls the provider's token, JWKS and userinfo
endpoints; they are answered in-process (fascicolo/identity/backchannel.py), so the login completes
instead of waiting for a thread that can never free up.
"""

import os
import socket
import subprocess
import sys

import pytest
import requests

from fascicolo.identity.loa import SESSION_LOA_KEY
from tests.conftest import ROOT, database_url_for_subprocess, wait_until

from .conftest import Flow

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def single_thread_server(settings, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascicolo.test_settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "DEMO_MODE": "1",
        "DEMO_IDP": "1",
        "IDENTITY_PROVIDERS": "spid-demo",
        # SITE_URL is left at its default (another port): the demo backends' issuer "self" follows
        # the address each request came in on, and its back channel is in-process.
        "DEMO_IDP_SIGNING_KEY_FILE": str(tmp_path / "key.json"),
        "DATABASE_POOL_MAX": "4",
    }
    command = [
        sys.executable, "-m", "gunicorn", "fascicolo.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", "gthread", "--threads", "1", "--timeout", "60",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def answers():
        try:
            return requests.get(f"{base}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(answers, timeout=60, interval=0.5, message="gunicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_login_completes_on_a_one_thread_server(single_thread_server, resident):
    flow = Flow(single_thread_server, requests.Session())
    response = flow.login(fiscal_code=resident.fiscal_code, level=2, next_url="/accessibilita/")
    assert response.status_code == 302 and response.headers["Location"] == "/accessibilita/", response.text[:300]
    assert flow.session()[SESSION_LOA_KEY] == 2
