"""Failed logins are throttled per account and per IP, with the counts shared by every web process.

Two real gunicorn processes serve the portal on the test database and the same Redis; the failed
logins alternate between them, and the limit holds on both.
"""

import os
import re
import socket
import subprocess
import sys
import uuid

import pytest
import requests
from django.conf import settings
from django.core.cache import cache

from tests.conftest import ROOT, database_url_for_subprocess, wait_until
from tests.staff.conftest import PASSWORD, make_clerk

PER_IP = 6
PER_ACCOUNT = 3
WRONG = "not the password"
TOO_MANY = "Too many failed login attempts"
INCORRECT = "The username and/or password you specified are not correct."


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebProcess:
    """``gunicorn fascicolo.wsgi`` on its own port, sharing the test database and Redis."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fascicolo.test_settings",
            "DATABASE_URL": database_url_for_subprocess(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            "SECRET_KEY": settings.SECRET_KEY,
            "STAFF_LOGIN_FAILED_LIMITS": f"{PER_IP}/15m/ip,{PER_ACCOUNT}/15m/key",
        }
        command = [
            sys.executable, "-m", "gunicorn", "fascicolo.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self):
        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.process.stderr.read().decode()[-3000:]}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                return False

        wait_until(answers, timeout=60, message=f"gunicorn on {self.port} answering")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def web_processes(django_db_setup, django_db_blocker):
    processes = [WebProcess(), WebProcess()]
    try:
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()


@pytest.fixture
def two_web_processes(transactional_db, web_processes):
    """The two servers, for a test whose data is committed so that they can read it."""
    return web_processes


def attempt_login(server, username, password):
    """One browser-like login attempt on one server; returns the page's text after it."""
    with requests.Session() as browser:
        browser.headers["Accept-Language"] = "en"
        form = browser.get(f"{server.url}/personale/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = browser.post(
            f"{server.url}/personale/login/",
            data={"csrfmiddlewaretoken": token, "login": username, "password": password},
            timeout=10,
        )
        assert response.status_code == 200, response.status_code
        # A right password with no second factor enrolled ends on the enrolment page.
        signed_in = response.url.endswith("/personale/2fa/totp/activate/") or "/reauthenticate/" in response.url
        return response.text, signed_in


def test_failed_logins_are_limited_per_account_across_two_processes(two_web_processes):
    first, second = two_web_processes
    clerk = make_clerk("g.verdi")
    servers = [first, second]

    for attempt in range(PER_ACCOUNT):
        text, signed_in = attempt_login(servers[attempt % 2], clerk.username, WRONG)
        assert INCORRECT in text and not signed_in

    # The account's allowance is spent, whichever process is asked, even with the right password.
    for server in servers:
        text, signed_in = attempt_login(server, clerk.username, PASSWORD)
        assert TOO_MANY in text
        assert not signed_in


def test_failed_logins_are_limited_per_ip_across_two_processes(two_web_processes):
    first, second = two_web_processes
    clerk = make_clerk("a.neri")
    servers = [first, second]

    # Each attempt names another account, so only the per-IP count can stop them.
    for attempt in range(PER_IP):
        text, _ = attempt_login(servers[attempt % 2], f"guess-{uuid.uuid4().hex[:8]}", WRONG)
        assert INCORRECT in text
    for server in servers:
        text, signed_in = attempt_login(server, f"guess-{uuid.uuid4().hex[:8]}", WRONG)
        assert TOO_MANY in text
        text, signed_in = attempt_login(server, clerk.username, PASSWORD)
        assert TOO_MANY in text
        assert not signed_in


def test_a_fresh_count_lets_the_clerk_in(two_web_processes):
    # The control for the two tests above: without failures the same login succeeds on both.
    clerk = make_clerk("p.gialli")
    cache.clear()
    for server in two_web_processes:
        _, signed_in = attempt_login(server, clerk.username, PASSWORD)
        assert signed_in
