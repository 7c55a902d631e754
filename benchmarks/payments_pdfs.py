"""Payments: the receipt download and the payments page, with the PDF rendered in the request (before)
and served from storage (after, the PDF workers' file), measured in one run as a ratio.

Both modes go through the same Django stack in this process (middleware, session, selectors):

- ``in-request``: the receipt view as it was before PDFs moved to the workers (render with WeasyPrint
  inside the request; not even sealed);
- ``storage``: today's view, streaming the sealed PDF a worker stored once.

It reports the median and p95 of (a) the receipt download alone and (b) the payments page while
four other threads keep downloading receipts (one gunicorn gthread worker's view: the threads share
one process and its GIL, so in-request renders slow every page the process serves).

Production-like: DEBUG off, PostgreSQL, Redis, a configured seal. It uses a throwaway database
(``<name>_bench`` on the server of ``DATABASE_URL``) and a temporary private storage directory.

    DATABASE_URL=… REDIS_URL=… .venv/bin/python benchmarks/payments_pdfs.py [--samples 40]
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.certificates import bench_environment, ensure_seal, percentile, recreate_database  # noqa: E402


def old_receipt_view(request, pk):
    """The receipt download as it was before this change: rendered in the request."""
    from django.http import Http404, HttpResponse

    from fascicolo.identity.services import fiscal_code_for_user
    from payments import selectors
    from payments.pdf import receipt_pdf

    receipt = selectors.receipt_for(fiscal_code_for_user(request.user), pk)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf(receipt, request.LANGUAGE_CODE), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ricevuta-{receipt.receipt_id}.pdf"'
    return response


def timed(function, samples):
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def summary(durations):
    return f"median {statistics.median(durations):.1f} ms, p95 {percentile(durations, 0.95):.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    env = bench_environment()
    env["ALLOWED_HOSTS"] = "testserver"
    env["SECURE_SSL_REDIRECT"] = "0"
    env["DATABASE_POOL_MAX"] = "16"  # five threads, each with its connection
    ensure_seal(env)
    os.environ.update(env)
    recreate_database(env["DATABASE_URL"])
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.db import transaction
    from django.test import Client
    from django.urls import include, path, reverse
    from django.utils import timezone

    from fascicolo.documents import warm_up
    from payments import documents
    from payments.attempts import record_receipt
    from payments.gateways.base import ReceiptData
    from tests.helpers import login_resident
    from tests.payments.factories import RESIDENT_A, make_position

    # The project's URLs plus the old view, under this module as the URLconf.
    global urlpatterns
    urlpatterns = [path("before/ricevute/<int:pk>/", old_receipt_view), path("", include("fascicolo.urls"))]
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    # Static URLs without a collectstatic manifest: the pages' templates only name the files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    position = make_position(amount_cents=30_000)
    option = position.options.get()
    with transaction.atomic():
        receipt = record_receipt(
            option, ReceiptData("IURBENCH1", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
        )
    documents.render_receipt(receipt.pk)  # what the PDF worker does once
    warm_up()

    client = Client()
    login_resident(client, RESIDENT_A)
    after_url = reverse("payments:receipt_pdf", args=[receipt.pk])
    before_url = f"/before/ricevute/{receipt.pk}/"
    page_url = reverse("payments:index")
    for url in (after_url, before_url, page_url):  # warm
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        b"".join(response.streaming_content) if response.streaming else response.content

    def download(url, each_client=client):
        response = each_client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)

    results = {}
    for mode, url in (("in-request", before_url), ("storage", after_url)):
        results[(mode, "receipt")] = timed(lambda url=url: download(url), args.samples)
        stop = threading.Event()

        def background(url=url, stop=stop):
            from django.db import connection

            other = Client()
            login_resident(other, RESIDENT_A)
            try:
                while not stop.is_set():
                    download(url, other)
            finally:
                connection.close()

        threads = [threading.Thread(target=background, daemon=True) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        results[(mode, "page")] = timed(lambda: client.get(page_url), args.samples)
        stop.set()
        for thread in threads:
            thread.join()

    print(f"samples per figure: {args.samples}")
    for what, label in (("receipt", "receipt download"), ("page", "payments page, 4 threads downloading receipts")):
        before, after = results[("in-request", what)], results[("storage", what)]
        ratio = statistics.median(before) / statistics.median(after)
        print(f"{label}: in-request {summary(before)}; storage {summary(after)}; ratio {ratio:.1f}x")


urlpatterns = []

if __name__ == "__main__":
    main()
