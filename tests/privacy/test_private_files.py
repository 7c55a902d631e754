"""Private files 0600 in directories 0700, whatever the umask (issue 12)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from fascicolo.documents.seal import ensure_development_seal
from registry.certificates import services
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import Status

ROOT = Path(__file__).resolve().parents[2]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)  # the usual default: files 0644, directories 0755
    yield
    os.umask(previous)


@pytest.fixture
def private_storage(tmp_path, settings):
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}},
    }
    return root


def test_an_issued_certificate_is_readable_by_the_portal_only(transactional_db, family, private_storage, open_umask):
    user = get_user_model().objects.create(username="cf:test-files")
    certificate = Certificate.objects.create(
        kind="residenza", holder=family["head"], requested_by=user, exemption=StampExemption.SEPARATION,
        stamp_duty_cents=0,
    )  # fmt: skip
    assert services.generate_document(certificate.pk) == Status.READY
    certificate.refresh_from_db()
    path = Path(default_storage.path(certificate.file_name))
    assert mode(path) == 0o600
    directory = path.parent
    while True:
        assert mode(directory) == 0o700, directory
        if directory == private_storage:
            break
        directory = directory.parent


def test_a_stored_upload_gets_the_same_modes():
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700


def test_the_development_seal_key_and_its_directory(tmp_path, open_umask):
    key, cert = ensure_development_seal(tmp_path / "seal")
    assert mode(key) == 0o600 and mode(tmp_path / "seal") == 0o700
    assert mode(cert) == 0o644  # a certificate is public


def test_the_development_database_secret_key_and_mail_are_private(tmp_path):
    """``make run`` without DATABASE_URL: var/, the SQLite file (and its WAL), the secret key."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)  # made by an older version, open to everyone
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TESTING", "CELERY_BROKER_URL"}
    }
    env.update(DEBUG="1", FASCICOLO_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="fascicolo.settings")
    script = (
        "import os, django; os.umask(0o022); django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('CREATE TABLE probe (x)'); c.execute('INSERT INTO probe VALUES (1)')"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)
    assert mode(var) == 0o700
    assert mode(var / "secret_key") == 0o600
    assert mode(var / "fascicolo.sqlite3") == 0o600
    for companion in ("fascicolo.sqlite3-wal", "fascicolo.sqlite3-shm"):
        if (var / companion).exists():
            assert mode(var / companion) == 0o600, companion
    assert mode(var / "mail") == 0o700


def _make_pair_slowly(directory, index):
    import time

    from fascicolo.private_paths import create_files_once

    def make():
        time.sleep(0.2)  # long enough for the other processes to arrive while this one writes
        (directory / f"made-by-{index}").touch()
        return [f"key {index}".encode(), f"certificate {index}".encode()]

    create_files_once({directory / "key.pem": 0o600, directory / "cert.pem": 0o644}, make)


def test_a_key_and_its_certificate_are_created_once_by_processes_starting_together(tmp_path, open_umask):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_make_pair_slowly, args=(tmp_path / "keys", i)) for i in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    makers = sorted((tmp_path / "keys").glob("made-by-*"))
    assert len(makers) == 1
    index = makers[0].name.removeprefix("made-by-")
    assert (tmp_path / "keys" / "key.pem").read_text() == f"key {index}"
    assert (tmp_path / "keys" / "cert.pem").read_text() == f"certificate {index}"
    assert mode(tmp_path / "keys" / "key.pem") == 0o600 and mode(tmp_path / "keys" / "cert.pem") == 0o644
    assert mode(tmp_path / "keys") == 0o700
    assert not list((tmp_path / "keys").glob("*.tmp"))
