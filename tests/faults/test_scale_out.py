"""The web tier is stateless: two gunicorn processes behind nginx share sessions, limits and the room.

Two gunicorn processes (production settings, DEBUG off) listen on two ports; nginx, configured from
deploy/nginx/ with both in its upstream, balances between them round robin, as a load balancer in
front of two machines would. Each step of a resident's journey is sent to the other process on
purpose — straight to its port with the proxy's headers and the same cookies — and then through
nginx: the session (PostgreSQL), the flash messages, the CSRF token, the per-resident limits
(django-ratelimit, counted in Redis) and the waiting room (Redis) are the same on both. See
docs/scale-out.md.
"""

import pytest
from django.conf import settings

from fascicolo.admission.middleware import STATUS_PATH
from registry.certificates.models import Certificate, StampExemption
from tests.production import ServedPortal, production_server_env

from .served import Visitor, canaries, resident_visitor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("room")]

CERTIFICATES = "/area-personale/certificati/"
REQUEST = CERTIFICATES + "richiedi/"


@pytest.fixture
def portal(tmp_path, production_static_root, settings):
    env = production_server_env(tmp_path, production_static_root)
    env.update(
        ADMISSION_CAPACITY="2",
        ADMISSION_REDIS_PREFIX=settings.ADMISSION_REDIS_PREFIX,  # the room's fixture: this test's own
        LIMIT_CERTIFICATE_REQUESTS="2/d",  # a day: no window ends during the test
    )
    portal = ServedPortal(tmp_path, env, workers=1, backends=2)
    portal.env["CSRF_TRUSTED_ORIGINS"] = portal.url
    with portal:
        yield portal


def room_state(response):
    return response.headers.get("X-Waiting-Room", "admitted")


def certificate_request(person, kind):
    return {"person": person.pk, "kind": kind, "exemption": StampExemption.ADOPTION.value}


def test_a_resident_moves_between_web_processes_mid_journey(portal, family, other_family):
    head, neighbour_person = family["head"], other_family["head"]
    first, second = portal.backend_urls
    resident = resident_visitor(portal, head, others=[neighbour_person])
    neighbour = resident_visitor(portal, neighbour_person, others=[head])
    latecomer = Visitor(portal, others=canaries(head) + canaries(neighbour_person))

    # The session written once is valid on both processes.
    for backend in (first, second):
        page = resident.get("/area-personale/dati/", base=backend)
        assert (page.status_code, room_state(page)) == (200, "admitted")
        assert head.fiscal_code in page.text

    # A form shown by one process is accepted by the other (CSRF token, session); the flash message
    # set by the second is shown by the first.
    sent = resident.post_form(CERTIFICATES, REQUEST, certificate_request(head, "residenza"), first, second)
    assert sent.status_code == 302, sent.text[:2000]
    shown = resident.get(CERTIFICATES, base=first)
    assert "Richiesta ricevuta" in shown.text

    # The per-resident limit (2 a day here) is counted once for both processes.
    second_request = resident.post_form(CERTIFICATES, REQUEST, certificate_request(head, "nascita"), second, first)
    assert second_request.status_code == 302
    refused = resident.post_form(CERTIFICATES, REQUEST, certificate_request(head, "stato_famiglia"), first, second)
    assert refused.status_code == 429
    assert Certificate.objects.filter(holder=head).count() == 2

    # One waiting room for both: two admitted at once, the third waits at the same place on either.
    assert room_state(neighbour.get("/area-personale/", base=second)) == "admitted"
    assert room_state(latecomer.get("/accesso/", base=first)) == "waiting"
    assert [latecomer.get(STATUS_PATH, base=backend).json() for backend in (first, second)] == [
        {"state": "waiting", "position": 1, "wait_seconds": settings.ADMISSION_WINDOW_SECONDS // 2}
    ] * 2
    assert room_state(resident.get("/area-personale/", base=second)) == "admitted"

    # Through nginx, round robin: the same resident is served by both processes, always as themself.
    already = len(portal.upstreams())
    for _ in range(6):
        page = resident.get("/area-personale/dati/")
        assert page.status_code == 200 and head.fiscal_code in page.text
    served_by = {upstream for upstream, status, uri in portal.upstreams()[already:] if uri == "/area-personale/dati/"}
    assert served_by == {backend.removeprefix("http://") for backend in portal.backend_urls}, portal.upstreams()
