"""TARI roll import: TARI and TEFA transfers, bad lines reported by number, nothing half-written, idempotent."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from payments.identifiers import parse_notice_number
from payments.models import DebtPosition, PaymentOption, Transfer
from payments.tari import FIELDS
from tests.payments.factories import RESIDENT_A, RESIDENT_B

pytestmark = pytest.mark.django_db
DUE = (date.today() + timedelta(days=40)).isoformat()


def roll(tmp_path, rows):
    path = tmp_path / "ruolo.csv"
    path.write_text(",".join(FIELDS) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def run(path, *extra):
    out, err = StringIO(), StringIO()
    call_command("import_tari_roll", str(path), "--year", "2026", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_roll_with_bad_lines(tmp_path):
    path = roll(
        tmp_path,
        [
            ("H1", "F", RESIDENT_A, "Anna Bianchi", "Via Roma 1", "182.40", "9.12", 3, DUE),
            ("H2", "G", "01199250158", "Ditta Srl", "Via Po 2", "1000.00", "50.00", 0, DUE),
            ("H3", "F", "BNCNNA85C52F205K", "Bad Code", "", "10.00", "0.50", 0, DUE),  # check character
            ("H4", "F", RESIDENT_B, "Luca Verdi", "", "10.005", "0.50", 0, DUE),  # three decimals
            ("H5", "F", RESIDENT_B, "Luca Verdi", "", "10.00", "0.50", 1, DUE),  # one installment
            ("H1", "F", RESIDENT_B, "Luca Verdi", "", "10.00", "0.50", 0, DUE),  # repeated id
            ("H7", "F", RESIDENT_B, "Luca Verdi", "", "10.00", "0.50", 0, "2001-01-01"),  # past due date
        ],
    )
    out, err = run(path)
    assert "created 2, skipped 0, bad lines 5" in out
    for number in (4, 5, 6, 7, 8):
        assert f"line {number}:" in err
    assert "carattere di controllo" in err and "ripetuto" in err

    anna = DebtPosition.objects.get(debtor_fiscal_code=RESIDENT_A)
    assert anna.status == "VALID" and anna.options.count() == 4
    single = anna.options.get(installment_number=0)
    assert single.amount_cents == 19_152
    assert [(t.index, t.amount_cents, t.beneficiary_fiscal_code) for t in single.transfers.all()] == [
        (1, 18_240, settings.MUNICIPALITY["fiscal_code"]),
        (2, 912, settings.PAGOPA_PROVINCE_FISCAL_CODE),
    ]
    plan = anna.options.filter(installment_number__gt=0)
    assert sum(o.amount_cents for o in plan) == 19_152
    for option in PaymentOption.objects.all():
        parse_notice_number(option.notice_number)
        assert sum(t.amount_cents for t in option.transfers.all()) == option.amount_cents

    # The same file again creates nothing; strict mode writes nothing when a line is bad.
    out, _ = run(path)
    assert "created 0, skipped 2" in out
    strict = roll(
        tmp_path,
        [
            ("H9", "F", RESIDENT_A, "Anna", "", "1.00", "0.05", 0, DUE),
            ("H10", "X", RESIDENT_A, "Anna", "", "1.00", "0.05", 0, DUE),
        ],
    )
    run(strict, "--strict")
    assert DebtPosition.objects.count() == 2 and Transfer.objects.count() == 4 * 2 + 1 * 2
