"""The portal under gunicorn in a process of its own, on the test database and Redis, as in production."""

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import requests
from django.conf import settings

from tests.conftest import ROOT, database_url_for_subprocess, wait_until


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def web_server(threads=4, **env):
    """Yields (base URL, pid of the gunicorn worker process). ``env``: extra settings variables."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascicolo.test_settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_POOL_MAX": "4",
        **{name: str(value) for name, value in env.items()},
    }
    command = [
        sys.executable, "-m", "gunicorn", "fascicolo.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(answers, timeout=90, interval=0.5, message="gunicorn did not start")
        worker_pid = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        yield base, worker_pid
    finally:
        server.terminate()
        server.wait(timeout=20)
