"""Hooks other apps subscribe to; sent after the payment's transaction has committed.

Each is sent from a robust ``transaction.on_commit`` with ``send_robust``: a failing receiver (or a
broker that is down when it queues its task) is logged and never undoes, or turns into an error, the
committed payment. A receiver therefore only queues idempotent work, and the consuming app keeps a
sweeper driven by its own state for whatever a lost signal missed (docs/architecture.md).

``position_published``: ``position`` (a ``DebtPosition``).
``option_paid``: ``receipt`` (a ``Receipt``), ``option``, ``attempt`` (may be ``None``).
``stamp_paid``: ``document_hash`` (base64 SHA-256 the stamp is bound to), ``receipt``, ``attempt``,
``reference`` (the caller's own reference given to ``request_stamp_payment``). See docs/payments.md.
"""

from django.dispatch import Signal

position_published = Signal()
option_paid = Signal()
stamp_paid = Signal()
