"""Settings for a worker that a test kills mid-task: the test settings, plus one function that blocks.

``TEST_HOLD_TARGET`` names the function, ``module:name`` (default: the certificate render,
``registry.certificates.services:build_pdf``; the receipt render is ``payments.documents:receipt_pdf``).
Each call in the worker's pool processes touches ``<TEST_HOLD_FILE>.reached`` and then waits while that
file exists, inside the task (for the certificate, inside ``generate_document``'s transaction: the row
is locked and the attempt counted), so the test knows when to kill the worker. Production code has no
hook for this: the wrapper is installed here, in the pool processes only (``worker_process_init``).
"""

import importlib
import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from fascicolo.test_settings import *  # noqa: F403

HOLD_FILE = Path(os.environ["TEST_HOLD_FILE"])
HOLD_TARGET = os.environ.get("TEST_HOLD_TARGET", "registry.certificates.services:build_pdf")


@worker_process_init.connect(weak=False)
def hold(**kwargs):
    module_name, name = HOLD_TARGET.split(":")
    module = importlib.import_module(module_name)
    function = getattr(module, name)

    def held(*args, **kwargs):
        Path(f"{HOLD_FILE}.reached").touch()
        while HOLD_FILE.exists():
            time.sleep(0.05)
        return function(*args, **kwargs)

    setattr(module, name, held)
