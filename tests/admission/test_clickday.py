"""A short click day in the suite: 60 residents in 15 s through a waiting room of 15, on the stack as
production serves it (gunicorn behind nginx, Celery workers, DEBUG off; benchmarks/locust/), every
response checked for other residents' canaries and for ``Cache-Control: private, no-store``.

The same journeys with the checks told the wrong resident must report leaks: the check can fail.
"""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from benchmarks.locust.canaries import export_residents
from benchmarks.locust.stack import Stack, stack_env
from registry.seeding import seed_municipality
from tests.production import ROOT, production_server_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.load]

RESIDENTS = 60


def locust(stack, residents_file, out, *args):
    command = [sys.executable, "-m", "benchmarks.locust.run", "--host", stack.url, "--residents",
               str(residents_file), "--out", str(out), "--timeout", "420", *map(str, args)]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture
def served_stack(tmp_path, production_static_root, settings):
    seed_municipality(int(RESIDENTS * 1.8) + 20, 11)
    call_command("seed_payments", "--limit", "200", verbosity=0)
    residents_file = tmp_path / "residents.json"
    assert export_residents(residents_file, limit=RESIDENTS) == RESIDENTS
    env = stack_env(
        production_server_env(tmp_path, production_static_root),
        ADMISSION_REDIS_PREFIX=settings.ADMISSION_REDIS_PREFIX,
        ADMISSION_WINDOW_SECONDS="4",
        DATABASE_POOL_MAX="8",
    )
    with Stack(tmp_path, env, workers=2, threads=6, celery_concurrency=1, connections=2048) as stack:
        yield stack, residents_file


def test_a_short_click_day_leaks_nothing_and_keeps_every_page_private(served_stack, tmp_path, settings):
    stack, residents_file = served_stack
    # 15 residents at once; the room opens 5 s after the first arrival.
    room = f"{settings.REDIS_URL},{settings.ADMISSION_REDIS_PREFIX},15,5"
    results = locust(stack, residents_file, tmp_path / "run.json", "--users", RESIDENTS, "--spawn-seconds", 15,
                     "--room", room)  # fmt: skip

    assert results["journeys"] == {"started": RESIDENTS, "finished": RESIDENTS}, results["error_examples"]
    assert results["leaks"] == []
    assert results["errors"] == {}, results["error_examples"]
    assert results["waited"] > 0, "the waiting room should have held some residents"
    assert results["queries"]["waiting room"]["total"] == 0
    assert results["categories"]["admitted"]["n"] >= RESIDENTS * 8


def test_the_checks_report_a_leak_when_a_page_shows_another_resident(served_stack, tmp_path):
    stack, residents_file = served_stack
    results = locust(stack, residents_file, tmp_path / "leak.json", "--users", 3, "--spawn-seconds", 1,
                     "--inject-leak", "--certificate-share", 0, "--payment-share", 0)  # fmt: skip

    assert results["errors"].get("leak", 0) > 0
    assert results["errors"].get("own canary missing", 0) > 0
    assert results["leaks"] and all(leak["found"] for leak in results["leaks"])
