"""The access log's keyed chain and its anchors outside the database (issue 12)."""

import hashlib
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fascicolo.audit import tasks
from fascicolo.audit.keys import hmac_key
from fascicolo.audit.models import HMAC_SHA256, UNKEYED_SHA256, AccessAction, AccessLogEntry
from fascicolo.audit.services import read_anchors, record_access, verify_chain
from tests.audit.people import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(tmp_path, settings):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors" / "audit-anchors.log")
    settings.AUDIT_ANCHOR_EMAILS = ["dpo@comune.example.it"]
    return tmp_path / "anchors" / "audit-anchors.log"


def append(n=3):
    person = make_person()
    return [
        record_access(actor=None, subject=person, action=AccessAction.VIEW, obj=person, purpose=f"Verifica {i}")
        for i in range(n)
    ]


def forge(sql, params):
    """Write as a table owner could: with the append-only trigger switched off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslogentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER USER")


def test_new_entries_are_keyed_and_a_chain_rebuilt_without_the_key_is_found():
    entries = append()
    assert {e.hash_scheme for e in entries} == {HMAC_SHA256}
    assert verify_chain().ok
    # Someone with write access to the database, but not the key, rewrites a purpose and recomputes
    # every hash from there on with SHA-256: each link is consistent, but not keyed.
    previous = entries[0].entry_hash
    for entry in entries[1:]:
        row = AccessLogEntry.objects.get(pk=entry.pk)
        row.purpose, row.previous_hash = "innocuo", previous
        forged = hashlib.sha256(row.canonical_payload()).hexdigest()
        forge(
            "UPDATE audit_accesslogentry SET purpose = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
            [row.purpose, previous, forged, row.pk],
        )
        previous = forged
    report = verify_chain()
    assert report.broken_sequence == entries[1].sequence and "altered" in report.reason


def test_entries_written_before_the_key_stay_verifiable(settings):
    settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_KEY_FILE = "", ""
    old = append(2)
    assert {e.hash_scheme for e in old} == {UNKEYED_SHA256}
    settings.AUDIT_HMAC_KEY = "a key from the environment, outside the database"
    new = append(2)
    assert {e.hash_scheme for e in new} == {HMAC_SHA256} and new[0].previous_hash == old[-1].entry_hash
    assert verify_chain().ok
    settings.AUDIT_HMAC_KEY = "another key"
    report = verify_chain()
    assert report.broken_sequence == new[0].sequence and "altered" in report.reason


def test_the_key_file_is_created_private(tmp_path, settings):
    settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_KEY_FILE = "", str(tmp_path / "keys" / "audit_hmac_key")
    key = hmac_key()
    assert len(key) == 64 and hmac_key() == key
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / "audit_hmac_key").st_mode) == 0o600


def test_the_daily_anchor_goes_outside_the_database_and_verify_checks_it(anchors, mailoutbox, capsys):
    entries = append()
    assert tasks.anchor_access_log() == f"{entries[-1].sequence}:{entries[-1].entry_hash}"
    assert stat.S_IMODE(os.stat(anchors).st_mode) == 0o600
    assert [a.sequence for a in read_anchors()] == [entries[-1].sequence]
    [mail] = mailoutbox
    assert mail.to == ["dpo@comune.example.it"] and entries[-1].entry_hash in mail.body

    call_command("verify_access_log")
    assert "1 anchors verified" in capsys.readouterr().out

    # The newest entries removed: the chain left is valid, the anchor is not.
    forge("DELETE FROM audit_accesslogentry WHERE id = %s", [entries[-1].pk])
    assert verify_chain().ok
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_access_log")


def test_an_empty_log_writes_no_anchor(anchors):
    assert tasks.anchor_access_log() is None and not anchors.exists()
