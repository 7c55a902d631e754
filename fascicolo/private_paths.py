"""Files and directories with personal data or secrets, readable by the portal's own user only.

Certificates, the development SQLite database, signing keys, the secret key, e-mails written to
files in development and the importer's reject files are created ``0600`` inside directories
``0700`` whatever the process's umask (GDPR art. 32: access limited to whoever needs it; on a
shared host another account must not read them). Plain ``os`` calls only: ``fascicolo.settings``
uses this module before Django is set up.
"""

import os
import stat
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def ensure_private_dir(path):
    """Create ``path`` (and missing parents) ``0700``; an existing directory of ours open to others
    is narrowed to ``0700``. Returns the path."""
    path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):  # mkdir(parents=True) would give the parents the umask's mode
        directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    path = missing[0] if missing else path
    info = path.stat()
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(PRIVATE_DIR_MODE)
    return path


def open_private(path, mode="wb", **kwargs):
    """``open(path, mode)`` for writing a new or truncated file created ``0600`` (never wider, even
    for an instant). An existing file keeps its inode but is narrowed to ``0600``."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, mode, **kwargs)


def write_private_text(path, text):
    with open_private(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def create_files_once(modes, make):
    """Create the files of ``modes`` (``{path: mode}``, say a key ``0o600`` and its certificate
    ``0o644``) together, once, even when several processes start at the same time.

    Under an exclusive lock on ``.lock`` beside the first file, ``make()`` is called only when one of
    them is missing and returns their contents (bytes, in the order of ``modes``); each is written
    through a temporary ``0600`` file renamed into place, so nobody reads half a file or a key from
    one process with the certificate of another. Returns True when the files were created now.
    """
    import fcntl

    paths = [Path(path) for path in modes]
    if all(path.exists() for path in paths):
        return False
    ensure_private_dir(paths[0].parent)
    with open_private(paths[0].parent / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(path.exists() for path in paths):
            return False
        for (path, mode), data in zip(zip(paths, modes.values(), strict=True), make(), strict=True):
            ensure_private_dir(path.parent)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open_private(temporary, "wb") as handle:
                handle.write(data)
            temporary.chmod(mode)
            os.replace(temporary, path)
    return True


def ensure_private_file(path):
    """Create an empty ``0600`` file if missing (for files another library creates, such as SQLite's
    database, which then gives its journal and WAL files the same mode); narrow an existing one."""
    path = Path(path)
    ensure_private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path
