"""Reconciliation of a reporting flow with seeded anomalies: every anomaly reported, no false ones."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.models import Anomaly, FlowLineStatus, ReportingFlowLine
from payments.reconciliation import CSV_FIELDS, import_flow_file, reconcile
from payments.services import OptionSpec, create_position
from payments.states import PositionStatus, TransferStatus
from tests.payments.factories import RESIDENT_A, make_position, tari_transfers

pytestmark = pytest.mark.django_db
HEADER = ",".join(CSV_FIELDS) + "\n"


def paid(position, receipt_id, days_ago=1):
    option = position.options.get(installment_number=0)
    data = ReceiptData(
        receipt_id=receipt_id,
        notice_number=option.notice_number,
        amount_cents=option.amount_cents,
        psp_id="PSP1",
        psp_name="PSP",
        payment_datetime=timezone.now() - timedelta(days=days_ago),
        transfers=tuple((t.index, t.amount_cents) for t in option.transfers.all()),
    )
    record_receipt(option, data)
    return option


def line(option, iur, index, cents, flow="2026-11-20PSP1-0001"):
    header = f"{flow},2026-11-20T10:00:00+00:00,PSP1,TRN1,2026-11-20"
    return f"{header},{option.iuv},{iur},{index},{cents / 100:.2f},0,2026-11-19\n"


def test_flow_with_seeded_anomalies():
    due = date.today() + timedelta(days=30)
    tari = create_position(
        debtor_type="F",
        debtor_fiscal_code=RESIDENT_A,
        debtor_name="A",
        category="TARI",
        subject="TARI",
        options=[OptionSpec(10_000, due, "TARI", tari_transfers(9_500, 500))],
        publish=True,
    )
    plain = [make_position(amount_cents=1_000 * (n + 1)) for n in range(4)]
    o_tari = paid(tari, "IUR-TARI")
    o1, o2, o3 = (paid(p, f"IUR-{n}") for n, p in enumerate(plain[:3], start=1))
    never_reported = paid(plain[3], "IUR-LATE", days_ago=10)

    text = HEADER + "".join(
        [
            line(o_tari, "IUR-TARI", 1, 9_500),
            line(o_tari, "IUR-TARI", 2, 500),
            line(o1, "IUR-1", 1, 1_000),
            line(o2, "IUR-2", 1, 2_000),
            line(o3, "IUR-3", 1, 2_999),  # amount mismatch (3,000 due)
            line(o1, "IUR-UNKNOWN", 1, 1_000),  # line without a receipt
            line(o2, "IUR-2", 1, 2_000, flow="2026-11-21PSP1-0002"),  # reported twice
        ]
    )
    assert len(import_flow_file(text)) == 2
    reconcile()

    found = sorted((a.kind, (a.detail.get("iur"))) for a in Anomaly.objects.all())
    assert found == sorted(
        [
            (Anomaly.Kind.FLOW_AMOUNT_MISMATCH, "IUR-3"),
            (Anomaly.Kind.LINE_WITHOUT_RECEIPT, "IUR-UNKNOWN"),
            (Anomaly.Kind.DUPLICATE_LINE, "IUR-2"),
            (Anomaly.Kind.RECEIPT_NOT_REPORTED, "IUR-LATE"),
        ]
    )
    statuses = dict(ReportingFlowLine.objects.values_list("iur", "status").filter(flow__flow_id__endswith="0001"))
    assert statuses["IUR-3"] == FlowLineStatus.AMOUNT_MISMATCH and statuses["IUR-1"] == FlowLineStatus.MATCHED
    for option in (o_tari, o1, o2):
        option.position.refresh_from_db()
        assert option.position.status == PositionStatus.REPORTED and option.position.reporting_date
        assert set(option.transfers.values_list("status", flat=True)) == {TransferStatus.REPORTED}
    for option in (o3, never_reported):
        option.position.refresh_from_db()
        assert option.position.status == PositionStatus.PAID

    # Re-running (a retried task, a clerk's second click) changes nothing.
    before = Anomaly.objects.count()
    counts = reconcile()
    assert Anomaly.objects.count() == before
    assert counts["lines"] == counts["transfers"] == counts["positions"] == 0
    # The same file again is skipped flow by flow.
    assert import_flow_file(text) == []
