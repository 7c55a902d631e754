"""Hooks other apps subscribe to; sent after the payment's transaction has committed.

``option_paid``: ``receipt`` (a ``Receipt``), ``option``, ``attempt`` (may be ``None``).
``stamp_paid``: ``document_hash`` (base64 SHA-256 the stamp is bound to), ``receipt``, ``attempt``,
``reference`` (the caller's own reference given to ``request_stamp_payment``). See docs/payments.md.
"""

from django.dispatch import Signal

option_paid = Signal()
stamp_paid = Signal()
