"""Writing issued documents to private storage (``PRIVATE_STORAGE_ROOT``), never half-written.

Names are chosen by the caller (derived from a record's id), so running the same job twice writes
the same name: the file is written to a temporary name and renamed over the final one, which is
atomic on one filesystem. Requires a storage with local paths (``FileSystemStorage``).
"""

import os
from pathlib import Path

from django.core.files.storage import default_storage

from fascicolo.private_paths import ensure_private_dir, open_private


def store_private_file(name, data):
    """Write ``data`` under ``name``: the file ``0600``, the directories made for it ``0700``.

    ``data`` is bytes, or an uploaded file (``.chunks()``), copied chunk by chunk, never whole in memory.
    """
    path = Path(default_storage.path(name))
    ensure_private_dir(Path(default_storage.path("")))
    ensure_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open_private(temporary, "wb") as handle:
        for chunk in data.chunks() if hasattr(data, "chunks") else (data,):
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return name


def open_private_file(name):
    return default_storage.open(name, "rb")


def read_private_file(name):
    with open_private_file(name) as handle:
        return handle.read()
