"""PostgreSQL restarted under the portal served as in production, and under a PDF worker.

The portal and the worker use a PostgreSQL cluster of the test's own (``tests/throwaway.py``: initdb
and pg_ctl in a temporary directory), filled with a copy of the test database; the machine's own
server is never touched. While the cluster is down every answer is the page or the portal's own 503
page with ``Retry-After`` — never a 500 — and nothing leaks (``served.Visitor.check``); the
requests wait for a connection at most ``DATABASE_POOL_TIMEOUT`` (shortened here). Once it is back the
portal reconnects by itself: psycopg's pool checks each connection before lending it
(``CONN_HEALTH_CHECKS``), so even right after a quick restart with no traffic in between, no request
gets a connection the restart killed. The worker recovers too: a certificate requested afterwards is
made.
"""

import time

import pytest

from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import Status
from tests.conftest import database_url_for_subprocess, wait_until
from tests.production import ServedPortal, production_server_env
from tests.throwaway import PrivatePostgres

from .served import Visitor, canaries, resident_visitor

pytestmark = pytest.mark.worker

DOWN_SECONDS = 6
RESIDENT = ["/area-personale/", "/area-personale/certificati/", "/area-personale/famiglia/"]
CERTIFICATES = "/area-personale/certificati/"


@pytest.fixture
def cluster():
    with PrivatePostgres() as cluster:
        yield cluster


def certificate_statuses(cluster, database, person):
    table = Certificate._meta.db_table
    query = f"SELECT status FROM {table} WHERE holder_id = {int(person.pk)} ORDER BY id"  # noqa: S608 (ints, a model's table)
    rows = cluster.psql(database, query)
    return rows.split() if rows else []


def request_certificate(visitor, person, kind):
    data = {"person": person.pk, "kind": kind, "exemption": StampExemption.ADOPTION.value}
    return visitor.post_form(CERTIFICATES, CERTIFICATES + "richiedi/", data)


def test_postgres_restart_gives_the_503_page_then_portal_and_worker_reconnect_by_themselves(
    cluster, tmp_path, production_static_root, worker_factory, family, other_family
):
    head = family["head"]
    env = production_server_env(tmp_path, production_static_root)
    portal = ServedPortal(tmp_path, {**env, "DATABASE_POOL_TIMEOUT": "3"})
    portal.env["CSRF_TRUSTED_ORIGINS"] = portal.url
    # Sessions first, in the test database; then the database is copied to the private cluster.
    resident = resident_visitor(portal, head, others=[other_family["head"]])
    anonymous = Visitor(portal, others=canaries(head))
    database = "fascicolo_faults"
    portal.env["DATABASE_URL"] = cluster.copy_database(database_url_for_subprocess(), database)
    worker_factory(PRIVATE_STORAGE_ROOT=tmp_path / "private", overrides={"DATABASE_URL": portal.env["DATABASE_URL"]})
    ready = Status.READY.value

    with portal:
        assert resident.get("/area-personale/").status_code == 200
        assert request_certificate(resident, head, "residenza").status_code == 302
        wait_until(lambda: certificate_statuses(cluster, database, head) == [ready], timeout=180, message="made")

        # Down: the portal answers, with the page or its 503 page.
        cluster.stop()
        stopped = time.monotonic()
        while time.monotonic() - stopped < DOWN_SECONDS:
            for path in RESIDENT:
                resident.get(path)
            anonymous.get("/")
        assert resident.statuses[503] > 0, resident.statuses  # the sessions are in the database
        cluster.start()

        # Back: the portal reconnects by itself; then every request is served.
        wait_until(lambda: resident.get("/area-personale/").status_code == 200, timeout=60, message="reconnected")
        before = resident.statuses[503]
        for _ in range(3):
            for path in RESIDENT:
                assert resident.get(path).status_code == 200, path

        # A quick restart with no traffic in between: the pool's health check hands out no dead
        # connection, so not even the first request after it fails.
        cluster.restart()
        for _ in range(3):
            for path in RESIDENT:
                assert resident.get(path).status_code == 200, path
        assert resident.statuses[503] == before

        # The worker reconnected too: a certificate requested now is made.
        assert request_certificate(resident, head, "nascita").status_code == 302
        wait_until(
            lambda: certificate_statuses(cluster, database, head) == [ready, ready], timeout=180, message="made after"
        )
    print(f"\nPostgreSQL restarted: resident {dict(resident.statuses)}, public {dict(anonymous.statuses)}")
