"""Residents' reads from a real streaming replica, with read-your-writes (fascicolo/replica.py).

A private primary (``tests/throwaway.py``) holds a copy of the test database; a standby is made from
it with ``pg_basebackup -R`` and streams from it, both on loopback. The portal, served as in
production, reads on the standby (``DATABASE_REPLICA_URL``) for the area personale. The standby's
replay is paused (``pg_wal_replay_pause()``), a lag as long as the test wants:

- a change made behind the portal's back on the primary is not seen by a resident until the replay
  resumes — the resident's pages are read from the standby;
- a resident who sends a request sees it at once, though the standby does not have it — after a
  write, that browser's reads stay on the primary (``DATABASE_REPLICA_PIN_SECONDS``);
- once the pin has expired, the same browser reads from the standby again.
"""

import time

import pytest

from registry.certificates.models import Certificate, StampExemption
from registry.models import Person
from tests.conftest import database_url_for_subprocess, wait_until
from tests.production import ServedPortal, production_server_env
from tests.throwaway import PrivatePostgres

from .served import resident_visitor

pytestmark = pytest.mark.django_db(transaction=True)

PIN_SECONDS = 8
DATABASE = "fascicolo_replica"


@pytest.fixture
def primary():
    with PrivatePostgres() as primary:
        yield primary


def test_resident_reads_come_from_the_replica_except_right_after_their_own_change(
    primary, tmp_path, production_static_root, family, other_family
):
    head, neighbour_person = family["head"], other_family["head"]
    env = production_server_env(tmp_path, production_static_root)
    portal = ServedPortal(tmp_path, {**env, "DATABASE_REPLICA_PIN_SECONDS": str(PIN_SECONDS)}, workers=1)
    portal.env["CSRF_TRUSTED_ORIGINS"] = portal.url
    resident = resident_visitor(portal, head, others=[neighbour_person])
    neighbour = resident_visitor(portal, neighbour_person, others=[head])
    portal.env["DATABASE_URL"] = primary.copy_database(database_url_for_subprocess(), DATABASE)
    standby = primary.replica()
    try:
        portal.env["DATABASE_REPLICA_URL"] = standby.url(DATABASE)
        people = Person._meta.db_table
        wait_until(lambda: standby.psql(DATABASE, f"SELECT count(*) FROM {people}") != "0", timeout=60)  # noqa: S608
        standby.psql(DATABASE, "SELECT pg_wal_replay_pause()")
        with portal:
            # Changed on the primary behind the portal's back: the standby has not replayed it yet.
            table = Person._meta.db_table
            primary.psql(DATABASE, f"UPDATE {table} SET given_name = 'Ada' WHERE id = {int(neighbour_person.pk)}")  # noqa: S608
            page = neighbour.get("/area-personale/dati/")
            assert page.status_code == 200 and "Ada" not in page.text and neighbour_person.given_name in page.text

            # The resident's own change is read back at once, from the primary.
            data = {"person": head.pk, "kind": "residenza", "exemption": StampExemption.ADOPTION.value}
            certificates = "/area-personale/certificati/"
            assert resident.post_form(certificates, certificates + "richiedi/", data).status_code == 302
            table = Certificate._meta.db_table
            pk = int(primary.psql(DATABASE, f"SELECT id FROM {table} WHERE holder_id = {int(head.pk)}"))  # noqa: S608
            assert resident.get(f"{certificates}{pk}/stato/").status_code == 200
            assert standby.psql(DATABASE, f"SELECT count(*) FROM {table}") == "0"  # noqa: S608

            # Once the pin has expired the resident reads from the standby again, which still lags.
            time.sleep(PIN_SECONDS + 1)
            assert resident.get(f"{certificates}{pk}/stato/").status_code == 404

            # The standby catches up: everyone sees everything.
            standby.psql(DATABASE, "SELECT pg_wal_replay_resume()")
            wait_until(lambda: "Ada" in neighbour.get("/area-personale/dati/").text, timeout=60, message="replayed")
            assert resident.get(f"{certificates}{pk}/stato/").status_code == 200
    finally:
        standby.remove()
