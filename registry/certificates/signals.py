"""Hooks other apps subscribe to; sent after the certificate's transaction has committed.

Sent from a robust ``transaction.on_commit`` with ``send_robust``, as the payments app's signals
(docs/architecture.md, "After-commit effects"): a failing receiver is logged and never undoes the
committed certificate.

``certificate_ready``: ``certificate_id`` — the certificate became READY (rendered without a stamp
due, or released once its stamp was paid). A certificate is READY once, so it is sent once per
certificate, but receivers must still be idempotent (the process may be re-run after a crash).
"""

from django.dispatch import Signal

certificate_ready = Signal()
