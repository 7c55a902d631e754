"""Reconciliation of a reporting flow with seeded anomalies: every anomaly reported, no false ones."""

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
            line(o_tari, "IUR-TARI", 1, 9_500),  # the TEFA (transfer 2) is in the province's flow, not here
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
        assert option.transfers.get(index=1).status == TransferStatus.REPORTED
    assert o_tari.transfers.get(index=2).status == TransferStatus.UNREPORTED  # not the municipality's to report
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


# --- Reconciliation as pagoPA really reports: per beneficiary, revisions, late receipts, outcomes ---

LATER = timezone.now() + timedelta(days=30)  # every grace period is over


def open_anomalies():
    return sorted((a.kind, a.detail.get("iur")) for a in Anomaly.objects.filter(resolved_at__isnull=True))


def flow_text(*lines, flow="2026-11-20PSP1-0001", at="2026-11-20T10:00:00+00:00", outcome="0"):
    """Rows (option, iur, index, cents[, outcome]) of one flow sent at ``at``."""
    rows = []
    for option, iur, index, cents, *code in lines:
        rows.append(
            f"{flow},{at},PSP1,TRN1,2026-11-20,{option.iuv},{iur},{index},{cents / 100:.2f},"
            f"{code[0] if code else outcome},2026-11-19\n"
        )
    return HEADER + "".join(rows)


def stamp_and_fee_position():
    """A certificate's secretary fee (to the municipality) and its €16 digital stamp (to the Agenzia)."""
    from payments import conf
    from payments.services import TransferSpec, municipality_transfer

    stamp = TransferSpec(
        1_600,
        conf.STAMP_BENEFICIARY_FISCAL_CODE,
        conf.taxonomy("STAMP"),
        "Imposta di bollo",
        stamp_hash="n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
        stamp_type="01",
        stamp_province="MI",
    )
    due = date.today() + timedelta(days=30)
    return create_position(
        debtor_type="F",
        debtor_fiscal_code=RESIDENT_A,
        debtor_name="A",
        category="OTHER",
        subject="Certificato",
        options=[OptionSpec(1_600 + 50, due, "Certificato", [municipality_transfer(50, "OTHER", "Diritti"), stamp])],
        publish=True,
    )


def tari_position(tari=9_500, tefa=500):
    return create_position(
        debtor_type="F",
        debtor_fiscal_code=RESIDENT_A,
        debtor_name="A",
        category="TARI",
        subject="TARI",
        options=[OptionSpec(tari + tefa, date.today() + timedelta(days=30), "TARI", tari_transfers(tari, tefa))],
        publish=True,
    )


def test_only_the_municipalitys_transfers_are_expected_in_its_flows():
    o_tari, o_cert = paid(tari_position(), "IUR-TARI", days_ago=10), paid(stamp_and_fee_position(), "IUR-CERT", 10)
    import_flow_file(flow_text((o_tari, "IUR-TARI", 1, 9_500), (o_cert, "IUR-CERT", 1, 50)))
    reconcile(as_of=LATER)
    assert open_anomalies() == []
    for option in (o_tari, o_cert):
        option.position.refresh_from_db()
        assert option.position.status == PositionStatus.REPORTED
    # A stamp-only position (the certificates' bollo) has nothing to wait for either.
    from payments.stamp import stamp_option

    stamp = stamp_option(RESIDENT_A, "A9Zt0Ig1wco/EozOrNHzGslBYwlrIPRFroQoW8CDLXI=", payer_name="A", description="c")
    paid(stamp.position, "IUR-STAMP", days_ago=10)
    reconcile(as_of=LATER)
    stamp.position.refresh_from_db()
    assert stamp.position.status == PositionStatus.REPORTED and open_anomalies() == []


def test_a_municipality_transfer_never_reported_is_still_an_anomaly():
    option = paid(tari_position(), "IUR-TARI", days_ago=10)
    import_flow_file(flow_text((option, "IUR-TARI", 2, 500)))  # only the TEFA line, wrongly
    reconcile(as_of=LATER)
    assert open_anomalies() == [(Anomaly.Kind.RECEIPT_NOT_REPORTED, "IUR-TARI")]
    option.position.refresh_from_db()
    assert option.position.status == PositionStatus.PAID


def test_a_revised_flow_replaces_the_earlier_revision():
    o1, o2 = paid(make_position(amount_cents=1_000), "IUR-1", 10), paid(make_position(amount_cents=2_000), "IUR-2", 10)
    first = flow_text((o1, "IUR-1", 1, 999), at="2026-11-20T10:00:00+00:00")  # wrong amount, IUR-2 missing
    revised = flow_text((o1, "IUR-1", 1, 1_000), (o2, "IUR-2", 1, 2_000), at="2026-11-21T09:00:00+01:00")
    assert len(import_flow_file(first)) == 1
    reconcile(as_of=LATER)
    assert open_anomalies() == [
        (Anomaly.Kind.FLOW_AMOUNT_MISMATCH, "IUR-1"),
        (Anomaly.Kind.RECEIPT_NOT_REPORTED, "IUR-2"),
    ]

    [flow] = import_flow_file(revised)
    assert flow.revision == 2
    reconcile(as_of=LATER)
    assert open_anomalies() == []
    assert set(ReportingFlowLine.objects.filter(flow__revision=1).values_list("status", flat=True)) == {"SUPERSEDED"}
    for option in (o1, o2):
        option.position.refresh_from_db()
        assert option.position.status == PositionStatus.REPORTED
    # The same revision again, or the older one, changes nothing.
    assert import_flow_file(revised) == [] and import_flow_file(first) == []


def test_a_line_that_arrives_before_its_receipt_is_matched_on_a_later_run():
    position = make_position(amount_cents=4_200)
    option = position.options.get()
    early = flow_text((option, "IUR-EARLY", 1, 4_200))
    import_flow_file(early)
    reconcile(as_of=LATER)
    assert open_anomalies() == [(Anomaly.Kind.LINE_WITHOUT_RECEIPT, "IUR-EARLY")]

    paid(position, "IUR-EARLY", days_ago=10)
    reconcile(as_of=LATER)
    assert open_anomalies() == []
    assert ReportingFlowLine.objects.get().status == FlowLineStatus.MATCHED
    position.refresh_from_db()
    assert position.status == PositionStatus.REPORTED
    assert reconcile(as_of=LATER)["lines"] == 0


@pytest.mark.parametrize("code", ["0", "4", "8", "9"])
def test_outcomes_paid_with_a_receipt_are_matched(code):
    """0 eseguito, 4 eseguito in stand-in, 8 stand-in senza RPT, 9 senza RPT: money transferred; when the
    receipt is here the line reconciles it like any other."""
    option = paid(make_position(amount_cents=3_000), "IUR-1", days_ago=10)
    import_flow_file(flow_text((option, "IUR-1", 1, 3_000, code)))
    reconcile(as_of=LATER)
    assert open_anomalies() == [] and ReportingFlowLine.objects.get().outcome_code == code
    option.position.refresh_from_db()
    assert option.position.status == PositionStatus.REPORTED


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("0", Anomaly.Kind.LINE_WITHOUT_RECEIPT),
        ("4", Anomaly.Kind.LINE_WITHOUT_RECEIPT),
        ("8", Anomaly.Kind.PAID_WITHOUT_RECEIPT),
        ("9", Anomaly.Kind.PAID_WITHOUT_RECEIPT),
    ],
)
def test_outcomes_without_a_receipt_say_which_case_it_is(code, kind):
    """8 and 9 are payments collected without the creditor's request: the receipt may never come, the
    money did; 0 and 4 promise a receipt that has not arrived (yet)."""
    option = make_position(amount_cents=3_000).options.get()
    import_flow_file(flow_text((option, "IUR-X", 1, 3_000, code)))
    reconcile(as_of=LATER)
    assert open_anomalies() == [(kind, "IUR-X")]


def test_outcome_3_a_revoked_payment_is_an_anomaly_not_a_duplicate():
    """3 revocato: the PSP takes the money back (negative amount); the clerk must reopen the debt."""
    option = paid(make_position(amount_cents=3_000), "IUR-1", days_ago=10)
    import_flow_file(flow_text((option, "IUR-1", 1, 3_000)))
    import_flow_file(flow_text((option, "IUR-1", 1, -3_000, "3"), flow="2026-11-22PSP1-0002"))
    reconcile(as_of=LATER)
    assert open_anomalies() == [(Anomaly.Kind.PAYMENT_REVOKED, "IUR-1")]
    statuses = sorted(ReportingFlowLine.objects.values_list("status", flat=True))
    assert statuses == [FlowLineStatus.MATCHED, FlowLineStatus.REVOKED]
    assert ReportingFlowLine.objects.get(status="REVOKED").receipt_transfer is not None


def test_outcome_codes_outside_the_table_and_negative_amounts_without_3_are_refused():
    from payments.reconciliation import FlowFileError

    option = make_position(amount_cents=3_000).options.get()
    for row in [(option, "IUR-1", 1, 3_000, "1"), (option, "IUR-1", 1, -3_000, "0"), (option, "IUR-1", 1, 3_000, "3")]:
        with pytest.raises(FlowFileError):
            import_flow_file(flow_text(row))


KINDS = ("plain", "tari", "stamp")
UNIQUE = itertools.count()  # Hypothesis runs its examples in one database transaction: ids must not repeat


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(KINDS), st.booleans(), st.booleans(), st.integers(0, 2)), min_size=1, max_size=6)
)
def test_whatever_the_shape_and_the_order_every_payment_ends_reported_without_false_anomalies(payments):
    """Each payment: its kind (one transfer, TARI + TEFA, fee + stamp), whether its line arrives before
    its receipt, whether its flow first comes as a faulty revision, and which of three flows carries
    it. Whatever the mix, once the PSPs have said everything: every position REPORTED, no open anomaly."""
    makers = {
        "plain": lambda: make_position(amount_cents=2_500),
        "tari": tari_position,
        "stamp": stamp_and_fee_position,
    }
    rows, early, faulty, positions = {0: [], 1: [], 2: []}, [], set(), []
    for kind, line_first, revised, flow in payments:
        position, iur = makers[kind](), f"IUR-P{next(UNIQUE)}"
        positions.append(position)
        option = position.options.get()
        municipal = option.transfers.get(index=1)  # in every kind, the municipality's share is transfer 1
        rows[flow].append((option, iur, 1, municipal.amount_cents))
        if line_first:
            early.append((position, iur))
        else:
            paid(position, iur, days_ago=10)
        if revised:
            faulty.add(flow)
    for flow, lines in rows.items():
        if not lines:
            continue
        flow_id = f"2026-11-20PSP1-{next(UNIQUE):06d}"
        if flow in faulty:  # first revision: the last line missing, the first one a cent off
            wrong = [(lines[0][0], lines[0][1], 1, lines[0][3] + 1), *lines[1:-1]]
            import_flow_file(flow_text(*wrong, flow=flow_id, at="2026-11-20T10:00:00+00:00"))
            reconcile(as_of=LATER)
        import_flow_file(flow_text(*lines, flow=flow_id, at="2026-11-21T10:00:00+00:00"))
    reconcile(as_of=LATER)
    for position, iur in early:  # receipts that arrive after their lines
        paid(position, iur, days_ago=10)
    reconcile(as_of=LATER)
    assert open_anomalies() == []
    for position in positions:
        position.refresh_from_db()
        assert position.status == PositionStatus.REPORTED
