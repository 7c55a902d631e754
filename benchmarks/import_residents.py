"""Benchmark: import Milan's 1.4 million residents, against a bare COPY of the same file.

    .venv/bin/python benchmarks/import_residents.py            # 1,400,000 rows
    .venv/bin/python benchmarks/import_residents.py --rows 100000

Generates a deterministic ANPR-style CSV (docs/import-format.md), creates a scratch database on the
PostgreSQL server of ``BENCH_DATABASE_URL`` (default: the local server), and in the same run times

- the baseline: a bare ``COPY ... FROM STDIN (FORMAT csv)`` of the file, streamed from this process,
  into an unindexed table of text columns (twice: before and after the import, the mean is used);
- the real importer (``registry.importer.import_residents``) into the migrated, empty registry.

Prints rows/s for both and the ratio; the scratch database is dropped at the end. Target: the import
takes at most twice as long as the bare COPY. Figures go to docs/benchmarks.md.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import ScratchDatabase  # noqa: E402  (benchmarks/, beside this script)

SCRATCH = ScratchDatabase("fascicolo_bench_import")


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fascicolo.settings"
    import django

    django.setup()


# --- The file ------------------------------------------------------------------------------------


def generate_file(path, rows, seed):
    """Write ``rows`` residents in households of one to five people; same rows and seed, same file."""
    from faker.providers.person.it_IT import Provider as ItalianNames

    from registry.importer import COLUMNS
    from registry.seeding import ITALIAN_PLACES, NATIONALITIES, STREETS, fiscal_code, unique_fiscal_code

    rng = random.Random(seed)
    male, female, surnames = ItalianNames.first_names_male, ItalianNames.first_names_female, ItalianNames.last_names
    taken = set()
    epoch = date(1930, 1, 1)

    def day(start, end):
        return start + timedelta(days=rng.randrange(max(1, (end - start).days)))

    written = 0
    household_no = 0
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(COLUMNS)
        batch = []
        while written < rows:
            household_no += 1
            size = min(rows - written, rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5)))
            foreign = NATIONALITIES[household_no % len(NATIONALITIES)] if rng.random() < 0.14 else None
            family_name = rng.choice(foreign.family_names if foreign else surnames)
            toponym, street, postal_code = rng.choice(STREETS)
            address = [toponym, street, str(rng.randint(1, 250)), "", "", str(rng.randint(1, 40)), postal_code]
            formed = day(date(1975, 1, 1), date(2025, 6, 1))
            head_birth = day(epoch, min(formed - timedelta(days=18 * 366), date(2005, 1, 1)))
            for member in range(size):
                if member == 0:
                    relationship, birth, sex = "1", head_birth, rng.choice("MF")
                elif member == 1 and size > 1:
                    relationship, sex = "2", "F" if rng.random() < 0.9 else "M"
                    birth = day(head_birth - timedelta(days=2000), head_birth + timedelta(days=2000))
                else:
                    relationship, sex = "3", rng.choice("MF")
                    birth = day(max(formed, head_birth + timedelta(days=20 * 365)), date(2025, 12, 1))
                birth = min(max(birth, epoch), date(2025, 12, 1))
                given = rng.choice(
                    (foreign.male_names if sex == "M" else foreign.female_names)
                    if foreign
                    else (male if sex == "M" else female)
                )
                surname = family_name if relationship != "2" else rng.choice(surnames)
                if foreign and member < 2:
                    place = foreign.place
                elif rng.random() < 0.7 or birth > formed:
                    place = None  # the municipality
                else:
                    place = rng.choice(ITALIAN_PLACES)
                code, name, province, country = (
                    ("F205", "Milano", "MI", "IT")
                    if place is None
                    else (place.code, place.name, place.province, place.country)
                )
                cf = unique_fiscal_code(fiscal_code(surname, given, sex, birth, code), taken)
                started = max(formed, birth)
                born_here = place is None and started == birth
                citizenship = foreign.place.country if foreign else "IT"
                batch.append(
                    [
                        cf, surname, given, sex, birth.isoformat(), name, code, province, country, citizenship,
                        "2" if relationship in ("1", "2") and size > 1 else "1",
                        formed.isoformat() if relationship in ("1", "2") and size > 1 else "",
                        "", f"F{household_no:09d}", "F", "", "", relationship, started.isoformat(), *address,
                        "N" if born_here else "I", started.isoformat(), "" if born_here else name,
                        "" if born_here else code, "", "",
                    ]
                )  # fmt: skip
                written += 1
            if len(batch) >= 10_000:
                writer.writerows(batch)
                batch = []
        writer.writerows(batch)
    return household_no


# --- The two timings -----------------------------------------------------------------------------


def time_bare_copy(path):
    """A bare COPY of the file, streamed from this process, into an unindexed table of text columns."""
    from registry.importer import COLUMNS

    with psycopg.connect(SCRATCH.url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_copy")
        conn.execute(f"CREATE TABLE bare_copy ({', '.join(f'{c} text' for c in COLUMNS)})")
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            path.open("rb") as source,
            cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bare_copy")
    return elapsed


def time_import(path, reject_path):
    from django.db import connection

    from registry.importer import import_residents

    started = time.perf_counter()
    result = import_residents(path, reject_path)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-file", action="store_true", help="keep the generated CSV")
    args = parser.parse_args()

    SCRATCH.recreate()
    setup_django(SCRATCH.url)
    from django.core.management import call_command

    try:
        call_command("migrate", "registry", verbosity=0)
        workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
        path = workdir / "anpr.csv"
        started = time.perf_counter()
        households = generate_file(path, args.rows, args.seed)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        print(f"file: {args.rows:,} rows, {households:,} households, {size_mb:,.0f} MB, generated in {generated:.1f} s")

        copy_before = time_bare_copy(path)
        import_seconds, result = time_import(path, workdir / "scarti.csv")
        copy_after = time_bare_copy(path)
        copy_seconds = (copy_before + copy_after) / 2
        assert result.rejected == 0, result.rejects[:5]
        assert result.people_created == args.rows

        print(
            f"bare COPY : {copy_seconds:7.2f} s  {args.rows / copy_seconds:>10,.0f} rows/s"
            f"  (runs: {copy_before:.2f} s, {copy_after:.2f} s)"
        )
        print(
            f"import    : {import_seconds:7.2f} s  {args.rows / import_seconds:>10,.0f} rows/s"
            f"  ({result.people_created:,} people, {result.households_created:,} households,"
            f" {result.memberships_created:,} memberships, {result.events_created:,} events)"
        )
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
        print(f"import phases: {phases}")
        print(f"ratio import / bare COPY: {import_seconds / copy_seconds:.2f} (target <= 2.00)")  # fmt: skip
        if not args.keep_file:
            path.unlink()
    finally:
        from django.db import connections

        connections.close_all()
        SCRATCH.drop()


if __name__ == "__main__":
    main()
