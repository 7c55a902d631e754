"""Test data for payments, made through the services (never straight into the tables)."""

from datetime import date, timedelta

from payments.services import OptionSpec, TransferSpec, create_position, municipality_transfer

RESIDENT_A = "BNCNNA85C52F205J"  # Anna Bianchi
RESIDENT_B = "VRDLCU79L05F205G"  # Luca Verdi


def make_position(
    fiscal_code=RESIDENT_A,
    amount_cents=12_345,
    category="TARI",
    installments=0,
    publish=True,
    subject="TARI 2026",
    name="Anna Bianchi",
    due=None,
):
    """A position with a single option and, when asked, an installment plan splitting the same amount."""
    due = due or date.today() + timedelta(days=30)
    options = [OptionSpec(amount_cents, due, subject, [municipality_transfer(amount_cents, category, subject)])]
    for number in range(1, installments + 1):
        share = amount_cents // installments + (amount_cents % installments if number == 1 else 0)
        options.append(
            OptionSpec(
                share,
                due + timedelta(days=30 * (number - 1)),
                f"{subject} — rata {number}",
                [municipality_transfer(share, category, f"{subject} rata {number}")],
                installment_number=number,
            )
        )
    return create_position(
        debtor_type="F",
        debtor_fiscal_code=fiscal_code,
        debtor_name=name,
        category=category,
        subject=subject,
        options=options,
        publish=publish,
    )


def tari_transfers(tari_cents, tefa_cents, remittance="TARI 2026"):
    from django.conf import settings

    return [
        municipality_transfer(tari_cents, "TARI", remittance),
        TransferSpec(
            tefa_cents,
            settings.PAGOPA_PROVINCE_FISCAL_CODE,
            "9/0101101IM/",
            f"TEFA {remittance}",
            iban=settings.PAGOPA_PROVINCE_IBAN,
        ),
    ]
