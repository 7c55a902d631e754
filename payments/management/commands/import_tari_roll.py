from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.tari import import_roll


class Command(BaseCommand):
    help = "Import a TARI roll CSV: one position per household, TARI and TEFA transfers (docs/payments.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--strict", action="store_true", help="write nothing if any line is bad")
        parser.add_argument("--separator", choices=[",", ";"], help="field separator (default: from the header)")
        parser.add_argument("--decimal-mark", choices=[",", "."], help="decimal mark (default: from the amounts)")

    def handle(self, *args, path, year, strict, separator, decimal_mark, **options):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        report = import_roll(data, year, strict=strict, separator=separator, decimal_mark=decimal_mark)
        for number, reason in report.errors:
            self.stderr.write(f"line {number}: {reason}")
        self.stdout.write(f"created {report.created}, skipped {report.skipped}, bad lines {len(report.errors)}")
