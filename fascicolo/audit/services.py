"""Writing and reading the access log; the only code that appends to it.

Other parts of the portal call ``record_access`` whenever staff read or change personal data, and
the dossier shows a resident ``entries_for_person``. Appends are serialised so that the chain never
forks: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the write lock that every
transaction takes at BEGIN (the settings open them ``IMMEDIATE``). The unique ``sequence`` makes
a fork impossible even if that serialisation were ever lost: the second writer would fail, not
branch.
"""

import json
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascicolo.observability import request_id_var
from fascicolo.private_paths import ensure_private_dir, open_private

from .keys import hmac_key
from .models import GENESIS_HASH, HMAC_SHA256, UNKEYED_SHA256, AccessAction, AccessLogEntry

# pg_advisory_xact_lock key of the chain's head ("fascicolo audit chain").
CHAIN_LOCK_KEY = 0x66_61_73_63_61_75_64_69 & 0x7FFF_FFFF_FFFF_FFFF
SYSTEM_OFFICE = _("Amministratore di sistema")


def record_access(*, actor, subject, action, obj, purpose="", changes=None, request=None, description=""):
    """Append one entry: ``actor`` (a user or None for the system) did ``action`` on ``obj``.

    ``subject`` is the ``registry.Person`` the data concerns (None only for data about no one);
    ``obj`` is a model instance, or a model class for lists and searches (then ``description``
    says what was looked for). Returns the entry.
    """
    return record_accesses(
        actor=actor,
        subjects=[subject],
        action=action,
        obj=obj,
        purpose=purpose,
        changes=changes,
        request=request,
        description=description,
    )[0]


def record_accesses(*, actor, subjects, action, obj, purpose="", changes=None, request=None, description=""):
    """Append one entry per person concerned (a household read concerns every member)."""
    subjects = list(subjects) or [None]
    action = AccessAction(action)
    object_model, object_pk, object_label = _describe(obj, description)
    actor_name, actor_office = _actor_snapshot(actor)
    changes = _jsonable(changes)
    request_id = _request_id(request)
    key = hmac_key()
    scheme = HMAC_SHA256 if key else UNKEYED_SHA256

    with transaction.atomic():
        _lock_chain()
        head = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
        sequence, previous_hash = head or (0, GENESIS_HASH)
        # Taken under the lock, so timestamps never run backwards along the chain.
        now = timezone.now()
        entries = []
        for subject in subjects:
            sequence += 1
            entry = AccessLogEntry(
                sequence=sequence,
                timestamp=now,
                actor_id=getattr(actor, "pk", None),
                actor_name=actor_name,
                actor_office=actor_office,
                subject_id=getattr(subject, "pk", subject),
                action=action,
                object_model=object_model,
                object_pk=object_pk,
                object_label=object_label,
                changes=changes,
                purpose=str(purpose or "")[:2000],
                request_id=request_id,
                previous_hash=previous_hash,
                hash_scheme=scheme,
            )
            entry.entry_hash = entry.compute_hash(key)
            previous_hash = entry.entry_hash
            entries.append(entry)
        AccessLogEntry.objects.bulk_create(entries)
    return entries


def entries_for_person(person):
    """Every access to this person's data, newest first (what the resident sees in the dossier)."""
    return AccessLogEntry.objects.filter(subject_id=getattr(person, "pk", person)).order_by("-sequence")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_sequence: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self):
        return self.broken_sequence is None


def verify_chain(chunk_size=2000):
    """Walk the chain from the first entry; report the first entry that does not fit."""
    expected_sequence, expected_previous = 1, GENESIS_HASH
    checked = 0
    key = hmac_key()
    for entry in AccessLogEntry.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        reason = ""
        if entry.sequence != expected_sequence:
            reason = f"sequence {entry.sequence} found where {expected_sequence} was expected (missing entries)"
        elif entry.previous_hash != expected_previous:
            reason = "previous_hash does not match the preceding entry's hash"
        elif entry.hash_scheme == HMAC_SHA256 and not key:
            reason = "the entry is keyed (HMAC) and no AUDIT_HMAC_KEY / AUDIT_HMAC_KEY_FILE is configured"
        elif entry.compute_hash(key) != entry.entry_hash:
            reason = "entry_hash does not match the entry's content (the entry was altered)"
        if reason:
            return ChainReport(checked=checked, broken_sequence=entry.sequence, broken_id=entry.pk, reason=reason)
        checked += 1
        expected_sequence, expected_previous = entry.sequence + 1, entry.entry_hash
    return ChainReport(checked=checked)


# --- Anchors: the chain's head written where the database cannot rewrite it -------------------------


@dataclass(frozen=True)
class Anchor:
    sequence: int
    entry_hash: str

    @property
    def line(self):
        return f"{self.sequence}:{self.entry_hash}"


def chain_head():
    head = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    return Anchor(*head) if head else None


def write_anchor(now=None):
    """Append the chain head to ``AUDIT_ANCHOR_FILE`` (a 0600 file outside the database) and mail it to
    ``AUDIT_ANCHOR_EMAILS``; returns the ``Anchor`` (``None`` for an empty log). Safe to run twice."""
    head = chain_head()
    if head is None:
        return None
    stamp = (now or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")
    path = Path(settings.AUDIT_ANCHOR_FILE)
    ensure_private_dir(path.parent)
    with open_private(path, "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {head.line}\n")
    if settings.AUDIT_ANCHOR_EMAILS:
        send_mail(
            subject=f"Registro degli accessi: ancora {stamp}",
            message=(
                f"Ancora del registro degli accessi al {stamp}: {head.line}\n"
                "Conservare questo messaggio: `manage.py verify_access_log --anchor "
                f"{head.line}` verifica che il registro la contenga ancora.\n"
            ),
            from_email=None,
            recipient_list=settings.AUDIT_ANCHOR_EMAILS,
        )
    return head


def read_anchors(path=None):
    """The anchors kept in ``AUDIT_ANCHOR_FILE`` (oldest first); ``[]`` when there is no file."""
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        sequence, _, entry_hash = line.rpartition(" ")[2].partition(":")
        if sequence.isdigit() and len(entry_hash) == 64:
            anchors.append(Anchor(int(sequence), entry_hash))
    return anchors


def check_anchor(anchor):
    """``""`` when the entry an anchor names is still there with the same hash, else what is wrong."""
    stored = AccessLogEntry.objects.filter(sequence=anchor.sequence).values_list("entry_hash", flat=True).first()
    if stored is None:
        return f"Access log truncated: anchor entry #{anchor.sequence} is missing."
    if stored != anchor.entry_hash:
        return f"Access log rewritten: entry #{anchor.sequence} no longer has the anchored hash."
    return ""


def _lock_chain():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    elif connection.vendor != "sqlite":
        # Elsewhere, lock the current head row (best effort; ``sequence`` stays unique regardless).
        list(AccessLogEntry.objects.select_for_update().order_by("-sequence")[:1])


def _describe(obj, description):
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk or ""), (description or str(obj))[:300]
    if isinstance(obj, type) and issubclass(obj, models.Model):
        return obj._meta.label_lower, "", str(description)[:300]
    return "", "", str(description or obj)[:300]


def _actor_snapshot(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "", ""
    name = (actor.get_full_name() or actor.get_username())[:300]
    # The office is the clerk's group; cached on the user object for the rest of the request.
    office = getattr(actor, "_audit_office", None)
    if office is None:
        office = ", ".join(sorted(actor.groups.values_list("name", flat=True)))
        if not office and actor.is_superuser:
            office = str(SYSTEM_OFFICE)
        actor._audit_office = office
    return name, office[:300]


def _request_id(request):
    value = getattr(request, "request_id", None) or request_id_var.get()
    return "" if value in (None, "-") else str(value)[:64]


def _jsonable(changes):
    # Dates, decimals and UUIDs become strings now, so the hash computed here is the one that a
    # later reading of the stored JSON reproduces.
    return None if changes is None else json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
