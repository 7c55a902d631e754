from django.core.management.base import BaseCommand, CommandError

from fascicolo.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verifica la catena di impronte del registro degli accessi; esce con errore alla prima voce alterata."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Access log chain broken at entry #{report.broken_sequence} (id {report.broken_id}): "
                f"{report.reason}. {report.checked} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Access log chain intact: {report.checked} entries verified."))
