from datetime import timedelta

from django.core.management.base import BaseCommand

from payments.attempts import check_pending_attempts


class Command(BaseCommand):
    help = "Ask the gateway about attempts left pending and expire stale ones (what Celery beat runs)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=120, help="seconds since the last change")

    def handle(self, *args, older_than, **options):
        result = check_pending_attempts(older_than=timedelta(seconds=older_than))
        self.stdout.write(f"applied {result['applied']}, expired {result['expired']}")
