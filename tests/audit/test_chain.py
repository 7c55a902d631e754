"""The access log is a hash chain: appends link up, edits are refused, forgeries are found."""

import os
import subprocess
import sys
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from fascicolo.audit.keys import hmac_key
from fascicolo.audit.models import GENESIS_HASH, AccessAction, AccessLogEntry
from fascicolo.audit.services import entries_for_person, record_access, record_accesses, verify_chain
from tests.audit.people import make_person
from tests.conftest import ROOT, database_url_for_subprocess


@pytest.fixture
def clerk(db):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("m.bianchi", first_name="Maria", last_name="Bianchi", is_staff=True)
    user.groups.add(Group.objects.get(name="Ufficio anagrafe"))
    return user


def test_entries_link_into_a_chain(clerk):
    person = make_person()
    first = record_access(actor=clerk, subject=person, action=AccessAction.VIEW, obj=person, purpose="Certificato")
    second = record_access(
        actor=clerk,
        subject=person,
        action=AccessAction.CHANGE,
        obj=person,
        changes={"email": {"old": "", "new": "a@example.org"}},
    )

    assert first.sequence + 1 == second.sequence
    assert second.previous_hash == first.entry_hash
    assert first.actor_name == "Maria Bianchi"
    assert first.actor_office == "Ufficio anagrafe"
    assert first.object_model == "registry.person" and first.object_pk == str(person.pk)
    stored = AccessLogEntry.objects.get(pk=second.pk)
    assert stored.compute_hash(hmac_key()) == stored.entry_hash
    assert list(entries_for_person(person)) == [stored, AccessLogEntry.objects.get(pk=first.pk)]
    assert verify_chain().ok


def test_first_entry_starts_from_the_genesis_hash(clerk):
    entry = record_access(actor=clerk, subject=None, action=AccessAction.SEARCH, obj=None, description="rossi")
    assert entry.sequence == 1 and entry.previous_hash == GENESIS_HASH


def test_one_entry_per_member(clerk):
    people = [make_person(), make_person()]
    entries = record_accesses(actor=clerk, subjects=people, action=AccessAction.VIEW, obj=people[0])
    assert [e.subject_id for e in entries] == [p.pk for p in people]
    assert entries[1].previous_hash == entries[0].entry_hash


def test_entries_for_person_shows_only_that_person(clerk):
    mine, other = make_person(), make_person()
    record_access(actor=clerk, subject=other, action=AccessAction.VIEW, obj=other)
    record_access(actor=clerk, subject=mine, action=AccessAction.VIEW, obj=mine, purpose="Verifica")
    [entry] = entries_for_person(mine)
    assert entry.purpose == "Verifica"
    assert entry.get_action_display() == "Consultazione"
    assert entry.object_description.startswith("Persona: ")


def test_database_refuses_update_and_delete(clerk):
    person = make_person()
    entry = record_access(actor=clerk, subject=person, action=AccessAction.VIEW, obj=person)
    for statement in ("UPDATE audit_accesslogentry SET purpose = 'x' WHERE id = %s",
                      "DELETE FROM audit_accesslogentry WHERE id = %s"):  # fmt: skip
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()


def _forge(sql, params):
    """Tamper as a database owner would: switch the trigger off, edit, switch it back on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER audit_accesslogentry_append_only")


def _three_entries(clerk):
    person = make_person()
    return [
        record_access(actor=clerk, subject=person, action=AccessAction.VIEW, obj=person, purpose=f"p{i}")
        for i in range(3)
    ]


def test_verify_command_passes_on_an_intact_chain(clerk, capsys):
    _three_entries(clerk)
    call_command("verify_access_log")
    assert "3 entries verified" in capsys.readouterr().out


def test_anchor_catches_a_truncated_tail(clerk, capsys):
    entries = _three_entries(clerk)
    call_command("verify_access_log")
    head = capsys.readouterr().out.split("Head: ")[1].strip()
    assert head == f"{entries[2].sequence}:{entries[2].entry_hash}"

    call_command("verify_access_log", anchor=head)
    _forge("DELETE FROM audit_accesslogentry WHERE sequence >= %s", [entries[1].sequence])
    call_command("verify_access_log")  # what is left is still a valid chain…
    with pytest.raises(CommandError, match="truncated"):
        call_command("verify_access_log", anchor=head)  # …but the anchored entry is gone
    with pytest.raises(CommandError, match="SEQUENCE:HASH"):
        call_command("verify_access_log", anchor="nonsense")


def test_anchor_catches_a_rewritten_chain(clerk):
    entries = _three_entries(clerk)
    with pytest.raises(CommandError, match="rewritten"):
        call_command("verify_access_log", anchor=f"{entries[0].sequence}:{'f' * 64}")


def test_forged_purpose_is_found(clerk):
    entries = _three_entries(clerk)
    _forge("UPDATE audit_accesslogentry SET purpose = 'innocuous' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=rf"entry #{entries[1].sequence} .*altered"):
        call_command("verify_access_log")


def test_forged_entry_with_recomputed_hash_breaks_the_next_link(clerk):
    entries = _three_entries(clerk)
    forged = AccessLogEntry.objects.get(pk=entries[1].pk)
    forged.purpose = "innocuous"
    _forge(
        "UPDATE audit_accesslogentry SET purpose = %s, entry_hash = %s WHERE id = %s",
        [forged.purpose, forged.compute_hash(hmac_key()), forged.pk],  # even a forger holding the key
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_sequence == entries[2].sequence
    assert "previous_hash" in report.reason


def test_deleted_entry_is_found(clerk):
    entries = _three_entries(clerk)
    _forge("DELETE FROM audit_accesslogentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert report.broken_sequence == entries[2].sequence
    assert "missing" in report.reason


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain():
    from django.db import connections

    threads, per_thread = 6, 15
    people = [make_person() for _ in range(threads)]
    barrier = threading.Barrier(threads)
    errors = []

    def append(person):
        try:
            barrier.wait()
            for i in range(per_thread):
                record_access(actor=None, subject=person, action=AccessAction.VIEW, obj=person, purpose=str(i))
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=append, args=(person,)) for person in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    sequences = list(AccessLogEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, threads * per_thread + 1))
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_verify_command_exit_code(clerk):
    """What cron or a monitoring check sees: a non-zero exit naming the entry (exit 0: see above)."""
    entries = _three_entries(clerk)
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "fascicolo.test_settings",
    }

    _forge("UPDATE audit_accesslogentry SET actor_name = 'Nessuno' WHERE id = %s", [entries[0].pk])
    broken = subprocess.run(
        [sys.executable, "manage.py", "verify_access_log"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert broken.returncode != 0
    assert f"entry #{entries[0].sequence}" in broken.stderr
