"""The identity provider failing for a while on a click day: admitted residents keep their place.

On the "bonus bici" click day the SPID providers failed and admitted residents burnt their slot and
had to queue again. Here the demo provider answers 503 (``DEMO_IDP_FAULTS``: ``unavailable``, then
only its token endpoint) for longer than the admission window, while the resident tries again as a
person does; the residents behind keep waiting in the same order, and when the provider recovers the
resident logs in and reaches the area personale without queueing again. Over real HTTP on a live
server, with the waiting room in the real Redis.
"""

import time

import pytest
import requests

from fascicolo.admission import queue
from fascicolo.admission.middleware import STATUS_PATH
from tests.identity.conftest import Flow, make_person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("room")]

# The admission window, shortened (production: 20 minutes) but long enough for a loaded CI machine,
# where one request can take seconds; the provider stays down for twice as long.
WINDOW_SECONDS = 15


def room_state(response):
    return response.headers.get("X-Waiting-Room", "admitted")


def positions(sessions, base):
    return [session.get(base + STATUS_PATH).json().get("position") for session in sessions]


def test_admitted_resident_is_not_sent_back_to_the_queue_while_the_provider_fails(demo_provider, settings):
    settings.ADMISSION_WINDOW_SECONDS = WINDOW_SECONDS
    base = demo_provider.url
    resident = make_person()
    queue.set_live(capacity=1, opens_at=0)
    flow = Flow(base, requests.Session())
    assert room_state(flow.http.get(base + "/accesso/")) == "admitted"
    behind = [requests.Session() for _ in range(2)]
    assert [room_state(session.get(base + "/accesso/")) for session in behind] == ["waiting", "waiting"]

    # The provider is down for more than the admission window; the resident tries again every second.
    settings.DEMO_IDP_FAULTS = {"unavailable"}
    tries, deadline = 0, time.monotonic() + 2 * WINDOW_SECONDS
    while time.monotonic() < deadline:
        start = flow.http.get(f"{base}/accesso/spid-demo/avvia/?level=2", allow_redirects=False)
        assert room_state(start) == "admitted", f"sent back to the queue after {tries} tries"
        assert start.status_code != 500
        if start.status_code == 302:  # the portal knew the provider: the provider's own page fails
            assert flow.http.get(start.headers["Location"]).status_code == 503
        else:  # the portal could not reach the provider: its own clear page
            assert start.status_code == 403 and "non risponde" in start.text, start.text[:1000]
        tries += 1
        time.sleep(1)
    assert positions(behind, base) == [1, 2]

    # The provider half-recovers: its login page works, its token endpoint still fails, so the return
    # to the portal fails with a clear page, not a 500.
    settings.DEMO_IDP_FAULTS = {"token_unavailable"}
    back = flow.callback(flow.authorize(flow.start(), fiscal_code=resident.fiscal_code))
    assert back.status_code in (302, 403), back.text[:1000]
    assert flow.user_id() is None
    assert room_state(flow.http.get(base + "/accesso/")) == "admitted"

    # The provider recovers: the resident logs in and is in, without queueing again.
    settings.DEMO_IDP_FAULTS = set()
    assert flow.login(fiscal_code=resident.fiscal_code).status_code == 302
    assert flow.user_id()
    page = flow.http.get(base + "/area-personale/", allow_redirects=False)
    assert (page.status_code, room_state(page)) == (200, "admitted")
    assert resident.family_name in page.text
    assert positions(behind, base) == [1, 2]
