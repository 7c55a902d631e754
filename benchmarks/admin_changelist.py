"""Benchmark: the clerks' person list on 1.4 million people, against Django's defaults.

    .venv/bin/python benchmarks/admin_changelist.py              # 1,400,000 people
    .venv/bin/python benchmarks/admin_changelist.py --rows 200000 --repeat 3

Creates a scratch database on the PostgreSQL server of ``BENCH_DATABASE_URL`` (default: the local
server), migrates it, fills ``registry_person`` with one ``INSERT … SELECT generate_series`` (100
surnames × 60 given names, so "rossi mar" matches about 1,200 people), analyses it, and then loads
admin pages through Django's test client as a signed-in superuser (the whole stack: middleware,
admin, templates, access-log writes). Each figure is the median of ``--repeat`` loads after one
warm-up. In the same run, the baselines:

- the changelist with Django's defaults (``Paginator``, ``show_full_result_count = True``): a full
  ``COUNT(*)`` per load, plus one for the filtered list;
- the name searches with ``person_name_prefix_idx`` dropped (what an index without
  ``text_pattern_ops`` gives: a sequential scan). Names are searched on their search keys
  (``registry.names.name_search_key``), so "d’angelo mar" (typographic apostrophe) finds D'Angelo.

Prints milliseconds and the ratios; the scratch database is dropped at the end.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import ScratchDatabase  # noqa: E402  (benchmarks/, beside this script)

SCRATCH = ScratchDatabase("fascicolo_bench_admin")

SURNAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Ferri",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Grassi",
    "Pellegrino",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Rossetti",
    "Caputo",
    "Montanari",
    "Guerra",
    "Palmieri",
    "Bernardi",
    "Martino",
    "Fiore",
    "De Rosa",
    "Ferretti",
    "Bellini",
    "Basile",
    "Riva",
    "Donati",
    "Piras",
    "Vitali",
    "Battaglia",
    "Sartori",
    "Neri",
    "Costantini",
    "Milani",
    "Pagano",
    "Ruggiero",
    "Sorrentino",
    "D'Amico",
    "Orlando",
    "Damiani",
    "Longhi",
]
GIVEN = [
    "Mario",
    "Maria",
    "Marco",
    "Marta",
    "Marina",
    "Giuseppe",
    "Giovanni",
    "Anna",
    "Francesca",
    "Luca",
    "Andrea",
    "Paola",
    "Laura",
    "Alessandro",
    "Giulia",
    "Sara",
    "Chiara",
    "Francesco",
    "Antonio",
    "Roberto",
    "Stefano",
    "Elena",
    "Federica",
    "Valentina",
    "Davide",
    "Matteo",
    "Lorenzo",
    "Simone",
    "Silvia",
    "Alessia",
    "Paolo",
    "Giorgio",
    "Luigi",
    "Carla",
    "Rosa",
    "Angela",
    "Teresa",
    "Lucia",
    "Giorgia",
    "Martina",
    "Sofia",
    "Aurora",
    "Leonardo",
    "Riccardo",
    "Tommaso",
    "Edoardo",
    "Gabriele",
    "Emma",
    "Greta",
    "Beatrice",
    "Nicola",
    "Fabio",
    "Daniele",
    "Cristina",
    "Monica",
    "Barbara",
    "Enrico",
    "Claudio",
    "Sergio",
    "Pietro",
]


def setup_django(database_url):
    os.environ.update(
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        # Plain static storage: no collectstatic manifest is needed to render admin pages.
        TESTING="1",
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fascicolo.settings"
    import django

    django.setup()


def fill_people(rows):
    from django.db import connection

    from registry.names import name_search_key

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO registry_person (
                fiscal_code, given_name, family_name, given_name_key, family_name_key, sex, birth_date,
                birth_place, birth_place_code, birth_province, birth_country, civil_status, registration_status,
                death_place, email, created_at, updated_at)
            SELECT 'X' || lpad(i::text, 15, '0'),
                   (%(given)s::text[])[1 + (i * 104729) %% %(n_given)s],
                   (%(surnames)s::text[])[1 + (i * 7919) %% %(n_surnames)s],
                   (%(given_keys)s::text[])[1 + (i * 104729) %% %(n_given)s],
                   (%(surname_keys)s::text[])[1 + (i * 7919) %% %(n_surnames)s],
                   CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END,
                   date '1930-01-01' + ((i * 37) %% 33000)::int,
                   'Milano', 'F205', 'MI', 'IT', (1 + i %% 4)::int,
                   CASE WHEN i %% 20 = 0 THEN 'emigrated' ELSE 'resident' END, '', '', now(), now()
            FROM generate_series(1::bigint, %(rows)s::bigint) AS i
            """,
            {
                "given": GIVEN,
                "given_keys": [name_search_key(name) for name in GIVEN],
                "surname_keys": [name_search_key(name) for name in SURNAMES],
                "n_given": len(GIVEN),
                "surnames": SURNAMES,
                "n_surnames": len(SURNAMES),
                "rows": rows,
            },
        )
        cursor.execute("ANALYZE registry_person")


def median_ms(client, url, repeat):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_400_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    SCRATCH.recreate()
    setup_django(SCRATCH.url)
    from django.contrib import admin
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client

    from registry.models import Person
    from tests.audit.staff import login_staff, make_staff

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        fill_people(args.rows)
        print(f"people: {args.rows:,} inserted and analysed in {time.perf_counter() - started:.1f} s")

        client = Client()
        login_staff(client, make_staff("bench", superuser=True), purpose="Benchmark")
        person_admin = admin.site._registry[Person]
        base = "/admin/registry/person/"
        target = Person.objects.order_by("pk")[args.rows // 2]
        pages = {
            "unfiltered list": base,
            "filtered list (residents)": base + "?registration_status__exact=resident",
            "name search 'rossi mar'": base + "?q=rossi+mar",
            "name search 'd’angelo mar'": base + "?q=d%E2%80%99angelo+mar",
            "codice fiscale search": base + "?q=" + target.fiscal_code,
        }
        ours = {name: median_ms(client, url, args.repeat) for name, url in pages.items()}

        person_admin.paginator, person_admin.show_full_result_count = Paginator, True
        defaults = {name: median_ms(client, pages[name], args.repeat) for name in list(pages)[:2]}
        del person_admin.paginator, person_admin.show_full_result_count

        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX person_name_prefix_idx")
        no_index = {name: median_ms(client, url, args.repeat) for name, url in pages.items() if name.startswith("name")}

        print(f"{'page':<28} {'ours':>9} {'baseline':>10} {'ratio':>7}")
        for name, ms in ours.items():
            baseline = defaults.get(name) or no_index.get(name)
            if baseline:
                print(f"{name:<28} {ms:7.0f} ms {baseline:7.0f} ms {baseline / ms:6.1f}x")
            else:
                print(f"{name:<28} {ms:7.0f} ms")
        print("baselines: Django's Paginator with full counts; the name search without person_name_prefix_idx")
    finally:
        from django.db import connections

        connections.close_all()
        SCRATCH.drop()


if __name__ == "__main__":
    main()
