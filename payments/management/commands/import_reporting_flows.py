from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.reconciliation import FlowFileError, import_flow_file, reconcile


class Command(BaseCommand):
    help = "Import reporting flows (CSV, see payments/reconciliation.py) and reconcile them with receipts."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path)
        parser.add_argument(
            "--from-simulator",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="fetch the PSP simulator's flow of that day",
        )

    def handle(self, *args, paths, from_simulator, **options):
        if from_simulator:
            from payments.gateways import get_gateway

            gateway = get_gateway("simulator")
            if not gateway.fetches_reporting_flows:
                raise CommandError(f"the gateway {gateway.id!r} does not fetch reporting flows")
            flows = import_flow_file(gateway.fetch_reporting_flows(from_simulator), source="simulator")
            self.stdout.write(f"simulator {from_simulator}: {len(flows)} new flows")
        for path in paths:
            try:
                flows = import_flow_file(path.read_bytes())
            except (OSError, FlowFileError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            self.stdout.write(f"{path}: {len(flows)} new flows")
        self.stdout.write(f"reconciliation: {reconcile()}")
