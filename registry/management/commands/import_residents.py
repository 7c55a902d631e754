"""``manage.py import_residents FILE.csv``: load an ANPR-style export (docs/import-format.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from registry.importer import ImportFailed, import_residents


class Command(BaseCommand):
    help = "Importa i residenti da un file CSV in formato ANPR; le righe errate vanno nel file degli scarti."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Il file CSV da importare.")
        parser.add_argument(
            "--reject-file", help="Dove scrivere le righe scartate (predefinito: <file>.scarti.csv accanto al file)."
        )
        parser.add_argument(
            "--delimiter",
            choices=[",", ";", "\t"],
            help="Separatore delle colonne (predefinito: letto dall'intestazione).",
        )
        parser.add_argument(
            "--date-format",
            choices=["AAAA-MM-GG", "GG/MM/AAAA"],
            help="Come sono scritte le date (predefinito: AAAA-MM-GG).",
        )
        parser.add_argument(
            "--encoding", default="utf-8", help="Codifica del file (predefinito: utf-8; Excel: cp1252)."
        )

    def handle(self, *, file, reject_file, delimiter, date_format, encoding, verbosity, **options):
        try:
            result = import_residents(
                file, reject_file, delimiter=delimiter, date_format=date_format, encoding=encoding
            )
        except OSError as exc:
            # The input cannot be read or the reject file cannot be written.
            raise CommandError(
                f"Importazione non eseguita, nessun dato modificato: {exc.strerror}: {exc.filename}"
            ) from exc
        except ImportFailed as exc:
            raise CommandError(f"Importazione non eseguita, nessun dato modificato: {exc}") from exc
        except DatabaseError as exc:
            raise CommandError(f"Importazione annullata, nessun dato modificato: errore del database: {exc}") from exc
        if verbosity:
            self.stdout.write(
                f"Righe lette: {result.rows}; caricate: {result.loaded}; scartate: {result.rejected}.\n"
                f"Persone create: {result.people_created}, aggiornate: {result.people_updated}; "
                f"famiglie create: {result.households_created}, aggiornate: {result.households_updated}."
            )
            if result.reject_path:
                self.stdout.write(self.style.WARNING(f"Righe scartate in {result.reject_path}"))
