"""Certificates: raw render-and-seal rate, end-to-end pipeline rate, and idle request-to-ready latency.

One run measures, on the same machine and cores:

(a) the raw rate: one certificate rendered (WeasyPrint) and sealed (pyHanko) again and again in this
    single process, warm;
(b) the pipeline rate: N requests through the real path (service → PostgreSQL → on_commit → Redis →
    ``celery worker -Q pdf -c 2`` prefork → render, seal, store, mark ready), first request to last
    ready; reported with the ratio (b)/(a);
(c) the latency from request to ready, one request at a time on an otherwise idle system (p50, p95).

Production-like: DEBUG off, PostgreSQL, Redis, a configured seal key. It uses a throwaway database
(``BENCH_DATABASE_URL``, dropped and created), Redis db ``BENCH_REDIS_URL`` (its queues are purged)
and a temporary private storage directory.

    DATABASE_URL=… REDIS_URL=… .venv/bin/python benchmarks/certificates.py [--requests 120] [--samples 40]

(``DATABASE_URL`` only names the server: the benchmark database is ``<name>_bench`` on it.)
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_environment():
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fascicolo")
    parts = urlsplit(server)
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    private = tempfile.mkdtemp(prefix="fascicolo-bench-private-")
    seal_dir = ROOT / "var" / "seal"
    return {
        "DJANGO_SETTINGS_MODULE": "fascicolo.settings",
        "DEBUG": "0",
        "TESTING": "",
        "SECRET_KEY": "benchmark-" + "x" * 50,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "PRIVATE_STORAGE_ROOT": private,
        "SEAL_KEY_PATH": str(seal_dir / "seal-key.pem"),
        "SEAL_CERT_PATH": str(seal_dir / "seal-cert.pem"),
        "LOG_LEVEL": "WARNING",
        "CERTIFICATES_SWEEP_AFTER_SECONDS": "3600",
    }


def recreate_database(database_url):
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SEAL_SNIPPET = "import django; django.setup(); import fascicolo.documents.seal as s; s.seal_paths()"


def ensure_seal(env):
    """The development seal pair, generated once, then used as a configured (production-style) seal."""
    if not Path(env["SEAL_KEY_PATH"]).exists():
        subprocess.run(
            [sys.executable, "-c", SEAL_SNIPPET],
            cwd=ROOT, env={**os.environ, **env, "SEAL_KEY_PATH": "", "SEAL_CERT_PATH": "", "TESTING": "1"},
            check=True,
        )  # fmt: skip


def start_worker(env, concurrency=2):
    command = [
        sys.executable, "-m", "celery", "-A", "fascicolo", "worker", "-Q", "pdf", "-c", str(concurrency),
        "--pool=prefork", "--loglevel=INFO", "--hostname=bench@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    ready = threading.Event()
    output = []

    def read():
        for line in process.stdout:
            output.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        process.kill()
        raise SystemExit("worker did not start:\n" + "".join(output[-30:]))
    process.output = output
    return process


def task_runtimes(output):
    """Seconds per task as the worker logged them ("… succeeded in 0.21s: …")."""
    return [float(m.group(1)) for line in output if (m := re.search(r"succeeded in ([0-9.]+)s", line))]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=120, help="requests for the pipeline rate (b)")
    parser.add_argument("--renders", type=int, default=60, help="renders for the raw rate (a)")
    parser.add_argument("--samples", type=int, default=40, help="sequential requests for the latency (c)")
    args = parser.parse_args()

    env = bench_environment()
    ensure_seal(env)
    os.environ.update(env)
    recreate_database(env["DATABASE_URL"])
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from fascicolo.celery import app
    from fascicolo.documents import warm_up
    from registry.certificates import services
    from registry.certificates.models import Certificate, StampExemption
    from registry.certificates.rendering import build_pdf
    from registry.certificates.states import Status
    from tests.dossier.factories import make_family

    family = make_family()
    user = get_user_model().objects.create(username="cf:benchmark")
    from fascicolo.identity.models import ResidentAccount

    ResidentAccount.objects.create(user=user, fiscal_code=family["head"].fiscal_code, person=family["head"])
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("pdf")

    def request():
        return services.request_certificate(
            user, person_id=family["head"].pk, kind="stato_famiglia_parentela", exemption=StampExemption.SEPARATION
        )

    # (a) raw render-and-seal, one process, warm; measured before and after (b) and (c), so that a
    # change in the machine's load during the run shows up instead of skewing the ratio.
    warm_up()
    sample = Certificate.objects.create(
        kind="stato_famiglia_parentela", holder=family["head"], requested_by=user,
        exemption=StampExemption.SEPARATION, stamp_duty_cents=0,
    )  # fmt: skip
    build_pdf(sample)

    def raw_rate():
        started = time.perf_counter()
        for _ in range(args.renders // 2):
            build_pdf(sample)
        return (args.renders // 2) / (time.perf_counter() - started)

    raw_before = raw_rate()

    worker = start_worker(env)
    try:
        # Let the pool children finish their warm-up before measuring.
        time.sleep(3)

        # (c) latency on an idle system: one request at a time.
        latencies = []
        for _ in range(args.samples):
            started = time.perf_counter()
            certificate = request()
            while Certificate.objects.filter(pk=certificate.pk, status=Status.READY).count() == 0:
                time.sleep(0.02)  # coarse on purpose: polling costs CPU the worker needs
            latencies.append(time.perf_counter() - started)
            connection.close()

        # (b) the pipeline rate: N requests as fast as they come, until the last is ready.
        first = Certificate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        for _ in range(args.requests):
            request()
        while Certificate.objects.filter(pk__gt=first, status=Status.READY).count() < args.requests:
            time.sleep(0.2)
        pipeline_seconds = time.perf_counter() - started
        pipeline_rate = args.requests / pipeline_seconds
        failed = Certificate.objects.exclude(status=Status.READY).exclude(pk=sample.pk).count()
    finally:
        worker.terminate()
        worker.wait(30)
    raw_after = raw_rate()
    raw = (raw_before + raw_after) / 2

    cores = os.cpu_count()
    print(f"machine: {cores} cores; worker: celery -Q pdf -c 2 prefork; PostgreSQL + Redis; DEBUG off")
    print(f"(a) raw render+seal, 1 process:  {raw:6.2f} /s  ({1000 / raw:.0f} ms each; before {raw_before:.2f}, "
          f"after {raw_after:.2f}; n={2 * (args.renders // 2)})")  # fmt: skip
    print(f"(b) pipeline request→ready:      {pipeline_rate:6.2f} /s  (n={args.requests}, {pipeline_seconds:.1f} s)")
    print(f"    ratio (b)/(a):               {pipeline_rate / raw:6.2f}  (target ≥ 0.75)")
    print(f"(c) idle latency request→ready:  p50 {1000 * statistics.median(latencies):.0f} ms, "
          f"p95 {1000 * percentile(latencies, 0.95):.0f} ms  (n={args.samples}; target p50 < 1000 ms)")  # fmt: skip
    runtimes = task_runtimes(worker.output)
    if runtimes:
        print(f"    task run time in the worker: p50 {1000 * statistics.median(runtimes):.0f} ms (n={len(runtimes)})")
    print(f"    documents not ready at the end: {failed}")


if __name__ == "__main__":
    main()
