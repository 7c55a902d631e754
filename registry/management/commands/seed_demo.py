"""``manage.py seed_demo``: a synthetic, deterministic municipality for demos (see registry/seeding.py)."""

from django.core.management.base import BaseCommand, CommandError

from registry.models import Person
from registry.seeding import seed_municipality


class Command(BaseCommand):
    help = "Crea un comune sintetico e deterministico: stessi argomenti, stessi dati."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=2000, help="Numero di residenti attuali.")
        parser.add_argument("--seed", type=int, default=1, help="Seme: lo stesso seme dà gli stessi dati.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Non fa nulla se il registro contiene già delle persone."
        )

    def handle(self, *, residents, seed, if_empty, verbosity, **options):
        if residents < 1:
            raise CommandError("--residents deve essere almeno 1.")
        existing = Person.objects.exists()
        if existing and if_empty:
            if verbosity:
                self.stdout.write("Il registro contiene già delle persone: nessun dato creato.")
            return
        if existing:
            # Seeding beside real or earlier data would mix codes and households: refuse instead.
            raise CommandError("Il registro contiene già delle persone: usa un database vuoto o --if-empty.")
        summary = seed_municipality(residents, seed)
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Creati {summary.residents} residenti ({summary.people} persone in tutto) "
                    f"in {summary.households} famiglie e convivenze."
                )
            )
