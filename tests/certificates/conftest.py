import os
import signal
from pathlib import Path

import pytest

from tests.conftest import CeleryWorker


@pytest.fixture(autouse=True)
def private_storage(tmp_path_factory, settings, monkeypatch):
    """Each test's documents in its own directory, for this process and the workers it starts: ids
    restart with every test database, and var/private is shared with development."""
    root = tmp_path_factory.mktemp("private")
    monkeypatch.setenv("PRIVATE_STORAGE_ROOT", str(root))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}},
    }
    return root


def child_pids(pid):
    """The direct children of a process (the prefork pool of a celery worker), from /proc."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children.extend(int(child) for child in text)
    return children


def kill_worker_hard(worker):
    """SIGKILL the worker's pool children and then the worker itself: nothing gets acknowledged or
    requeued on the way out, as when a machine dies."""
    for pid in child_pids(worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=20)


HOLD_SETTINGS = "tests.certificates.hold_settings"


@pytest.fixture
def worker_factory(transactional_db, monkeypatch):
    """Start real workers with extra environment (e.g. a short visibility timeout) and settings module
    (``HOLD_SETTINGS``: renders block while a file exists, so a test can kill a worker mid-render)."""
    from fascicolo.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "pdf"):
            conn.default_channel.queue_purge(queue)
    workers = []

    def start(settings_module="fascicolo.test_settings", **env):
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        worker = CeleryWorker(settings_module=settings_module).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
