"""The production-like stack the load tests run against: gunicorn (``gthread``, several processes)
behind nginx with TLS (tests/production.py's ``ServedPortal``, where nginx is installed), Celery
workers on the ``default`` and ``pdf`` queues, the given PostgreSQL and Redis; ``DEBUG`` off and
``DEMO_MODE`` on, so that the demo identity provider and the PSP simulator are served by the same
stack (the only demo parts; everything else is as in production).

Used by ``benchmarks/clickday.py`` and by the suite's short click day
(``tests/admission/test_clickday.py``); each passes the environment of its own database.
"""

import os
import shutil
import sys

from tests.production import Process, ServedPortal


def stack_env(env, **extra):
    """``env`` (production settings on this run's services) with what the load tests need."""
    return {
        **env,
        "DEBUG": "0",
        "DEMO_MODE": "1",
        "LOG_LEVEL": "WARNING",
        # Every notification of the PSP simulator once, in order: the journeys pay, they do not test
        # the payment inbox (tests/payments does).
        "PSP_SIMULATOR_DUPLICATE_RATE": "0",
        "PSP_SIMULATOR_LATE_RATE": "0",
        "PSP_SIMULATOR_REORDER_RATE": "0",
        **extra,
    }


class Stack:
    """``ServedPortal`` plus Celery workers. ``url`` and ``portal`` once started."""

    def __init__(self, directory, env, *, workers=2, threads=4, celery_concurrency=2, connections=256):
        self.directory = directory
        self.portal = ServedPortal(
            directory, env, nginx=bool(shutil.which("nginx")), workers=workers, threads=threads,
            app="benchmarks.locust.counted_wsgi:application", worker_connections=connections, keep_port=True,
        )  # fmt: skip
        self.portal.env["CSRF_TRUSTED_ORIGINS"] = self.portal.url
        if self.portal.nginx:
            # The PSP simulator's notifications come back through nginx: trust its certificate
            # (written by ServedPortal.start() at this path before anything is paid).
            self.portal.env["REQUESTS_CA_BUNDLE"] = str(directory / "tls.pem")
        self.url = self.portal.url
        self.celery_concurrency = celery_concurrency
        self.celery = None

    def start(self):
        worker = [
            sys.executable, "-m", "celery", "-A", "fascicolo", "worker", "-Q", "default,pdf",
            "-c", str(self.celery_concurrency), "--pool=prefork", "--loglevel=WARNING",
            f"--hostname=load-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.celery = Process("celery", worker, self.portal.env, self.directory / "celery.log")
        try:
            # Slow on a busy machine: every gunicorn process imports the whole portal.
            self.portal.start(timeout=600)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.portal.stop()
        if self.celery is not None:
            self.celery.stop()

    def output(self):
        return self.portal.output() + ("\n" + self.celery.output() if self.celery else "")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
