"""Benchmark: a 100,000-line TARI roll saved "the Italian Excel way" imports like its clean twin.

    .venv/bin/python benchmarks/tari_roll.py                 # 100,000 lines
    .venv/bin/python benchmarks/tari_roll.py --lines 10000

Writes two files with the same households: the clean one (comma, decimal point, ISO dates, LF) and
its twin as Italian Excel saves "CSV UTF-8" (semicolon, ``1.230,50``, ``31/03/2027``, spaces after
the separators in the header, a BOM, CRLF, the ``;;;;`` row a spreadsheet leaves at the end). Imports
the clean one for one year and the twin for the next into a scratch database on the PostgreSQL
server of ``BENCH_DATABASE_URL`` (default: the local server), then compares, in SQL, every position,
option and transfer of the two years (IUPD without the year, debtor, amounts, due dates, transfer
amounts and beneficiaries). Prints both import times and whether the results are identical; exits 1
if they are not. Figures go to docs/benchmarks.md.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import ScratchDatabase  # noqa: E402  (benchmarks/, beside this script)

SCRATCH = ScratchDatabase("fascicolo_bench_tari")
DEBTORS = [("F", "BNCNNA85C52F205J"), ("F", "VRDLCU79L05F205G"), ("G", "01199250158"), ("G", "08911820960")]
FIELDS = ["roll_id", "debtor_type", "fiscal_code", "name", "address", "tari", "tefa", "installments", "first_due_date"]


def setup_django():
    os.environ["DATABASE_URL"] = SCRATCH.url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fascicolo.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def amount(cents, italian):
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}" if italian else f"{euros}.{rest:02d}"


def roll(lines, italian):
    """The file's bytes: clean, or saved the Italian Excel way."""
    sep, newline = (";", "\r\n") if italian else (",", "\n")
    first_due = date.today() + timedelta(days=60)
    out = [(sep + " ").join(FIELDS) if italian else sep.join(FIELDS)]
    for n in range(lines):
        kind, code = DEBTORS[n % len(DEBTORS)]
        due = first_due + timedelta(days=n % 90)
        out.append(
            sep.join(
                [
                    f"R{n:07d}",
                    kind,
                    code,
                    f"Debitore {n}",
                    f'"Via Roma {n}, Milano"',
                    amount(1_000 + n * 137 % 250_000, italian),
                    amount(n * 7 % 5_000, italian),
                    str((0, 2, 4, 12)[n % 4]),
                    due.strftime("%d/%m/%Y") if italian else due.isoformat(),
                ]
            )
        )
    if italian:
        out.append(sep * (len(FIELDS) - 1))
    text = newline.join(out) + newline
    return ("\ufeff" + text).encode() if italian else text.encode()


PROJECTION = """
    SELECT split_part(p.iupd, '-', 4), p.debtor_type, p.debtor_fiscal_code, p.debtor_name, p.debtor_address,
           o.installment_number, o.due_date, o.amount_cents, t.index, t.amount_cents, t.beneficiary_fiscal_code, t.iban
    FROM payments_debtposition AS p
    JOIN payments_paymentoption AS o ON o.position_id = p.id
    JOIN payments_transfer AS t ON t.option_id = o.id
    WHERE p.iupd LIKE %s
"""


def differences(clean_year, twin_year):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (({PROJECTION}) EXCEPT ({PROJECTION})) AS a",
            [f"%-TARI-{clean_year}-%", f"%-TARI-{twin_year}-%"],
        )
        missing = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT count(*) FROM (({PROJECTION}) EXCEPT ({PROJECTION})) AS a",
            [f"%-TARI-{twin_year}-%", f"%-TARI-{clean_year}-%"],
        )
        return missing + cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()

    SCRATCH.recreate()
    try:
        setup_django()
        from payments.tari import import_roll

        clean, twin = roll(args.lines, italian=False), roll(args.lines, italian=True)
        timings, reports = {}, {}
        for name, data, year in (("clean", clean, 2026), ("italian", twin, 2027)):
            started = time.perf_counter()
            reports[name] = import_roll(data, year, strict=True)
            timings[name] = time.perf_counter() - started
            report = reports[name]
            print(
                f"{name:8} {len(data) / 1e6:6.1f} MB: {report.created:,} positions, {len(report.errors)} bad lines "
                f"in {timings[name]:.1f} s ({args.lines / timings[name]:,.0f} lines/s)"
            )
        diff = differences(2026, 2027)
        same = diff == 0 and reports["clean"].created == reports["italian"].created == args.lines
        verdict = "SAME" if same else "DIFFERENT"
        print(f"rows (position, option, transfer) differing between the twins: {diff} -> {verdict}")
        return 0 if same else 1
    finally:
        SCRATCH.drop()


if __name__ == "__main__":
    sys.exit(main())
