"""Warm Celery workers up so the first PDF a resident asks for is not the slow one.

Importing WeasyPrint takes about 1.5 s and the first render loads fonts and Pango: the parent
process imports the libraries before forking (the children share those pages), and each child
renders and seals one tiny page as soon as it starts.
"""

import logging

from celery.signals import worker_init, worker_process_init

logger = logging.getLogger(__name__)


@worker_init.connect
def import_pdf_libraries(**kwargs):
    import pyhanko.sign  # noqa: F401
    import weasyprint  # noqa: F401


@worker_process_init.connect
def warm_up_pdf_pipeline(**kwargs):
    from .pdf import warm_up

    try:
        warm_up()
    except Exception:
        # A warm-up failure must not stop the worker: the real task reports the real error.
        logger.exception("PDF pipeline warm-up failed")
