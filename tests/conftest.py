"""Fixtures shared by the whole suite: real services, a real Celery worker, headless Chromium.

The suite runs against PostgreSQL and Redis (``scripts/with-services`` makes sure they answer);
nothing the project owns is mocked.
"""

import functools
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the main thread; the ORM calls the tests make beside
# it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (the real Redis, under this run's key prefix)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _steady_limit_windows(monkeypatch):
    """django-ratelimit counts in fixed windows of the wall clock: a test that sends 31 requests
    across the end of a window would see the count restart. In-process, its clock stands still for
    the test (servers in subprocesses keep the real one)."""
    import types

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Italian): LocaleMiddleware leaves the language of
    the last request (say, English) active in the thread, which would leak into the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def database_url_for_subprocess():
    """The URL of the test database, for processes (workers, servers) the tests start."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class CeleryWorker:
    """A real ``celery worker`` process consuming this run's queues."""

    def __init__(self, queues=("default", "pdf"), concurrency=1, settings_module="fascicolo.test_settings", env=None):
        self.queues = queues
        self.concurrency = concurrency
        self.settings_module = settings_module
        self.env = env or {}  # over the suite's database and Redis (a private server's, say)
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.process = None
        self.output = []
        self._ready = threading.Event()

    def start(self, timeout=120):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DATABASE_URL": database_url_for_subprocess(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "fascicolo", "worker",
            "--loglevel=INFO", f"--concurrency={self.concurrency}", "--pool=prefork",
            f"--queues={','.join(self.queues)}", f"--hostname={self.name}",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("celery worker did not start:\n" + "".join(self.output[-40:]))
        return self

    def _read_output(self):
        for line in self.process.stdout:
            self.output.append(line)
            if " ready." in line:
                self._ready.set()

    def kill(self, sig):
        self.process.send_signal(sig)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker for one test; the test's data is committed so the worker can read it."""
    # Messages left by an earlier test's worker must not leak into this one.
    _purge_queues()
    worker = CeleryWorker().start()
    yield worker
    worker.stop()


@pytest.fixture
def private_storage(tmp_path_factory, settings, monkeypatch):
    """This test's documents in a directory of their own, for this process and the workers it starts:
    ids restart with every test database, and var/private is shared with development."""
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
        children.extend(int(child) for child in (task / "children").read_text().split())
    return children


def kill_worker_hard(worker):
    """SIGKILL the worker's pool children and then the worker itself: nothing gets acknowledged or
    requeued on the way out, as when a machine dies."""
    import signal

    for pid in child_pids(worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=20)


# Workers started with this settings module block in one function while a file exists
# (tests/hold_settings.py), so that a test can kill them mid-task.
HOLD_SETTINGS = "tests.hold_settings"


def _purge_queues():
    from fascicolo.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "pdf"):
            conn.default_channel.queue_purge(queue)


@pytest.fixture
def worker_factory(transactional_db, monkeypatch):
    """Start real workers with extra environment (e.g. a short visibility timeout) and settings module
    (``HOLD_SETTINGS``: a function blocks while a file exists, so a test can kill a worker mid-task)."""
    _purge_queues()
    workers = []

    def start(settings_module="fascicolo.test_settings", queues=("default", "pdf"), overrides=None, **env):
        """``env`` is added to the environment; ``overrides`` replaces the suite's database and Redis."""
        for name, value in env.items():
            monkeypatch.setenv(name, str(value))
        worker = CeleryWorker(queues=queues, settings_module=settings_module, env=overrides).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own (``tests/throwaway.py``), without persistence like the suite's, that
    the test may stop and start again; never the machine's."""
    from tests.throwaway import PrivateRedis

    directory = tmp_path / "redis"
    directory.mkdir()
    redis = PrivateRedis(directory).start()
    yield redis
    redis.stop()


@pytest.fixture
def broker(private_redis, settings):
    """Point this process's Celery app, and the workers it starts, at the private Redis."""
    from fascicolo.celery import app

    # Read first: the app's configuration reads Django's settings through until it is overridden.
    original = app.conf.broker_url
    settings.CELERY_BROKER_URL = private_redis.url()
    app.conf.broker_url = private_redis.url()
    _forget_broker_connections(app)
    yield private_redis
    app.conf.broker_url = original
    _forget_broker_connections(app)


def _forget_broker_connections(app):
    # The connection and producer pools were built for the suite's Redis by earlier tests; Celery
    # drops them the same way after a fork.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def production_static_root(tmp_path_factory):
    """Static files built as the README's production steps build them (``make static``), once per
    run, for the tests that start the portal with production settings."""
    from tests.production import make_static

    return make_static(tmp_path_factory.mktemp("staticfiles"))


@pytest.fixture
def eager_tasks():
    """Tasks queued by the code under test run at once, in this process (for tests without a worker)."""
    from fascicolo.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def smtp(settings, eager_tasks):
    """A real SMTP server on loopback as the mail server; yields its inbox (``tests.helpers.SmtpInbox``)."""
    from tests.helpers import smtp_server

    with smtp_server() as (inbox, port):
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
            }
        }
        yield inbox


@pytest.fixture
def family(db):
    """A household: head, spouse, a minor and an adult child (tests/dossier/factories.py)."""
    from tests.dossier.factories import make_family

    return make_family()


@pytest.fixture
def other_family(db):
    """Another household, for checks that one resident never sees another's data."""
    from tests.dossier.factories import make_family

    return make_family("Verdi")


def wait_until(predicate, timeout=30, interval=0.1, message="condition not met"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"{message} within {timeout} s")


# --- Headless Chromium -------------------------------------------------------------------------


CSP_VIOLATION = "Content Security Policy"


class CspWatch:
    """Collects what Chromium reports in the console of every page of a browser: a test that ends
    with a Content-Security-Policy violation fails, so a page that needs an inline script without
    the nonce, or a file from another origin, is found by the tests that open it."""

    def __init__(self, browser):
        self.violations = []
        new_context = browser.new_context

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            context.on("console", self._console)
            return context

        browser.new_context = watched_context

    def _console(self, message):
        if CSP_VIOLATION in message.text:
            self.violations.append(f"{message.location.get('url', '')}: {message.text}")


@pytest.fixture
def browser():
    # One browser per test, not per session: Playwright's sync API keeps an event loop running in
    # the main thread for as long as it is open, and code under test that calls asyncio.run()
    # (pyHanko's validation) would fail in every later test.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        watch = CspWatch(browser)
        yield browser
        browser.close()
    assert not watch.violations, "Content-Security-Policy violations:\n" + "\n".join(watch.violations)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@functools.cache
def AXE_SOURCE():
    return AXE_SCRIPT.read_text()


def axe_violations(page):
    """Run axe-core inside the page against WCAG 2.0/2.1 A and AA; return the violations.

    axe is evaluated through the DevTools protocol rather than added as a <script> element, which
    the page's Content-Security-Policy would refuse (it has no nonce)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE())
    return page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
