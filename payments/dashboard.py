"""Figures for the clerks' monitoring dashboard, and bar charts drawn as server-side SVG (no JS, no
CDN); every chart has a table with the same numbers beside it.

Days and hours are those of the municipality's clock, Europe/Rome (``TIME_ZONE``), summer time
included: a payment at 00:15 on 1 January in Rome (23:15 UTC on 31 December) counts for 1 January,
hour 0. Times are stored in UTC; the database groups them in Rome time (``AT TIME ZONE``).
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from .models import DebtPosition, PaymentAttempt, Receipt, ServiceCategory
from .reconciliation import backlog
from .states import AttemptStatus, PositionStatus

CHART_WIDTH, CHART_HEIGHT, GAP = 720, 180, 2


def bars(rows):
    """rows: [(label, value)] → SVG bar geometry scaled to the largest value."""
    top = max((value for _, value in rows), default=0) or 1
    width = CHART_WIDTH / max(len(rows), 1)
    return [
        {
            "label": label,
            "value": value,
            "x": round(i * width, 1),
            "width": round(max(width - GAP, 1), 1),
            "height": round(value / top * (CHART_HEIGHT - 20), 1),
            "y": round(CHART_HEIGHT - value / top * (CHART_HEIGHT - 20), 1),
        }
        for i, (label, value) in enumerate(rows)
    ]


def figures(days=30, now=None):
    """The dashboard's numbers over the last ``days`` days (today included) in Rome time."""
    local = timezone.get_default_timezone()
    today = timezone.localtime(now or timezone.now(), local).date()
    days_list = [today - timedelta(days=days - 1 - i) for i in range(days)]
    since = datetime.combine(days_list[0], time.min, tzinfo=local)  # midnight in Rome, DST-aware
    receipts = Receipt.objects.filter(payment_datetime__gte=since)
    per_day = {
        row["day"]: row
        for row in receipts.annotate(day=TruncDate("payment_datetime", tzinfo=local))
        .values("day")
        .annotate(n=Count("pk"), cents=Sum("amount_cents"))
    }
    day_rows = [(d, per_day.get(d, {}).get("n", 0), per_day.get(d, {}).get("cents", 0) or 0) for d in days_list]
    per_hour = dict(
        receipts.annotate(h=ExtractHour("payment_datetime", tzinfo=local))
        .values("h")
        .annotate(n=Count("pk"))
        .values_list("h", "n")
    )
    hour_rows = [(h, per_hour.get(h, 0)) for h in range(24)]
    labels = dict(ServiceCategory.choices)
    service_rows = [
        (labels.get(row["option__position__category"], row["option__position__category"]), row["n"], row["cents"])
        for row in receipts.values("option__position__category")
        .annotate(n=Count("pk"), cents=Sum("amount_cents"))
        .order_by("-n")
    ]
    status_labels = dict(PositionStatus.choices)
    status_rows = [
        (status_labels[row["status"]], row["n"])
        for row in DebtPosition.objects.values("status").annotate(n=Count("pk")).order_by("status")
    ]
    attempt_labels = dict(AttemptStatus.choices)
    attempt_rows = [
        (attempt_labels[row["status"]], row["n"])
        for row in PaymentAttempt.objects.filter(created_at__gte=since).values("status").annotate(n=Count("pk"))
    ]
    return {
        "days": days,
        "day_rows": day_rows,
        "day_count_bars": bars([(d.strftime("%d/%m"), n) for d, n, _ in day_rows]),
        "day_amount_bars": bars([(d.strftime("%d/%m"), c / 100) for d, _, c in day_rows]),
        "hour_rows": hour_rows,
        "hour_bars": bars([(f"{h:02d}", n) for h, n in hour_rows]),
        "service_rows": service_rows,
        "service_bars": bars([(label, n) for label, n, _ in service_rows]),
        "status_rows": status_rows,
        "status_bars": bars(status_rows),
        "attempt_rows": attempt_rows,
        "backlog": backlog(),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
    }
