"""Reconciliation of reporting flows (*flussi di rendicontazione*) with receipts, set-based.

Each flow line ``(IUV, IUR, transfer index, amount)`` is matched to the receipt with that IUV and
receipt id and to its transfer with that index (docs/domain.md §1.4); matched transfers, options and
positions become REPORTED. What does not fit becomes an ``Anomaly``: a line without a receipt, a
line whose amount differs from the receipt, a line reported twice, a revoked payment, and a receipt
still not reported after the grace period (flows arrive by D+2). Every step is one SQL statement
over all new lines, so a year of a large city's payments reconciles in seconds; re-running it
changes nothing.

As pagoPA reports: a PSP sends each creditor a flow only for the transfers paid to that creditor
(the developer portal's "flussi di rendicontazione": the flow lists what is transferred to one
account of the creditor). So the municipality never sees the TEFA transfer (to the province) nor the
digital stamp (to the Agenzia delle Entrate): an option is REPORTED when every transfer whose
beneficiary is the municipality is reported, and only those transfers are expected in its flows.
A line that arrived before its receipt is matched on a later run, and its anomaly closed. A flow
sent again with the same id and a later date-time is a revision that replaces the earlier one.

File format (CSV with a header row, read by ``payments.tabular``: comma or semicolon, UTF-8 with or
without BOM, decimal point or comma, dates ISO or day/month/year): ``flow_id, flow_datetime,
psp_id, regulation_id, regulation_date, iuv, iur, transfer_index, amount (euro), outcome_code,
outcome_date`` — one row per ``datiSingoliPagamenti`` of the legacy FlussoRiversamento XML, the
flow's header fields repeated on each row. Every identifier goes through ``payments.identifiers``.
"""

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .identifiers import InvalidIdentifier, parse_flow_id, parse_iuv, parse_psp_text, parse_receipt_id
from .models import Anomaly, FlowLineStatus, ReportingFlow, ReportingFlowLine
from .tabular import FileFormatError, parse_amount, parse_date, parse_datetime, read_table

logger = logging.getLogger(__name__)
GRACE_DAYS = 3
CSV_FIELDS = [
    "flow_id",
    "flow_datetime",
    "psp_id",
    "regulation_id",
    "regulation_date",
    "iuv",
    "iur",
    "transfer_index",
    "amount",
    "outcome_code",
    "outcome_date",
]


# codiceEsitoSingoloPagamento (FlussoRiversamento 1.0.4; FdR 3 ``payStatus``, pagopa/pagopa-fdr):
OUTCOME_CODES = {
    "0": "EXECUTED",  # pagamento eseguito: a receipt exists
    "3": "REVOKED",  # pagamento revocato: the PSP took the money back (amount negative)
    "4": "STAND_IN",  # eseguito in stand-in (the node's backup): a receipt exists
    "8": "STAND_IN_NO_RPT",  # eseguito in stand-in senza RPT: the receipt may be missing
    "9": "NO_RPT",  # eseguito senza RPT: collected without the creditor's request, the receipt may be missing
}


NO_RPT_OUTCOMES = ("8", "9")


class FlowFileError(FileFormatError):
    pass


@dataclass
class ParsedLine:
    iuv: str
    iur: str
    transfer_index: int
    amount_cents: int
    outcome_code: str
    outcome_date: date


def parse_flow_row(row, decimal_mark="."):
    """(flow id, header dict, ParsedLine) from one CSV row, or ``ValueError`` with the reason."""
    if "__error__" in row:
        raise ValueError(row["__error__"])
    try:
        flow_id = parse_flow_id(row["flow_id"])
        header = {
            "flow_datetime": parse_datetime(row["flow_datetime"]),
            "psp_id": parse_psp_text(row["psp_id"], _("Identificativo del PSP")),
            "regulation_id": parse_psp_text(row["regulation_id"], _("Identificativo del regolamento (TRN)")),
            "regulation_date": parse_date(row["regulation_date"]),
        }
        iuv, iur = parse_iuv(row["iuv"]), parse_receipt_id(row["iur"])
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from None
    index = row["transfer_index"]
    if index not in {"1", "2", "3", "4", "5"}:
        raise ValueError(_("indice del trasferimento «%(value)s» non valido: da 1 a 5") % {"value": index})
    outcome = row["outcome_code"] or "0"
    if outcome not in OUTCOME_CODES:
        raise ValueError(
            _("codice esito «%(value)s» non previsto: %(codes)s")
            % {"value": outcome, "codes": ", ".join(OUTCOME_CODES)}
        )
    amount = parse_amount(row["amount"], decimal_mark, signed=True)
    if (amount < 0) != (outcome == "3"):
        raise ValueError(_("importo %(value)s: negativo solo con esito 3 (revocato)") % {"value": row["amount"]})
    return flow_id, header, ParsedLine(iuv, iur, int(index), amount, outcome, parse_date(row["outcome_date"]))


def parse_flow_csv(data, separator=None, decimal_mark=None):
    """{flow_id: (header dict, [ParsedLine])} from bytes or text; raises ``FlowFileError`` listing every
    bad row (the first 50), or saying what to change in the file as a whole."""
    try:
        table = read_table(data, CSV_FIELDS, ("amount",), separator, decimal_mark)
    except FileFormatError as exc:
        raise FlowFileError(str(exc)) from None
    flows, errors = {}, []
    for number, row in table.rows:
        try:
            flow_id, header, line = parse_flow_row(row, table.decimal_mark)
        except ValueError as exc:
            errors.append(_("riga %(n)s: %(reason)s") % {"n": number, "reason": exc})
            continue
        flows.setdefault(flow_id, (header, []))[1].append(line)
    if errors:
        raise FlowFileError("; ".join(errors[:50]))
    return flows


@transaction.atomic
def import_flow(flow_id, header, lines, source="file"):
    """Store one flow and its lines; returns the new ``ReportingFlow``, or ``None`` when this flow id
    is already imported with the same or a later date-time (a resent copy, or an older revision).

    A later date-time is a revision (FdR 3's ``revision``): the lines of the earlier revisions become
    SUPERSEDED, leave their receipt transfers, and their open anomalies are closed; the next
    ``reconcile()`` matches the new lines from scratch.
    """
    if header["flow_datetime"].tzinfo is None:
        header = {**header, "flow_datetime": header["flow_datetime"].replace(tzinfo=timezone.get_current_timezone())}
    latest = ReportingFlow.objects.select_for_update().filter(flow_id=flow_id).order_by("-revision").first()
    if latest is not None and header["flow_datetime"] <= latest.flow_datetime:
        logger.info("reporting flow %s already imported (revision %s)", flow_id, latest.revision)
        return None
    flow = ReportingFlow.objects.create(
        flow_id=flow_id,
        revision=latest.revision + 1 if latest else 1,
        total_payments=len(lines),
        total_amount_cents=sum(line.amount_cents for line in lines),
        source=source,
        **header,
    )
    if latest is not None:
        _supersede(flow)
    ReportingFlowLine.objects.bulk_create(
        (ReportingFlowLine(flow=flow, line_number=n, **vars(line)) for n, line in enumerate(lines, start=1)),
        batch_size=5000,
    )
    return flow


def _supersede(flow):
    earlier = ReportingFlowLine.objects.filter(flow__flow_id=flow.flow_id, flow__revision__lt=flow.revision)
    Anomaly.objects.filter(flow_line__in=earlier, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution_note=f"sostituita dalla revisione {flow.revision} del flusso"
    )
    earlier.exclude(status=FlowLineStatus.SUPERSEDED).update(status=FlowLineStatus.SUPERSEDED, receipt_transfer=None)


def import_flow_file(data, source="file", separator=None, decimal_mark=None):
    return [
        flow
        for flow_id, (header, lines) in parse_flow_csv(data, separator, decimal_mark).items()
        if (flow := import_flow(flow_id, header, lines, source))
    ]


STEPS = [
    # 1. One pass over the lines to look at — new ones, and those still without a receipt (it may
    #    have arrived since): a revocation (outcome 3) is REVOKED; otherwise each is a duplicate (its
    #    transfer was already reported, or an earlier line of this pass has the same IUV, IUR and
    #    index), matched or mismatched against its receipt transfer, or without receipt. A line
    #    still without receipt is left as it is, so re-running changes nothing.
    (
        "lines",
        """
        UPDATE payments_reportingflowline AS l
        SET status = CASE
                WHEN c.revoked THEN 'REVOKED'
                WHEN c.rn > 1 OR c.already THEN 'DUPLICATE'
                WHEN c.rt_id IS NULL THEN 'NO_RECEIPT'
                WHEN c.rt_amount = l.amount_cents THEN 'MATCHED'
                ELSE 'MISMATCH' END,
            receipt_transfer_id = CASE WHEN NOT c.revoked AND (c.rn > 1 OR c.already) THEN NULL ELSE c.rt_id END
        FROM (
            SELECT n.id, n.status, n.outcome_code = '3' AS revoked, rt.id AS rt_id, rt.amount_cents AS rt_amount,
                   row_number() OVER (PARTITION BY n.iuv, n.iur, n.transfer_index, n.outcome_code = '3'
                                      ORDER BY n.id) AS rn,
                   EXISTS (SELECT 1 FROM payments_reportingflowline AS o
                           WHERE o.iuv = n.iuv AND o.iur = n.iur AND o.transfer_index = n.transfer_index
                             AND o.status IN ('MATCHED', 'MISMATCH')) AS already
            FROM payments_reportingflowline AS n
            LEFT JOIN payments_receipt AS r ON r.iuv = n.iuv AND r.receipt_id = n.iur
            LEFT JOIN payments_receipttransfer AS rt ON rt.receipt_id = r.id AND rt."index" = n.transfer_index
            WHERE n.status IN ('NEW', 'NO_RECEIPT')
        ) AS c
        WHERE l.id = c.id AND (c.status = 'NEW' OR c.rt_id IS NOT NULL)
        """,
    ),
    # 2. Transfers of matched lines become REPORTED.
    (
        "transfers",
        """
        UPDATE payments_transfer AS t SET status = 'REPORTED'
        FROM payments_reportingflowline AS l JOIN payments_receipttransfer AS rt ON rt.id = l.receipt_transfer_id
        WHERE l.status = 'MATCHED' AND rt.transfer_id = t.id AND t.status = 'UNREPORTED'
        """,
    ),
    # 3. Paid options whose transfers to the municipality are all reported (those to other
    #    beneficiaries never appear in its flows), then paid positions with no paid option left. Only
    #    the backlog is PAID (reported ones are REPORTED), so these scans stay small in steady state.
    (
        "options",
        """
        UPDATE payments_paymentoption AS o SET status = 'REPORTED'
        WHERE o.status = 'PAID' AND NOT EXISTS (
            SELECT 1 FROM payments_transfer AS t
            WHERE t.option_id = o.id AND t.status = 'UNREPORTED' AND t.beneficiary_fiscal_code = %(creditor)s)
        """,
    ),
    (
        "positions",
        """
        UPDATE payments_debtposition AS p SET status = 'REPORTED', reporting_date = %(now)s, updated_at = %(now)s
        WHERE p.status = 'PAID' AND NOT EXISTS (
            SELECT 1 FROM payments_paymentoption AS o WHERE o.position_id = p.id AND o.status = 'PAID')
        """,
    ),
]

# What each line status means for a clerk; outcomes 8 and 9 without a receipt are their own case.
LINE_ANOMALIES = [
    (Q(status=FlowLineStatus.NO_RECEIPT) & ~Q(outcome_code__in=NO_RPT_OUTCOMES), Anomaly.Kind.LINE_WITHOUT_RECEIPT),
    (Q(status=FlowLineStatus.NO_RECEIPT, outcome_code__in=NO_RPT_OUTCOMES), Anomaly.Kind.PAID_WITHOUT_RECEIPT),
    (Q(status=FlowLineStatus.AMOUNT_MISMATCH), Anomaly.Kind.FLOW_AMOUNT_MISMATCH),
    (Q(status=FlowLineStatus.DUPLICATE), Anomaly.Kind.DUPLICATE_LINE),
    (Q(status=FlowLineStatus.REVOKED), Anomaly.Kind.PAYMENT_REVOKED),
]
RECEIPT_ARRIVED = [Anomaly.Kind.LINE_WITHOUT_RECEIPT, Anomaly.Kind.PAID_WITHOUT_RECEIPT]


@transaction.atomic
def reconcile(as_of=None, grace_days=GRACE_DAYS):
    """Match every new flow line, move what is fully reported, record anomalies. Returns counts.

    PostgreSQL only (``UPDATE … FROM`` with window functions); the SQLite of ``make run`` cannot reconcile.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("reconciliation needs PostgreSQL")
    now = timezone.now()
    as_of = as_of or now
    counts = {}
    with connection.cursor() as cursor:
        # Each step runs once over many rows: JIT compilation costs more than it saves (about a second a
        # statement), and sorts for the duplicate check should stay in memory.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        params = {"now": now, "creditor": conf.municipality_fiscal_code()}
        for name, sql in STEPS:
            started = time.perf_counter()
            cursor.execute(sql, {k: v for k, v in params.items() if f"%({k})s" in sql} or None)
            counts[name] = cursor.rowcount
            logger.debug(
                "reconciliation step %s: %d rows in %.2f s", name, cursor.rowcount, time.perf_counter() - started
            )
    counts["anomalies"] = _record_line_anomalies() + _record_unreported_receipts(as_of - timedelta(days=grace_days))
    ReportingFlow.objects.filter(reconciled_at__isnull=True).update(reconciled_at=now)
    logger.info("reconciliation: %s", counts)
    return counts


def _record_line_anomalies():
    """One anomaly per line and kind (its key makes a second one a no-op); a line without receipt
    whose receipt has arrived since has its anomaly closed."""
    Anomaly.objects.filter(kind__in=RECEIPT_ARRIVED, resolved_at__isnull=True).exclude(
        flow_line__status=FlowLineStatus.NO_RECEIPT
    ).update(resolved_at=timezone.now(), resolution_note="ricevuta arrivata: riga riconciliata")
    created = 0
    for condition, kind in LINE_ANOMALIES:
        lines = ReportingFlowLine.objects.filter(condition).exclude(anomaly__kind=kind)
        batch = [
            Anomaly(
                kind=kind,
                key=f"flowline:{line_id}:{status}",
                flow_line_id=line_id,
                detail={
                    "flow": flow_id,
                    "iuv": iuv,
                    "iur": iur,
                    "transfer": idx,
                    "amount_cents": amount,
                    "outcome": outcome,
                },
            )
            for line_id, status, flow_id, iuv, iur, idx, amount, outcome in lines.values_list(
                "pk", "status", "flow__flow_id", "iuv", "iur", "transfer_index", "amount_cents", "outcome_code"
            )
        ]
        created += len(Anomaly.objects.bulk_create(batch, ignore_conflicts=True, batch_size=5000))
    return created


def _record_unreported_receipts(cutoff):
    """Receipts paid before ``cutoff`` with a transfer to the municipality that no flow line mentions yet.

    A transfer reported with a wrong amount is already an anomaly of its own; it is not counted again.
    Anomalies of receipts reported since are closed.
    """
    from .models import ReceiptTransfer

    expected = ReceiptTransfer.objects.filter(
        flow_lines__isnull=True, transfer__beneficiary_fiscal_code=conf.municipality_fiscal_code()
    )
    Anomaly.objects.filter(kind=Anomaly.Kind.RECEIPT_NOT_REPORTED, resolved_at__isnull=True).exclude(
        Exists(expected.filter(receipt=OuterRef("receipt")))
    ).update(resolved_at=timezone.now(), resolution_note="rendicontata")
    unreported = (
        expected.filter(receipt__payment_datetime__lt=cutoff)
        .values_list("receipt_id", "receipt__receipt_id", "receipt__iuv")
        .distinct()
    )
    batch = [
        Anomaly(
            kind=Anomaly.Kind.RECEIPT_NOT_REPORTED,
            key=f"receipt:{pk}:not-reported",
            receipt_id=pk,
            detail={"iur": iur, "iuv": iuv},
        )
        for pk, iur, iuv in unreported
    ]
    return len(Anomaly.objects.bulk_create(batch, ignore_conflicts=True, batch_size=5000))


def backlog():
    """What the dashboard shows: lines to match, open anomalies, paid positions not yet reported."""
    from .models import DebtPosition
    from .states import PositionStatus

    return {
        "new_lines": ReportingFlowLine.objects.filter(status=FlowLineStatus.NEW).count(),
        "open_anomalies": Anomaly.objects.filter(resolved_at__isnull=True).count(),
        "paid_not_reported": DebtPosition.objects.filter(status=PositionStatus.PAID).count(),
    }
