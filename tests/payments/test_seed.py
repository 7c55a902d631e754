import pytest
from django.core.management import call_command

from payments.identifiers import parse_notice_number
from payments.models import DebtPosition, PaymentOption

pytestmark = pytest.mark.django_db


def test_seed_payments_bills_the_demo_households_once():
    call_command("seed_demo", "--residents", "60", "--seed", "1")
    call_command("seed_payments", "--if-empty")
    positions = DebtPosition.objects.count()
    assert DebtPosition.objects.filter(category="TARI").count() > 5
    assert DebtPosition.objects.exclude(category="TARI").exists()
    for option in PaymentOption.objects.all():
        parse_notice_number(option.notice_number)
    call_command("seed_payments", "--if-empty")
    assert DebtPosition.objects.count() == positions
