"""Concurrent SPID logins against the demo provider served by the same small gunicorn.

Two runs of the same server (1 worker, 2 threads by default), the same logins, in the same session:

- ours: the demo backends' issuer ``self``; the callback's back channel (token, JWKS, userinfo) is
  answered in-process (fascicolo/identity/backchannel.py);
- baseline: the same provider addressed by URL with in-process answers switched off, so each
  callback needs a second free server thread for its back-channel calls.

It prints completed logins, failures (the portal's "provider does not answer" page after the 10 s
read timeout), wall time and median latency. Needs the local PostgreSQL and Redis; creates and drops
the scratch database ``fascicolo_bench_identity``.

    .venv/bin/python benchmarks/identity_login.py     # --logins 24 --concurrency 6 --threads 2
"""

import argparse
import html
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
DB = "fascicolo_bench_identity"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
FISCAL_CODE = "RSSMRA80A01F205X"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fascicolo.settings",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"),
        "CACHE_KEY_PREFIX": "bench-identity",
        "TESTING": "1",
        "DEBUG": "0",
        "DEMO_MODE": "1",
        "DEMO_IDP": "1",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "IDENTITY_PROVIDERS": "spid-demo",
        "DEMO_IDP_SIGNING_KEY_FILE": "/tmp/fascicolo-bench-identity-key.json",
    }


def prepare():
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    env = base_env()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    create = (
        "from datetime import date; from registry.models import Person; "
        f"Person.objects.create(fiscal_code='{FISCAL_CODE}', given_name='Mario', family_name='Rossi', sex='M', "
        "birth_date=date(1980, 1, 1), birth_place='Milano', birth_place_code='F205')"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=ROOT, env=env, check=True)


def drop():
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def one_login(base):
    http = requests.Session()
    started = time.perf_counter()
    authorize = http.get(f"{base}/accesso/spid-demo/avvia/?level=2", allow_redirects=False, timeout=60)
    page = http.get(authorize.headers["Location"], timeout=60)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    fields.update(resident=FISCAL_CODE, level="2", login="")
    back = http.post(f"{base}/demo-idp/authorize", data=fields, allow_redirects=False, timeout=60)
    done = http.get(back.headers["Location"], allow_redirects=False, timeout=60)
    ok = done.status_code == 302 and "/accesso/" not in done.headers.get("Location", "")
    return ok, time.perf_counter() - started


def run(variant, args):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env()
    if variant == "baseline":
        env["IDENTITY_SPID_DEMO_ISSUER"] = f"{base}/demo-idp"
        env["IDENTITY_IN_PROCESS_PREFIXES"] = " "
    command = [
        sys.executable, "-m", "gunicorn", "fascicolo.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
        "--timeout", "120",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        one_login(base)  # warm-up: imports, key loading, discovery cache
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(lambda _: one_login(base), range(args.logins)))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = [seconds for ok, seconds in results if ok]
    return {
        "ok": len(latencies),
        "failed": len(results) - len(latencies),
        "wall": wall,
        "median": statistics.median(latencies) if latencies else float("nan"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=24)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    prepare()
    try:
        ours = run("ours", args)
        baseline = run("baseline", args)
    finally:
        drop()
    print(
        f"{args.logins} logins, {args.concurrency} at a time,"
        f" gunicorn {args.workers} worker(s) × {args.threads} threads"
    )
    print("| Back channel | Completed | Failed | Wall time | Median login |")
    print("|---|---:|---:|---:|---:|")
    for name, result in (("in-process (ours)", ours), ("over a socket (baseline)", baseline)):
        wall, median = f"{result['wall']:.1f} s", f"{result['median'] * 1000:.0f} ms"
        print(f"| {name} | {result['ok']} | {result['failed']} | {wall} | {median} |")
    print(f"Wall-time ratio baseline/ours: {baseline['wall'] / ours['wall']:.1f}×")


if __name__ == "__main__":
    main()
