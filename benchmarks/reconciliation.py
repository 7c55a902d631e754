"""Benchmark: reconcile a year of Milan's pagoPA payments (550,000 receipts) against a bare SQL join.

    .venv/bin/python benchmarks/reconciliation.py                  # 550,000 receipts
    .venv/bin/python benchmarks/reconciliation.py --receipts 50000

Creates a scratch database on the PostgreSQL server of ``BENCH_DATABASE_URL`` (default: the local
server), migrates it, and generates with set-based SQL: positions, options, transfers (one in five
is TARI with a TEFA transfer to the province), receipts, and the PSPs' reporting flows (one per PSP
per day) with seeded anomalies — 0.1% of lines with a wrong amount, 0.1% without a receipt, 0.1%
reported twice, 0.1% of receipts never reported. The deferred transfer-sum trigger is off while
generating (``session_replication_role = replica``): the sums hold by construction.

Then, in the same run, it times
- the baseline: a bare SQL join of the flow lines with receipts and receipt transfers on
  (IUV, IUR, transfer index), counting matches (run before and after; the mean is used);
- the real code: ``payments.reconciliation.reconcile()`` — matching, REPORTED transfers, options and
  positions, and the anomalies;
checks that exactly the seeded anomalies were found, prints the figures and drops the database.
Targets: under 60 s, and at most 3x the baseline. Figures go to docs/benchmarks.md.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import ScratchDatabase  # noqa: E402  (benchmarks/, beside this script)

SCRATCH = ScratchDatabase("fascicolo_bench_payments")
PSPS, DAYS = 5, 365


def setup_django():
    os.environ["DATABASE_URL"] = SCRATCH.url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fascicolo.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


IUV = "'01' || lpad(g::text, 13, '0') || lpad((('301' || lpad(g::text, 13, '0'))::numeric % 93)::text, 2, '0')"
GENERATE = [
    """INSERT INTO payments_debtposition (id, iupd, debtor_type, debtor_fiscal_code, debtor_name, debtor_email,
        debtor_address, category, subject, status, switch_to_expired, publish_date, payment_date, created_at,
        updated_at)
        SELECT g, 'BENCH-' || g, 'F', 'BNCNNA85C52F205J', 'Resident ' || g, '', '',
               CASE WHEN g % 5 = 0 THEN 'TARI' ELSE 'OTHER' END, 'Benchmark', 'PAID', false, now(), now(), now(), now()
        FROM generate_series(1, %(n)s) AS g""",
    f"""INSERT INTO payments_paymentoption (id, position_id, installment_number, iuv, notice_number, amount_cents,
        due_date, description, status)
        SELECT g, g, 0, {IUV}, '3' || {IUV}, 1000 + (g % 20000), current_date + 30, 'Benchmark', 'PAID'
        FROM generate_series(1, %(n)s) AS g""",
    """INSERT INTO payments_transfer (option_id, index, amount_cents, beneficiary_fiscal_code, iban, stamp_hash,
        stamp_type, stamp_province, category, remittance, metadata, status)
        SELECT g, 1, CASE WHEN g % 5 = 0 THEN 1000 + (g % 20000) - 50 ELSE 1000 + (g % 20000) END, '01199250158',
               'IT60X0542811101000000123456', '', '', '', '9/0101101IM/', 'Benchmark', '{}'::jsonb, 'UNREPORTED'
        FROM generate_series(1, %(n)s) AS g
        UNION ALL
        SELECT g, 2, 50, '08911820960', 'IT57Y0306909606100000046051', '', '', '', '9/0101101IM/', 'TEFA', '{}'::jsonb,
               'UNREPORTED'
        FROM generate_series(5, %(n)s, 5) AS g""",
    f"""INSERT INTO payments_receipt (id, receipt_id, option_id, iuv, notice_number, outcome, amount_cents, psp_id,
        psp_name, payment_datetime, payload, created_at)
        SELECT g, 'IUR' || g, g, {IUV}, '3' || {IUV}, 'OK', 1000 + (g % 20000), 'PSP' || (g % {PSPS}), 'PSP',
               timestamptz '2025-01-01 10:00+00' + (g % {DAYS}) * interval '1 day', '{{}}', now()
        FROM generate_series(1, %(n)s) AS g""",
    """INSERT INTO payments_receipttransfer (receipt_id, transfer_id, index, amount_cents)
        SELECT t.option_id, t.id, t.index, t.amount_cents FROM payments_transfer AS t""",
    f"""INSERT INTO payments_reportingflow (flow_id, flow_datetime, psp_id, regulation_id, regulation_date,
        total_payments, total_amount_cents, source, imported_at)
        SELECT to_char(date '2025-01-02' + d, 'YYYY-MM-DD') || 'PSP' || p || '-'
               || lpad((d * {PSPS} + p)::text, 10, '0'),
               timestamptz '2025-01-03 12:00+00' + d * interval '1 day', 'PSP' || p, 'TRN' || d || p,
               date '2025-01-02' + d, 0, 0, 'benchmark', now()
        FROM generate_series(0, {DAYS - 1}) AS d, generate_series(0, {PSPS - 1}) AS p""",
    # One line per receipt transfer, except receipts never reported (g % 1000 = 7); a wrong amount on
    # g % 1000 = 3; plus a line without receipt (g % 1000 = 5) and a second copy (g % 1000 = 9).
    f"""CREATE TEMP TABLE bench_lines AS
        SELECT rt.receipt_id AS g, r.iuv, r.receipt_id AS iur, rt.index AS transfer_index,
               rt.amount_cents + CASE WHEN rt.receipt_id % 1000 = 3 AND rt.index = 1 THEN 1 ELSE 0 END AS amount_cents
        FROM payments_receipttransfer AS rt JOIN payments_receipt AS r ON r.id = rt.receipt_id
        WHERE rt.receipt_id % 1000 <> 7
        UNION ALL
        SELECT g, {IUV}, 'NORECEIPT' || g, 1, 1000 FROM generate_series(5, %(n)s, 1000) AS g
        UNION ALL
        SELECT r.id, r.iuv, r.receipt_id, 1, 1000 + (r.id % 20000) - CASE WHEN r.id % 5 = 0 THEN 50 ELSE 0 END
        FROM payments_receipt AS r WHERE r.id % 1000 = 9""",
    f"""INSERT INTO payments_reportingflowline (flow_id, line_number, iuv, iur, transfer_index, amount_cents,
        outcome_code, outcome_date, status)
        SELECT f.id, row_number() OVER (PARTITION BY f.id ORDER BY b.g, b.transfer_index, b.iur),
               b.iuv, b.iur, b.transfer_index, b.amount_cents, '0', f.regulation_date, 'NEW'
        FROM bench_lines AS b JOIN payments_reportingflow AS f
          ON f.psp_id = 'PSP' || (b.g % {PSPS}) AND f.regulation_date = date '2025-01-02' + (b.g % {DAYS})::int""",
    "SELECT setval(pg_get_serial_sequence('payments_debtposition', 'id'), %(n)s)",
    "SELECT setval(pg_get_serial_sequence('payments_paymentoption', 'id'), %(n)s)",
    "SELECT setval(pg_get_serial_sequence('payments_receipt', 'id'), %(n)s)",
]

BASELINE = """
    SELECT count(*), count(*) FILTER (WHERE rt.amount_cents = l.amount_cents)
    FROM payments_reportingflowline AS l
    JOIN payments_receipt AS r ON r.iuv = l.iuv AND r.receipt_id = l.iur
    JOIN payments_receipttransfer AS rt ON rt.receipt_id = r.id AND rt."index" = l.transfer_index
"""


def generate(n):
    with psycopg.connect(SCRATCH.url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")
        for sql in GENERATE:
            conn.execute(sql.replace("%(n)s", str(n)))
        conn.commit()
    with psycopg.connect(SCRATCH.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        return conn.execute("SELECT count(*) FROM payments_reportingflowline").fetchone()[0]


def time_baseline():
    with psycopg.connect(SCRATCH.url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(BASELINE).fetchone()
        return time.perf_counter() - started


def expected_anomalies(n):
    def count(residue):
        return len(range(residue, n + 1, 1000))

    return {
        "FLOW_AMOUNT": count(3),
        "LINE_NO_RECEIPT": count(5),
        "DUPLICATE_LINE": count(9),
        "NOT_REPORTED": count(7),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipts", type=int, default=550_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    SCRATCH.recreate()
    try:
        setup_django()
        started = time.perf_counter()
        lines = generate(args.receipts)
        print(f"generated {args.receipts:,} receipts and {lines:,} flow lines in {time.perf_counter() - started:.1f} s")

        from django.db.models import Count

        from payments.models import Anomaly
        from payments.reconciliation import reconcile

        before = time_baseline()
        started = time.perf_counter()
        counts = reconcile()
        elapsed = time.perf_counter() - started
        after = time_baseline()
        baseline = (before + after) / 2

        found = dict(Anomaly.objects.values_list("kind").annotate(n=Count("pk")))
        expected = expected_anomalies(args.receipts)
        print(f"reconcile(): {elapsed:.2f} s  {counts}")
        print(f"baseline join: {baseline:.2f} s (before {before:.2f} s, after {after:.2f} s)")
        print(f"ratio: {elapsed / baseline:.2f}x   anomalies found {found}  expected {expected}")
        if found != expected:
            print("ANOMALIES DIFFER FROM THE SEEDED ONES")
            return 1
        return 0 if elapsed < 60 and elapsed <= 3 * baseline else 2
    finally:
        if not args.keep:
            SCRATCH.drop()


if __name__ == "__main__":
    sys.exit(main())
