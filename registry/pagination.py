"""A paginator for tables of millions of rows: it never counts a whole table.

Django's admin changelist asks its paginator for ``count`` on every load. On the register
(1.4 million people in Milan) ``SELECT COUNT(*)`` walks the whole table each time. Instead:

- unfiltered list on PostgreSQL: the planner's row estimate, ``pg_class.reltuples``, kept fresh by
  autovacuum (good to a few percent, which is all a page count needs);
- filtered list, or a table never analysed: count exactly up to ``exact_limit`` rows
  (``COUNT(*)`` over a ``LIMIT`` subquery, so the cost is bounded); past that, the planner's
  estimate for the filtered query from ``EXPLAIN``.

The figure shown is then approximate for very large result sets; paging still works, and a page
past the real end is simply empty.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    exact_limit = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            estimate = _table_estimate(connection, queryset.model._meta.db_table)
            if estimate > self.exact_limit:
                return estimate
        bounded = queryset.order_by()[: self.exact_limit + 1].count()
        if bounded <= self.exact_limit or connection.vendor != "postgresql":
            return bounded
        return max(_plan_estimate(queryset), bounded)


def _table_estimate(connection, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    # -1 means never analysed (PostgreSQL 14+).
    return int(row[0]) if row and row[0] is not None else -1


def _plan_estimate(queryset):
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
