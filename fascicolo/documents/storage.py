"""Writing issued documents to private storage (``PRIVATE_STORAGE_ROOT``), never half-written.

Names are chosen by the caller (derived from a record's id), so running the same job twice writes
the same name: the file is written to a temporary name and renamed over the final one, which is
atomic on one filesystem. Requires a storage with local paths (``FileSystemStorage``).
"""

import os
from pathlib import Path

from django.core.files.storage import default_storage


def store_private_file(name, data):
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return name


def open_private_file(name):
    return default_storage.open(name, "rb")


def read_private_file(name):
    with open_private_file(name) as handle:
        return handle.read()
