from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.reconciliation import FlowFileError, import_flow_file, reconcile


class Command(BaseCommand):
    help = "Import reporting flows (CSV, see payments/reconciliation.py) and reconcile them with receipts."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)

    def handle(self, *args, paths, **options):
        for path in paths:
            try:
                flows = import_flow_file(path.read_text(encoding="utf-8-sig"))
            except (OSError, FlowFileError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            self.stdout.write(f"{path}: {len(flows)} new flows")
        self.stdout.write(f"reconciliation: {reconcile()}")
