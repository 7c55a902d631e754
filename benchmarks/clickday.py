"""Click day: thousands of residents arriving within a minute on a production-like stack, their
journeys checked for leaks, with the baselines of the same stack measured in the same run.

    make clickday                                   # the full run (5,000 residents in 60 s), ~15 min
    .venv/bin/python benchmarks/clickday.py --quick # 300 residents in 20 s, shorter baselines
    .venv/bin/python benchmarks/clickday.py --no-docs  # measure, do not rewrite docs/benchmarks.md

What it does (docs/benchmarks.md, "Click day"):

1. a scratch database ``<DATABASE_URL's name>_bench`` (dropped at the end), migrated and seeded with
   ``seed_demo`` and ``seed_payments``; the residents file for the canaries
   (benchmarks/locust/canaries.py); ``make static`` into ``var/bench/static`` (kept between runs,
   rebuilt when a static file changed);
2. the stack (benchmarks/locust/stack.py): gunicorn ``--workers`` × ``--threads`` behind nginx with
   TLS, Celery workers, PostgreSQL and a Redis of the run's own (``redis-server`` on a free port,
   tests/throwaway.py), ``DEBUG`` off;
3. baselines, closed loop, ``--baseline-users`` clients for ``--baseline-seconds`` each, no waiting
   room: ``/healthz``; the chrome-only page (``/accessibilita/``, signed in: the page's whole frame,
   no data); the dossier overview (signed in);
4. the spike: waiting room with ``--capacity`` residents at once (window ``--window`` s), opening
   ``--opens-after`` s after the first arrival; ``--residents`` residents arrive evenly over
   ``--spawn-seconds`` and do their journeys (benchmarks/locust/journeys.py); Redis is sampled every
   second for the line's length and the admissions; afterwards every certificate requested must be
   delivered (``READY`` in the database) within ``--delivery-timeout`` s;
5. shedding: the same stack restarted with ``SHEDDING_MAX_IN_FLIGHT`` = ``--shed-limit`` per process
   and ``--shed-threads`` threads; the overview's p95 at low concurrency (baseline), then 3× the
   saturation (processes × limit) clients for ``--shed-seconds``, then the p95 every 5 s until it is
   back within 25 % of the baseline (at most 60 s);
6. the results: JSON under ``var/bench/clickday/``, the chart ``docs/benchmarks-clickday.svg`` and
   the section between ``<!-- clickday:start -->`` and ``<!-- clickday:end -->`` of docs/benchmarks.md.
"""

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.certificates import bench_environment, ensure_seal, recreate_database  # noqa: E402
from benchmarks.scratch import ScratchDatabase  # noqa: E402

OUT = ROOT / "var" / "bench" / "clickday"
DOCS = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "benchmarks-clickday.svg"
START, END = "<!-- clickday:start -->", "<!-- clickday:end -->"
PREFIX = f"bench:clickday:{os.getpid()}:"


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 residents in 20 s, short baselines")
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--spawn-seconds", type=float, default=60)
    parser.add_argument("--capacity", type=int, default=250, help="residents admitted at once")
    parser.add_argument("--window", type=int, default=20, help="ADMISSION_WINDOW_SECONDS")
    parser.add_argument("--opens-after", type=float, default=10, help="opening, seconds after the first arrival")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--baseline-users", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--delivery-timeout", type=float, default=600)
    parser.add_argument("--shed-limit", type=int, default=4, help="SHEDDING_MAX_IN_FLIGHT per process")
    parser.add_argument("--shed-threads", type=int, default=32)
    parser.add_argument("--shed-seconds", type=float, default=30)
    parser.add_argument("--skip-shedding", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md and the chart")
    args = parser.parse_args(argv)
    if args.quick:
        args.residents, args.spawn_seconds, args.capacity = 300, 20, 60
        args.baseline_seconds, args.shed_seconds, args.opens_after = 8, 10, 5
    return args


# --- Preparing -------------------------------------------------------------------------------------


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True)


def prepare(args, env, directory):
    recreate_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v", "0")
    # About 60 % of the seeded residents are adults with a household: seed enough for the arrivals.
    manage(env, "seed_demo", "--residents", str(int(args.residents * 1.8) + 50), "--seed", "7", "-v", "0")
    manage(env, "seed_payments", "--limit", str(args.residents * 2))
    os.environ.update(env)
    import django

    django.setup()
    from benchmarks.locust.canaries import export_residents

    residents_file = directory / "residents.json"
    count = export_residents(residents_file, limit=args.residents)
    if count < args.residents:
        raise SystemExit(f"only {count} residents to sign in as; seed more")
    return residents_file


def static_files():
    """``make static`` into ``var/bench/static``, again only when a source file is newer than its manifest."""
    from tests.production import make_static

    root = ROOT / "var" / "bench" / "static"
    manifest = root / "staticfiles.json"
    skipped = {".venv", "node_modules", "var", "staticfiles"}
    folders = [ROOT / "static", *ROOT.glob("*/static"), *ROOT.glob("*/*/static")]
    sources = [path for folder in folders if not skipped & set(folder.relative_to(ROOT).parts)
               for path in folder.rglob("*") if path.is_file()]  # fmt: skip
    if not manifest.exists() or max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime:
        shutil.rmtree(root, ignore_errors=True)
        make_static(root)
    return root


def server_env(env, directory, static_root, **extra):
    from benchmarks.locust.stack import stack_env
    from tests.production import production_env

    base = production_env(
        **{
            key: env[key]
            for key in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SEAL_KEY_PATH", "SEAL_CERT_PATH")
        }
    )
    return stack_env(
        base,
        SECRET_KEY=env["SECRET_KEY"],
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        PRIVATE_STORAGE_ROOT=str(directory / "private"),
        FASCICOLO_VAR_DIR=str(directory / "var"),
        TRUSTED_PROXY_COUNT="1",
        ADMISSION_REDIS_PREFIX=PREFIX,
        CACHE_KEY_PREFIX=f"bench-clickday-{os.getpid()}",
        DATABASE_POOL_MAX=str(max(4, extra.pop("threads", 4))),
        **extra,
    )


# --- Measuring -------------------------------------------------------------------------------------


def locust(url, residents_file, out, *args):
    """One Locust run (benchmarks/locust/run.py) in its own process; returns its JSON."""
    command = [sys.executable, "-m", "benchmarks.locust.run", "--host", url, "--residents", str(residents_file),
               "--out", str(out), *map(str, args)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return json.loads(Path(out).read_text())


class Sampler(threading.Thread):
    """Every second: the waiting room's line (Redis), admissions, the machine's load average."""

    def __init__(self, redis_url):
        super().__init__(daemon=True)
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(1.0):
            issued, head = (int(v or 0) for v in self.redis.mget(PREFIX + "issued", PREFIX + "head"))
            self.samples.append(
                {
                    "epoch": time.time(),
                    "admitted": self.redis.zcard(PREFIX + "admitted"),
                    "waiting": max(0, issued - head) + self.redis.scard(PREFIX + "cohort"),
                    "head": head,
                    "load": os.getloadavg()[0],
                }
            )

    def stop(self):
        self.stopped.set()
        self.join()


def set_room(redis_url, *, capacity, opens_at):
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
    client.mset({PREFIX + "capacity": capacity, PREFIX + "opens_at": int(opens_at)})


def baselines(args, stack, residents_file, directory):
    set_room(stack.portal.env["REDIS_URL"], capacity=0, opens_at=0)
    common = ["--users", args.baseline_users, "--spawn-seconds", 2, "--seconds", args.baseline_seconds]
    results = {}
    for name, path, signed_in in (
        ("healthz", "/healthz", False),
        ("chrome", "/accessibilita/", True),
        ("overview", "/area-personale/", True),
    ):
        extra = ["--signed-in"] if signed_in else []
        results[name] = locust(stack.url, residents_file, directory / f"baseline-{name}.json",
                               "--constant", path, *common, *extra)  # fmt: skip
    return results


def spike(args, stack, residents_file, directory):
    redis_url = stack.portal.env["REDIS_URL"]
    set_room(redis_url, capacity=0, opens_at=0)
    sampler = Sampler(redis_url)
    sampler.start()
    room = f"{redis_url},{PREFIX},{args.capacity},{args.opens_after}"
    try:
        results = locust(stack.url, residents_file, directory / "spike.json", "--users", args.residents,
                         "--spawn-seconds", args.spawn_seconds, "--room", room)  # fmt: skip
    finally:
        sampler.stop()
    results["opens_at_offset"] = args.opens_after
    # Seconds since the first arrival (samples before it, while Locust started, are dropped).
    samples = [{**s, "t": round(s["epoch"] - results["arrivals_started"], 1)} for s in sampler.samples]
    results["samples"] = [s for s in samples if s["t"] >= 0]
    results["delivery"] = delivery(results["certificates"], args.delivery_timeout)
    return results


def delivery(certificates, timeout):
    """Wait until every certificate requested in the spike is READY; how many, and how long it took."""
    from registry.certificates.models import Certificate
    from registry.certificates.states import Status

    ids = [pk for _code, pk in certificates]
    started = time.monotonic()
    ready = 0
    while time.monotonic() - started < timeout:
        ready = Certificate.objects.filter(pk__in=ids, status=Status.READY).count()
        if ready == len(ids):
            break
        time.sleep(2)
    return {"requested": len(ids), "ready": ready, "waited": time.monotonic() - started}


def shedding(args, env, directory, static_root, residents_file):
    from benchmarks.locust.stack import Stack

    shed_dir = directory / "shedding"
    shed_dir.mkdir()
    senv = server_env(
        env, shed_dir, static_root, SHEDDING_MAX_IN_FLIGHT=str(args.shed_limit), threads=args.shed_threads
    )
    saturation = args.workers * args.shed_limit
    with Stack(shed_dir, senv, workers=args.workers, threads=args.shed_threads, celery_concurrency=1,
               connections=4096) as stack:  # fmt: skip
        set_room(senv["REDIS_URL"], capacity=0, opens_at=0)
        probe = ["--constant", "/area-personale/", "--signed-in", "--spawn-seconds", 1]
        before = locust(stack.url, residents_file, shed_dir / "before.json", *probe, "--users", 2, "--seconds",
                        args.baseline_seconds)  # fmt: skip
        overload = locust(stack.url, residents_file, shed_dir / "overload.json", *probe, "--users", 3 * saturation,
                          "--seconds", args.shed_seconds)  # fmt: skip
        ended = time.monotonic()
        after = []
        baseline_p95 = before["categories"]["constant"]["p95"]
        while time.monotonic() - ended < 60:
            run = locust(stack.url, residents_file, shed_dir / f"after-{len(after)}.json", *probe, "--users", 2,
                         "--seconds", 5)  # fmt: skip
            after.append({"t": time.monotonic() - ended, "p95": run["categories"].get("constant", {}).get("p95")})
            if after[-1]["p95"] is not None and after[-1]["p95"] <= 1.25 * baseline_p95:
                break
    return {"saturation": saturation, "before": before, "overload": overload, "after": after}


# --- Reporting -------------------------------------------------------------------------------------


def chart_svg(samples, opens_at, capacity, width=760, height=300):
    """The line's length and the admitted count over time (left axis), admissions per second (right)."""
    if not samples:
        return "<svg xmlns='http://www.w3.org/2000/svg'/>"
    left, right, top, bottom = 60, 60, 30, 40
    w, h = width - left - right, height - top - bottom
    t_max = max(s["t"] for s in samples) or 1
    y_max = max(max(s["waiting"] for s in samples), max(s["admitted"] for s in samples), capacity, 1)
    rates = [0] + [max(0, b["head"] - a["head"]) / max(b["t"] - a["t"], 0.1) for a, b in itertools.pairwise(samples)]
    r_max = max(max(rates), 1)

    def x(t):
        return left + w * t / t_max

    def line(values, scale, color, dash=""):
        points = " ".join(
            f"{x(s['t']):.1f},{top + h - h * v / scale:.1f}" for s, v in zip(samples, values, strict=True)
        )
        return f'<polyline fill="none" stroke="{color}" stroke-width="2" {dash} points="{points}"/>'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">',
        "<title id='title'>Click day: residents waiting, admitted at once, and admitted per second</title>",
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="white" stroke="#999"/>',
        line([s["waiting"] for s in samples], y_max, "#c0392b"),
        line([s["admitted"] for s in samples], y_max, "#0066cc"),
        line(rates, r_max, "#2e7d32", 'stroke-dasharray="4 3"'),
        f'<line x1="{x(opens_at):.1f}" x2="{x(opens_at):.1f}" y1="{top}" y2="{top + h}" stroke="#555" '
        'stroke-dasharray="2 2"/>',
        f'<text x="{x(opens_at) + 4:.1f}" y="{top + 14}">opening</text>',
        f'<text x="{left - 8}" y="{top + 4}" text-anchor="end">{y_max}</text>',
        f'<text x="{left - 8}" y="{top + h}" text-anchor="end">0</text>',
        f'<text x="{left + w + 8}" y="{top + 4}">{r_max:.0f}/s</text>',
        f'<text x="{left + w / 2}" y="{height - 8}" text-anchor="middle">'
        f"seconds since the first arrival ({t_max:.0f} s)</text>",
        f'<text x="{left}" y="18" fill="#c0392b">waiting in line</text>',
        f'<text x="{left + 130}" y="18" fill="#0066cc">admitted at once (capacity {capacity})</text>',
        f'<text x="{left + 380}" y="18" fill="#2e7d32">admitted per second (right axis)</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def ms(value):
    return "—" if value is None else f"{value:,.0f} ms"


def verdict(ok):
    return "met" if ok else "**not met**"


def admission_rates(samples):
    """Admissions per second while residents were waiting, and how many at once were admitted then."""
    busy = [(a, b) for a, b in itertools.pairwise(samples) if b["waiting"] > 0 and b["t"] > a["t"]]
    if not busy:
        return None
    rates = [(b["head"] - a["head"]) / (b["t"] - a["t"]) for a, b in busy]
    return {
        "mean_rate": sum(rates) / len(rates),
        "admitted_min": min(b["admitted"] for _a, b in busy),
        "admitted_max": max(b["admitted"] for _a, b in busy),
        "seconds": len(busy),
    }


def report(args, base, spike_results, shed, started, finished):
    lines = [START, ""]
    lines.append(
        f"Run of {started:%d %B %Y, %H:%M}–{finished:%H:%M} UTC;"
        f" `{' '.join(['benchmarks/clickday.py', *sys.argv[1:]])}`;"
        f" gunicorn {args.workers} processes × {args.threads} threads behind nginx (TLS), {args.celery} Celery worker"
        f" processes, PostgreSQL and Redis on the same 2 cores as the load generator (Locust, one process)."
    )
    loads = [s["load"] for s in spike_results["samples"]]
    if loads:
        lines.append(
            f"Load average during the spike: {min(loads):.1f}–{max(loads):.1f} (mean {sum(loads) / len(loads):.1f});"
            " the machine was shared with other engineers' test runs."
        )
    lines += ["", "**Baselines** (closed loop, no waiting room, same stack, same run):", ""]
    lines += ["| Page | Clients | Requests/s | p50 | p95 | p99 | Errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, label in (("healthz", "`/healthz`"), ("chrome", "chrome-only page (`/accessibilita/`, signed in)"),
                        ("overview", "dossier overview (`/area-personale/`, signed in)")):  # fmt: skip
        result = base[name]
        cat = result["categories"].get("constant", {})
        errors = sum(result["errors"].values())
        lines.append(f"| {label} | {args.baseline_users} | {result['rps']:.0f} | {ms(cat.get('p50'))} |"
                     f" {ms(cat.get('p95'))} | {ms(cat.get('p99'))} | {errors} |")  # fmt: skip
    ratio = base["overview"]["rps"] / base["chrome"]["rps"] if base["chrome"]["rps"] else 0
    lines += [
        "",
        f"**Ratio dossier overview / chrome-only page: {ratio:.0%}** (target ≥ 50 %: {verdict(ratio >= 0.5)}).",
        "",
    ]

    s = spike_results
    cats = s["categories"]
    admitted, room = cats.get("admitted", {}), cats.get("waiting room", {})
    room_queries = s["queries"].get("waiting room", {"responses": 0, "total": 0})
    leaks = len(s["leaks"])
    unhandled = sum(v for k, v in s["errors"].items() if k.startswith(("HTTP 5xx", "connection")))
    delivered = s["delivery"]
    rates = admission_rates(s["samples"])
    lines += [f"**Spike**: {args.residents:,} residents arriving evenly over {args.spawn_seconds:.0f} s, waiting room"
              f" of capacity {args.capacity} (window {args.window} s), opening {s['opens_at_offset']:.0f} s after the"
              f" first arrival. {s['journeys']['finished']:,} journeys ended in {s['duration']:.0f} s;"
              f" {s['requests']:,} requests, {s['rps']:.0f}/s.", ""]  # fmt: skip
    lines += ["| Target | Measured | |", "|---|---|---|"]
    lines.append(f"| 0 unhandled errors | {unhandled} | {verdict(unhandled == 0)} |")
    lines.append(f"| admitted requests p95 < 800 ms | {ms(admitted.get('p95'))} (p50 {ms(admitted.get('p50'))},"
                 f" p99 {ms(admitted.get('p99'))}, {admitted.get('n', 0):,} requests) |"
                 f" {verdict((admitted.get('p95') or 1e9) < 800)} |")  # fmt: skip
    lines.append(f"| waiting room p99 < 100 ms | {ms(room.get('p99'))} (p50 {ms(room.get('p50'))},"
                 f" {room.get('n', 0):,} pages and polls) | {verdict((room.get('p99') or 0) < 100)} |")  # fmt: skip
    lines.append(f"| waiting room: 0 SQL queries | {room_queries['total']} in {room_queries['responses']:,} responses"
                 f" (`X-Bench-Queries`) | {verdict(room_queries['total'] == 0)} |")  # fmt: skip
    lines.append(f"| 0 leaks | {leaks} | {verdict(leaks == 0)} |")
    lines.append(
        f"| every certificate delivered | {delivered['ready']} of {delivered['requested']} ready"
        f" {delivered['waited']:.0f} s after the spike | {verdict(delivered['ready'] == delivered['requested'])} |"
    )
    if rates:
        held = rates["admitted_max"] <= args.capacity * 1.1 and rates["admitted_min"] >= args.capacity * 0.9
        lines.append(f"| admission within ±10 % of the configured capacity | {rates['admitted_min']}–"
                     f"{rates['admitted_max']} admitted at once while residents waited ({rates['seconds']} s);"
                     f" {rates['mean_rate']:.1f} admissions/s | {verdict(held)} |")  # fmt: skip
    lines += ["", f"Waiting room: {s['waited']:,} residents waited ({s['before_opening']:,} arrived before the"
              f" opening); wait p50 {s['waits'].get('p50', 0):.0f} s, p95 {s['waits'].get('p95', 0):.0f} s, max"
              f" {s['waits'].get('max', 0):.0f} s; first position shown p50 {s['positions'].get('p50', 0):.0f},"
              f" max {s['positions'].get('max', 0):.0f}. Payments: {s['payments'] or 'none'}.", ""]  # fmt: skip
    lines += ["Errors by kind: " + (", ".join(f"{k}: {v}" for k, v in sorted(s["errors"].items())) or "none") + ".", ""]
    lines += ["| Route | Requests | Requests/s | Failures | p50 | p95 | p99 | Max |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, r in sorted(s["routes"].items(), key=lambda item: -item[1]["requests"]):
        lines.append(f"| `{name}` | {r['requests']:,} | {r['rps']:.1f} | {r['failures']} | {ms(r['p50'])} |"
                     f" {ms(r['p95'])} | {ms(r['p99'])} | {ms(r['max'])} |")  # fmt: skip
    lines += ["", "![Residents waiting, admitted at once and admitted per second](benchmarks-clickday.svg)", ""]

    if shed:
        o = shed["overload"]
        refused = o["categories"].get("refused", {"n": 0})
        accepted = o["categories"].get("constant", {"n": 0})
        refusals_5xx = sum(v for k, v in o["errors"].items() if k.startswith("HTTP 5xx"))
        fast = refused.get("n", 0) and refused.get("p99", 1e9) <= 50
        recovered = next((a["t"] for a in shed["after"] if a["p95"] is not None
                          and a["p95"] <= 1.25 * shed["before"]["categories"]["constant"]["p95"]), None)  # fmt: skip
        lines += [f"**Shedding**: `SHEDDING_MAX_IN_FLIGHT={args.shed_limit}` per process, {args.workers} processes ×"
                  f" {args.shed_threads} threads (saturation: {shed['saturation']} requests in flight);"
                  f" {3 * shed['saturation']} signed-in clients asking for the overview without pause for"
                  f" {args.shed_seconds:.0f} s.", ""]  # fmt: skip
        lines += ["| Target | Measured | |", "|---|---|---|"]
        lines.append(
            f"| ≥ 99 % of refusals are 503 + `Retry-After` within 50 ms | {refused.get('n', 0):,} refusals,"
            f" p99 {ms(refused.get('p99'))}; other 5xx: {refusals_5xx} | {verdict(bool(fast) and refusals_5xx == 0)} |"
        )
        lines.append(
            f"| no accepted request waits > 10 s | {accepted.get('n', 0):,} accepted, max {ms(accepted.get('max'))},"
            f" p95 {ms(accepted.get('p95'))} | {verdict((accepted.get('max') or 0) <= 10_000)} |"
        )
        lines.append(
            f"| p95 back to baseline ({ms(shed['before']['categories']['constant']['p95'])}) within 60 s |"
            f" {f'after {recovered:.0f} s' if recovered is not None else 'not within 60 s'}"
            f" ({', '.join(ms(a['p95']) for a in shed['after'])}) | {verdict(recovered is not None)} |"
        )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_docs(section, samples, opens_at, capacity):
    CHART.write_text(chart_svg(samples, opens_at, capacity) + "\n")
    text = DOCS.read_text()
    if START in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


def main(argv=None):
    args = parse(argv)
    started = datetime.now(UTC)
    env = bench_environment()
    ensure_seal(env)
    OUT.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="clickday-", dir=OUT))
    from benchmarks.locust.stack import Stack
    from tests.throwaway import PrivateRedis

    # A Redis of the run's own: nobody else's test flushes it, and its figures are the run's alone.
    (directory / "redis").mkdir()
    redis_server = PrivateRedis(directory / "redis").start()
    env["REDIS_URL"] = env["CELERY_BROKER_URL"] = redis_server.url()
    try:
        residents_file = prepare(args, env, directory)
        static_root = static_files()
        senv = server_env(env, directory, static_root, ADMISSION_WINDOW_SECONDS=str(args.window), threads=args.threads)
        connections = args.residents * 2 + 1024
        with Stack(directory, senv, workers=args.workers, threads=args.threads, celery_concurrency=args.celery,
                   connections=connections) as stack:  # fmt: skip
            base = baselines(args, stack, residents_file, directory)
            spike_results = spike(args, stack, residents_file, directory)
        shed = None if args.skip_shedding else shedding(args, env, directory, static_root, residents_file)
    finally:
        from django.db import connections

        connections.close_all()
        ScratchDatabase(env["DATABASE_URL"].rpartition("/")[2]).drop()
        redis_server.stop()
        shutil.rmtree(env["PRIVATE_STORAGE_ROOT"], ignore_errors=True)
    finished = datetime.now(UTC)
    section = report(args, base, spike_results, shed, started, finished)
    (directory / "report.md").write_text(section)
    results = {"baselines": base, "spike": spike_results, "shedding": shed}
    (directory / "results.json").write_text(json.dumps(results))
    print(section)
    if not args.no_docs:
        write_docs(section, spike_results["samples"], spike_results["opens_at_offset"], args.capacity)
    print(f"results in {directory}")


if __name__ == "__main__":
    main()
