from datetime import UTC, date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from payments.identifiers import (
    InvalidIdentifier,
    build_notice_number,
    format_notice_number,
    is_valid_iban,
    is_valid_partita_iva,
    parse_debtor_code,
    parse_notice_number,
)
from payments.models import DebtPosition, PaymentOption, Transfer
from payments.services import OptionSpec, create_position, invalidate_position, municipality_transfer
from payments.states import OptionStatus, PositionStatus
from tests.payments.factories import RESIDENT_A, make_position, tari_transfers


def test_worked_vectors_from_the_domain_brief():
    assert build_notice_number("01", 1) == "301000000000000144"
    assert build_notice_number("44", 123456789012) == "344012345678901286"
    assert parse_notice_number("3010 0000 0000 0001 44") == "301000000000000144"
    assert format_notice_number("301000000000000144") == "3010 0000 0000 0001 44"


@pytest.mark.parametrize(
    "value",
    ["344012345678901233", "301000000000000145", "30100000000000014", "201000000000000144", "30100000000000014x"],
)
def test_bad_notice_numbers_are_refused(value):
    with pytest.raises(InvalidIdentifier):
        parse_notice_number(value)


def test_partita_iva_iban_and_debtor_codes():
    assert is_valid_partita_iva("01199250158")
    assert not is_valid_partita_iva("01199250159")
    assert is_valid_iban("IT60X0542811101000000123456")
    assert not is_valid_iban("IT61X0542811101000000123456")
    assert parse_debtor_code("F", "bncnna85c52f205j") == RESIDENT_A
    assert parse_debtor_code("G", "01199250158") == "01199250158"
    for kind, code in (("F", "BNCNNA85C52F205K"), ("G", "12345678901"), ("X", RESIDENT_A)):
        with pytest.raises(InvalidIdentifier):
            parse_debtor_code(kind, code)


@pytest.mark.django_db
def test_create_position_allocates_valid_unique_notice_numbers():
    first = make_position(installments=3)
    second = make_position()
    numbers = list(PaymentOption.objects.values_list("notice_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 5
    for number in numbers:
        assert parse_notice_number(number) == number and number[1:3] == "01"
    assert first.status == PositionStatus.VALID and second.options.get().iuv == second.options.get().notice_number[1:]
    assert sum(o.amount_cents for o in first.options.filter(installment_number__gt=0)) == first.total_cents


@pytest.mark.django_db
def test_a_notice_number_cannot_be_reused():
    option = make_position().options.get()
    other = make_position()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOption.objects.filter(pk=other.options.get().pk).update(notice_number=option.notice_number)


@pytest.mark.django_db
def test_transfers_must_add_up_and_nothing_is_half_written():
    due = date.today() + timedelta(days=10)
    bad = OptionSpec(10_000, due, "TARI", tari_transfers(9_000, 500))
    with pytest.raises(ValidationError):
        create_position(
            debtor_type="F",
            debtor_fiscal_code=RESIDENT_A,
            debtor_name="A",
            category="TARI",
            subject="TARI",
            options=[bad],
        )
    with pytest.raises(ValidationError):
        create_position(
            debtor_type="G",
            debtor_fiscal_code="12345678901",
            debtor_name="Srl",
            category="TARI",
            subject="TARI",
            options=[OptionSpec(100, due, "x", [municipality_transfer(100, "TARI", "x")])],
        )
    assert not DebtPosition.objects.exists()
    good = create_position(
        debtor_type="F",
        debtor_fiscal_code=RESIDENT_A,
        debtor_name="A",
        category="TARI",
        subject="TARI",
        options=[OptionSpec(10_000, due, "TARI", tari_transfers(9_500, 500))],
    )
    assert [t.amount_cents for t in Transfer.objects.filter(option__position=good)] == [9_500, 500]


@pytest.mark.django_db(transaction=True)
def test_database_refuses_transfers_that_do_not_add_up():
    option = make_position(amount_cents=1_000).options.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(option=option).update(amount_cents=999)
    assert Transfer.objects.get(option=option).amount_cents == 1_000


@pytest.mark.django_db
def test_invalidate_makes_options_unpayable_and_is_terminal():
    position = make_position()
    invalidate_position(position)
    assert position.options.get().status == OptionStatus.UNPAYABLE
    with pytest.raises(ValidationError):
        invalidate_position(position)


@pytest.mark.django_db
def test_time_based_statuses():
    from datetime import datetime

    from payments.services import publish_position, refresh_time_based_statuses

    future = make_position(publish=False)
    future.validity_date = datetime(2000, 1, 1, tzinfo=UTC)
    type(future).objects.filter(pk=future.pk).update(validity_date=datetime(2099, 1, 1, tzinfo=UTC))
    future.refresh_from_db()
    publish_position(future)
    assert future.status == PositionStatus.PUBLISHED
    expiring = make_position(due=date.today() + timedelta(days=1))
    type(expiring).objects.filter(pk=expiring.pk).update(switch_to_expired=True)
    expiring.options.update(due_date=date.today() - timedelta(days=1))

    assert refresh_time_based_statuses(now=datetime(2099, 6, 1, tzinfo=UTC)) == (1, 1)
    future.refresh_from_db()
    expiring.refresh_from_db()
    assert future.status == PositionStatus.VALID and expiring.status == PositionStatus.EXPIRED


def test_a_debtor_born_in_a_territory_or_with_a_temporary_code_is_accepted():
    # Gibraltar (Z113) is a territory, not a state; 00743110157 is an 11-digit temporary code.
    assert parse_debtor_code("F", "RSSMRA80A01Z113H") == "RSSMRA80A01Z113H"
    assert parse_debtor_code("F", "00743110157") == "00743110157"
    with pytest.raises(InvalidIdentifier):
        parse_debtor_code("F", "00743110158")
