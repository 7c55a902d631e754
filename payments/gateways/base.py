"""The contract every payment gateway plugin fulfils, and the types it speaks.

A gateway turns an attempt into a checkout URL, turns the gateway's server-to-server notification
into a ``GatewayEvent`` (after checking its signature and freshness), and answers status queries for
attempts whose notification never came. Fetching the PSP's reporting flows is an optional part of the
contract (``fetches_reporting_flows``). A gateway never writes to the database: ``payments.attempts``
does.

Gateway classes register their ``type`` with ``payments.gateways.register``; one instance is built
per entry of ``settings.PAYMENTS_GATEWAYS`` (``PAYMENTS_GATEWAYS`` / ``PAYMENTS_GATEWAY_<ID>_*`` in
the environment, docs/payments.md), so several gateways, or several instances of one type, can be
configured side by side.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

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


class EventKind(StrEnum):
    """What a gateway event says happened to an attempt (the inbox maps each to an attempt status)."""

    AUTHORIZED = "authorized"  # the PSP took the payment in hand; the outcome follows
    SUCCEEDED = "succeeded"  # paid: the event carries the receipts
    FAILED = "failed"
    CANCELLED = "cancelled"  # the payer gave up at the PSP


def event_kind(value):
    """``value`` as an ``EventKind``; an unknown kind is returned as received (a string), so the inbox
    records the event and refuses it visibly instead of the gateway guessing."""
    try:
        return EventKind(value)
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class GatewayEvent:
    event_id: str
    kind: EventKind | str  # an EventKind; a string only for a kind the gateway did not recognise
    attempt_reference: str
    timestamp: datetime
    receipts: tuple = ()
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StatusReport:
    kind: EventKind | None  # None when the gateway knows nothing final yet
    receipts: tuple = ()


class Gateway:
    """Subclass, set ``type``/``name``/``is_demo``, implement the methods, decorate with ``@register``.

    ``config`` is the instance's configuration entry: ``id`` (what attempts and the notification URL
    name), ``type``, an optional ``label`` and the type's own keys (lower case, as strings).
    """

    type: str = ""
    name: str = ""
    # Demo gateways never run with DEBUG off unless DEMO_MODE is on (system check payments.E002).
    is_demo: bool = False
    # Whether ``fetch_reporting_flows`` is implemented (the optional part of the contract).
    fetches_reporting_flows: bool = False

    def __init__(self, config):
        self.config = dict(config)
        self.id: str = self.config["id"]
        self.name = self.config.get("label") or type(self).name or self.id

    def __repr__(self):
        return f"<{type(self).__name__} {self.id}>"

    def check_config(self):
        """A list of configuration problems (strings); empty when the gateway can run. No network I/O."""
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

    def fetch_reporting_flows(self, day: date) -> str:
        """Optional: the PSP's reporting flows (*flussi di rendicontazione*) of ``day``, as the CSV text
        ``payments.reconciliation.import_flow_file`` reads (docs/payments.md). A gateway that cannot
        fetch them keeps ``fetches_reporting_flows`` False; its flows arrive as files instead
        (``manage.py import_reporting_flows PATH``). Raises ``requests.RequestException`` on I/O errors."""
        raise NotImplementedError(f"{self.type} gateways do not fetch reporting flows")
