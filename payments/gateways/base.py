"""The contract every payment gateway plugin fulfils.

A gateway turns an attempt into a checkout URL, turns the gateway's server-to-server notification
into a ``GatewayEvent`` (after checking its signature and freshness), and answers status queries for
attempts whose notification never came. It never writes to the database: ``payments.attempts`` does.
"""

from dataclasses import dataclass, field
from datetime import datetime

# Notifications older than this are refused (replays); duplicates inside it are caught by the inbox.
SIGNATURE_TOLERANCE_SECONDS = 300


class NotificationRefused(Exception):
    """The notification cannot be trusted (bad signature, stale timestamp, malformed body)."""

    def __init__(self, reason, detail=""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class ReturnUrls:
    ok: str
    cancel: str
    error: str
    # Where the gateway sends its server-to-server notifications (absolute).
    notify: str


@dataclass(frozen=True)
class ReceiptData:
    receipt_id: str
    notice_number: str
    amount_cents: int
    psp_id: str
    psp_name: str
    payment_datetime: datetime
    outcome: str = "OK"
    transfers: tuple = ()  # ((index, amount_cents), …)
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class GatewayEvent:
    event_id: str
    kind: str  # "authorized", "succeeded", "failed", "cancelled"
    attempt_reference: str
    timestamp: datetime
    receipts: tuple = ()
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StatusReport:
    kind: str | None  # as GatewayEvent.kind; None when the gateway knows nothing final yet
    receipts: tuple = ()


class Gateway:
    """Subclass, set ``id``/``name``/``is_demo``, implement the methods, decorate with ``@register``."""

    id: str = ""
    name: str = ""
    # Demo gateways never run with DEBUG off unless DEMO_MODE is on (system check payments.E001).
    is_demo: bool = False

    def check_config(self):
        """A list of configuration problems (strings); empty when the gateway can run."""
        return []

    def start_checkout(self, attempt, return_urls: ReturnUrls) -> str:
        """Register the attempt (one or more notices) with the gateway; return the URL to send the payer to."""
        raise NotImplementedError

    def handle_notification(self, request) -> GatewayEvent:
        """Verify and parse a server-to-server notification; raise ``NotificationRefused`` if untrusted."""
        raise NotImplementedError

    def handle_return(self, request) -> str | None:
        """The attempt reference the payer came back for, if the gateway tells it (it never tells the outcome)."""
        return None

    def query_status(self, attempt) -> StatusReport:
        """Ask the gateway what happened to an attempt (used when a notification is late or lost)."""
        raise NotImplementedError
