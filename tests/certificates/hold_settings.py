"""Settings for a worker that a test kills mid-render: the test settings, plus renders that block.

Each render of the worker's pool processes touches ``<CERTIFICATES_TEST_HOLD_FILE>.reached`` and then
waits while that file exists, inside ``generate_document``'s transaction (the row is locked and the
attempt counted), so the test knows when to kill the worker. Production code has no hook for this:
the wrapper is installed here, in the pool processes only (``worker_process_init``).
"""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from fascicolo.test_settings import *  # noqa: F403

HOLD_FILE = Path(os.environ["CERTIFICATES_TEST_HOLD_FILE"])


@worker_process_init.connect(weak=False)
def hold_renders(**kwargs):
    from registry.certificates import services

    render = services.build_pdf

    def held(certificate):
        Path(f"{HOLD_FILE}.reached").touch()
        while HOLD_FILE.exists():
            time.sleep(0.05)
        return render(certificate)

    services.build_pdf = held
