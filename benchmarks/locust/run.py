"""Run residents' journeys (journeys.py) against a served portal with Locust as a library, headless,
and write what was measured as JSON.

    .venv/bin/python -m benchmarks.locust.run --host https://127.0.0.1:8443 --residents residents.json \\
        --users 200 --spawn-seconds 20 --out results.json [--inject-leak]
    .venv/bin/python -m benchmarks.locust.run --host … --residents … --constant /healthz --users 20 \\
        --seconds 15 --out healthz.json      # a closed-loop baseline: one path, as fast as answered

Journeys: ``--users`` residents arrive evenly over ``--spawn-seconds`` (Locust's spawn rate), each
does one journey and leaves; the run ends when every journey is over (or after ``--timeout``).
Constant mode (``--constant PATH``): ``--users`` clients, each signed in as its own resident when
``--signed-in`` (a real login through the demo provider first), request ``PATH`` again and again for
``--seconds``; used for the baselines (``/healthz``, the chrome-only page, the dossier overview) and
for the shedding test.

It runs in its own process because Locust patches the standard library for gevent.
"""

import argparse
import json
import sys
import time

import gevent

from benchmarks.certificates import percentile
from locust import constant, events, task
from locust.env import Environment

from . import canaries, journeys


def summarise(values):
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values),
    }


class ConstantResident(journeys.Resident):
    """A resident (signed in when asked) requesting one path again and again."""

    wait_time = constant(0)
    path = "/healthz"
    sign_in = False

    @task
    def journey(self):
        if self.sign_in and not self.signed_in:
            if self.resident is None:
                self._idle()
            try:
                self.login()
            except journeys.JourneyFailed:
                ConstantResident.failed += 1  # counted in the errors; this client sits the run out
                self._idle()
            ConstantResident.ready += 1
        while not ConstantResident.go:
            gevent.sleep(0.05)
        # No retry after a refusal: these clients keep the pressure on (the shedding test's 3×).
        with self.request("GET", self.path, category="constant"):
            pass

    ready = 0
    failed = 0
    go = False


def run(args):
    canary_set, residents = canaries.load(args.residents)
    journeys.CONFIG.update(
        canaries=canary_set,
        residents=residents,
        inject_leak=args.inject_leak,
        certificate_share=args.certificate_share,
        payment_share=args.payment_share,
    )
    journeys.reset(residents)
    user_class = journeys.Resident
    if args.constant:
        ConstantResident.path = args.constant
        ConstantResident.sign_in = args.signed_in
        user_class = ConstantResident
    env = Environment(user_classes=[user_class], host=args.host, events=events)
    runner = env.create_local_runner()
    spawn_rate = args.users / max(args.spawn_seconds, 0.001)
    arrivals = time.time()
    if args.room:
        open_room(args.room, arrivals)
    runner.start(args.users, spawn_rate=spawn_rate)
    started = time.monotonic()
    if args.constant:
        # Everyone signed in first (when asked), then the measured seconds, all clients at once.
        while ConstantResident.ready + ConstantResident.failed < (args.users if args.signed_in else 0):
            if time.monotonic() - started > args.timeout:
                break
            gevent.sleep(0.2)
        env.stats.reset_all()
        journeys.STATE.samples.clear()
        journeys.STATE.t0 = time.monotonic()
        measured = time.monotonic()
        ConstantResident.go = True
        gevent.sleep(args.seconds)
        ConstantResident.go = False
        duration = time.monotonic() - measured
    else:
        while journeys.STATE.finished < args.users and time.monotonic() - started < args.timeout:
            gevent.sleep(0.5)
        duration = time.monotonic() - started
    runner.quit()
    return {**collect(env, duration), "arrivals_started": arrivals}


def open_room(room, now):
    """``room``: ``REDIS_URL,PREFIX,CAPACITY,OPENS_AFTER`` — the waiting room's live capacity and an
    opening ``OPENS_AFTER`` seconds after the first arrival (0: open), set as the first resident
    arrives, so the pre-opening cohort is exactly the residents who arrive before it."""
    import redis

    redis_url, prefix, capacity, opens_after = room.split(",")
    client = redis.Redis.from_url(redis_url)
    opens_at = int(now + float(opens_after)) if float(opens_after) else 0
    client.mset({prefix + "capacity": int(capacity), prefix + "opens_at": opens_at})


def collect(env, duration):
    state = journeys.STATE
    routes = {}
    for (name, method), entry in env.stats.entries.items():
        if not entry.num_requests:
            continue
        routes[f"{method} {name}"] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.num_requests / duration,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": entry.max_response_time,
        }
    total = env.stats.total
    return {
        "duration": duration,
        "requests": total.num_requests,
        "rps": total.num_requests / duration if duration else 0,
        "routes": routes,
        "errors": dict(state.errors),
        "error_examples": state.error_examples,
        "leaks": state.leaks,
        "journeys": {"started": state.started, "finished": state.finished},
        "categories": {name: summarise(values) for name, values in state.samples.items()},
        "queries": {name: {"responses": len(q), "total": sum(q), "max": max(q)} for name, q in state.queries.items()},
        "waits": summarise([wait for wait, _position, _state in state.waits]),
        "positions": summarise([position for _wait, position, _state in state.waits]),
        "waited": len(state.waits),
        "before_opening": sum(1 for *_rest, first in state.waits if first == "before_opening"),
        "certificates": state.certificates,
        "payments": dict(state.payments),
        "timeline": {str(second): dict(counts) for second, counts in sorted(state.timeline.items())},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--residents", required=True, help="residents file (canaries.export_residents)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", required=True)
    parser.add_argument("--inject-leak", action="store_true", help="check each page against another resident")
    parser.add_argument("--certificate-share", type=float, default=0.3)
    parser.add_argument("--payment-share", type=float, default=0.2)
    parser.add_argument("--constant", help="closed-loop mode: request this path again and again")
    parser.add_argument("--signed-in", action="store_true", help="constant mode: each client signs in first")
    parser.add_argument("--seconds", type=float, default=15, help="constant mode: measured seconds")
    parser.add_argument("--room", help="REDIS_URL,PREFIX,CAPACITY,OPENS_AFTER: set the waiting room at the start")
    args = parser.parse_args(argv)
    results = run(args)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(results, out)
    print(json.dumps({key: results[key] for key in ("requests", "rps", "errors", "journeys")}), file=sys.stderr)


if __name__ == "__main__":
    main()
