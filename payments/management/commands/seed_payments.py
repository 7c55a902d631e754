"""Demo data for payments: this year's TARI for every household head (through the real roll importer),
plus a fine or a school-canteen notice for some of them. Deterministic; ``--if-empty`` makes it a no-op
once positions exist (``make run`` calls it after ``seed_demo``)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from payments.models import DebtPosition
from payments.services import OptionSpec, create_position, municipality_transfer
from payments.tari import FIELDS, import_roll
from registry.models import HEAD_RELATIONSHIPS, Membership


class Command(BaseCommand):
    help = "Seed demo debt positions (TARI roll, fines, canteen) for the demo municipality's residents."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true")
        parser.add_argument("--limit", type=int, default=5000, help="household heads to bill")

    def handle(self, *args, if_empty, limit, **options):
        if if_empty and DebtPosition.objects.exists():
            self.stdout.write("payments already seeded")
            return
        today = timezone.localdate()
        heads = (
            Membership.objects.filter(ended_on__isnull=True, relationship__in=[r.value for r in HEAD_RELATIONSHIPS])
            .select_related("person", "household__address")
            .order_by("person_id")[:limit]
        )
        rows = [",".join(FIELDS)]
        people = []
        for n, membership in enumerate(heads):
            person = membership.person
            people.append(person)
            tari = 9_000 + (person.pk * 7919) % 40_000
            due = today + timedelta(days=20 + n % 40)
            name = f"{person.given_name} {person.family_name}".replace(",", " ")
            rows.append(
                f"H{person.pk},F,{person.fiscal_code},{name},,{tari / 100:.2f},{tari * 5 // 100 / 100:.2f},"
                f"{(0, 2, 3)[n % 3]},{due.isoformat()}"
            )
        report = import_roll("\n".join(rows) + "\n", today.year)
        extra = 0
        for n, person in enumerate(people):
            if n % 7 and n % 11:
                continue
            category, subject, cents = (
                ("FINE", "Verbale di accertamento (Codice della Strada)", 4_200 + n % 5 * 1_000)
                if n % 7 == 0
                else ("CANTEEN", "Mensa scolastica — trimestre", 6_800)
            )
            create_position(
                debtor_type="F",
                debtor_fiscal_code=person.fiscal_code,
                debtor_name=person.full_name,
                category=category,
                subject=subject,
                publish=True,
                options=[
                    OptionSpec(
                        cents,
                        today + timedelta(days=10 + n % 20),
                        subject,
                        [municipality_transfer(cents, category, subject)],
                    )
                ],
            )
            extra += 1
        self.stdout.write(f"TARI positions {report.created} (bad lines {len(report.errors)}), other notices {extra}")
