"""Admission control: capacity, the fair line, the tickets, the waiting room served from Redis alone."""

import datetime
import json
import statistics
import time

import pytest
import redis
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.utils import timezone

from fascicolo.admission import queue, tickets
from fascicolo.admission.middleware import STATUS_PATH
from fascicolo.audit.models import AccessAction, AccessLogEntry
from fascicolo.audit.services import verify_chain
from tests.staff.conftest import password_login, second_factor, totp_code

from .conftest import arrive, token_of

PORTAL = "/area-personale/"


def state(response):
    return response.get("X-Waiting-Room", "admitted")


def status(client):
    return json.loads(client.get(STATUS_PATH).content)


def test_no_capacity_means_no_waiting_room_and_no_cookie(client):
    response = client.get(PORTAL)
    assert state(response) == "admitted"
    assert tickets.TICKET_COOKIE not in response.cookies


def test_waiting_room_is_served_without_database_and_without_session(db, django_assert_num_queries):
    queue.set_live(capacity=1, opens_at=0)
    first, second = arrive(2)
    assert state(first.get(PORTAL)) == "admitted"
    with django_assert_num_queries(0):
        response = second.get(PORTAL)
    assert response.status_code == 200
    assert state(response) == "waiting"
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"] == "private, no-store"
    assert "Posizione in fila: 1" in response.content.decode()
    assert "http-equiv" not in response.content.decode()
    with django_assert_num_queries(0):
        assert status(second) == {"state": "waiting", "position": 1, "wait_seconds": 1200}


def test_waiting_room_speaks_english(db):
    queue.set_live(capacity=1, opens_at=0)
    Client().get(PORTAL)
    response = Client(headers={"accept-language": "en"}).get(PORTAL)
    assert "Waiting room" in response.content.decode()


def test_admission_follows_ticket_order_and_capacity_changes_live(db):
    queue.set_live(capacity=1, opens_at=0)
    residents = arrive(5)
    assert [state(r.get(PORTAL)) for r in residents] == ["admitted"] + ["waiting"] * 4
    assert [status(r)["position"] for r in residents[1:]] == [1, 2, 3, 4]

    queue.set_live(capacity=3, opens_at=0)  # the operator, from the admin: no restart
    # The fourth asks first, but the two places go to the second and the third.
    assert status(residents[3]) == {"state": "waiting", "position": 1, "wait_seconds": 400}
    assert state(residents[2].get(PORTAL)) == "admitted"
    assert state(residents[1].get(PORTAL)) == "admitted"
    assert [status(r)["position"] for r in residents[3:]] == [1, 2]
    # An admitted resident stays admitted on every later request (the window slides).
    assert state(residents[0].get(PORTAL)) == "admitted"


def test_forged_ticket_is_refused_and_goes_to_the_end(db):
    queue.set_live(capacity=1, opens_at=0)
    residents = arrive(4)
    for resident in residents:
        resident.get(PORTAL)
    cheat = residents[3]
    secret = cheat.cookies[tickets.SECRET_COOKIE].value
    binding = tickets._binding(secret)
    # A ticket for the admitted resident's token, signed with a guessed key.
    forged = signing.dumps({"t": token_of(residents[0]), "b": binding}, key="guess", salt=tickets.SALT)
    cheat.cookies[tickets.TICKET_COOKIE] = forged
    response = cheat.get(PORTAL)
    assert state(response) == "waiting"
    assert response.cookies[tickets.TICKET_COOKIE].value != forged
    assert status(cheat)["position"] == 4  # a new ticket, behind everyone


def test_ticket_copied_to_another_browser_is_refused(db):
    queue.set_live(capacity=1, opens_at=0)
    owner, other = arrive(2)
    owner.get(PORTAL)
    other.get(PORTAL)
    thief = Client()
    thief.cookies[tickets.SECRET_COOKIE] = "another-browser-secret"
    thief.cookies[tickets.TICKET_COOKIE] = owner.cookies[tickets.TICKET_COOKIE].value
    response = thief.get(PORTAL)
    assert state(response) == "waiting"
    assert token_of(thief) != token_of(owner)
    assert status(thief)["position"] == 2


def test_stale_ticket_replayed_a_day_later_is_refused(db, monkeypatch):
    queue.set_live(capacity=1, opens_at=0)
    Client().get(PORTAL)
    late = Client()
    late.get(PORTAL)
    ticket = late.cookies[tickets.TICKET_COOKIE].value
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + tickets.MAX_AGE_SECONDS + 60)
    late.cookies[tickets.TICKET_COOKIE] = ticket
    late.get(PORTAL)
    monkeypatch.undo()
    assert late.cookies[tickets.TICKET_COOKIE].value != ticket


def test_pre_opening_cohort_is_shuffled_then_served_before_later_arrivals():
    queue.set_live(capacity=1, opens_at=int(time.time()) + 3600)
    cohort = [f"resident-{i}" for i in range(100)]
    for arrival, token in enumerate(cohort, start=1):
        place = queue.place(token)
        assert (place.state, place.position) == ("before_opening", arrival)

    queue.set_live(capacity=1, opens_at=int(time.time()) - 1)  # the click: opening now
    late = queue.place("arrived-after-opening")
    numbers = [int(queue.client().get(queue._key("t:" + token))) for token in cohort]
    assert sorted(numbers) == list(range(1, 101))
    # A random permutation of 100 has a rank correlation with arrival order of about ±0.1; the
    # arrival order would give 1. Below 0.5 fails by chance with probability under one in a million.
    assert abs(statistics.correlation(range(100), numbers, method="ranked")) < 0.5
    assert late.state == "waiting"
    assert late.position == 100  # behind the whole cohort (one of them is admitted)


def test_cohorts_are_shuffled_differently_at_each_opening():
    first_places = set()
    start = int(time.time())
    for round_ in range(8):
        queue.set_live(capacity=1, opens_at=int(time.time()) + 3600)
        tokens = [f"round-{round_}-{i}" for i in range(10)]
        for token in tokens:
            queue.place(token)
        queue.set_live(capacity=1, opens_at=start - 1 - round_)  # a distinct opening each round
        queue.place(tokens[0])
        numbers = [int(queue.client().get(queue._key("t:" + token))) for token in tokens]
        first_places.add(numbers.index(min(numbers)))
    # The same arrival first every time would mean no shuffle (chance of fewer than 2 winners: 1e-7).
    assert len(first_places) >= 2


def test_clerks_probes_notifications_verification_and_static_bypass_the_room(db):
    queue.set_live(capacity=1, opens_at=0)
    Client().get(PORTAL)
    visitor = Client()
    assert state(visitor.get(PORTAL)) == "waiting"
    for path in (
        "/healthz",
        "/admin/login/",
        "/personale/login/",
        "/verify/",
        "/pagamenti/notifiche/x/",
        "/",
        "/accesso/jwks.json",
        "/accesso/spid/acs/",
    ):
        response = visitor.get(path)
        assert "X-Waiting-Room" not in response, path


def test_admitted_resident_keeps_admission_across_a_failed_login(db):
    queue.set_live(capacity=1, opens_at=0)
    resident, other = arrive(2)
    assert state(resident.get("/accesso/")) == "admitted"
    assert state(other.get("/accesso/")) == "waiting"
    resident.get("/accesso/spid-demo/ritorno/?error=access_denied")  # back from the identity provider, failed
    assert state(resident.get("/accesso/")) == "admitted"


def test_redis_down_admits_instead_of_failing(db, monkeypatch, settings):
    queue.set_live(capacity=1, opens_at=0)
    Client().get(PORTAL)
    monkeypatch.setattr(queue, "_client", redis.Redis(port=1, socket_connect_timeout=0.2))
    response = Client().get(PORTAL)
    assert response.status_code in (200, 302)
    assert state(response) == "admitted"
    monkeypatch.undo()


@pytest.fixture
def operator(enrolled_clerk):
    user, secret, _ = enrolled_clerk
    user.user_permissions.add(Permission.objects.get(codename="operate_waiting_room"))
    client = Client()
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    return client


@pytest.mark.parametrize("opens", [None, datetime.datetime(2026, 4, 1, 9, 0)])
def test_operator_changes_capacity_and_opening_from_the_admin(operator, opens):
    assert operator.get("/admin/admission/waitingroom/").status_code == 200
    data = {"capacity": 250, "opens_at": opens.strftime("%Y-%m-%dT%H:%M") if opens else ""}
    response = operator.post("/admin/admission/waitingroom/", data)
    assert response.status_code == 302
    assert queue.capacity() == 250
    assert queue.opens_at() == (int(timezone.make_aware(opens).timestamp()) if opens else 0)


def test_operator_changes_are_recorded_in_the_access_log_with_old_and_new_values(operator, enrolled_clerk):
    user = enrolled_clerk[0]
    opens = datetime.datetime(2026, 4, 1, 9, 0)
    operator.post("/admin/admission/waitingroom/", {"capacity": 250, "opens_at": opens.strftime("%Y-%m-%dT%H:%M")})
    operator.post("/admin/admission/waitingroom/", {"capacity": 400, "opens_at": opens.strftime("%Y-%m-%dT%H:%M")})
    operator.post("/admin/admission/waitingroom/", {"capacity": 400, "opens_at": opens.strftime("%Y-%m-%dT%H:%M")})

    entries = list(AccessLogEntry.objects.filter(object_model="admission.waitingroom").order_by("sequence"))
    assert len(entries) == 2  # saving the same values again changes nothing and records nothing
    first, second = entries
    assert (first.actor_id, first.action, first.subject_id) == (user.pk, AccessAction.CHANGE, None)
    assert first.timestamp <= second.timestamp <= timezone.now()
    assert first.changes == {
        "fields": {
            "capacity": {"old": 0, "new": 250},
            "opens_at": {"old": None, "new": timezone.make_aware(opens).isoformat()},
        }
    }
    assert second.changes == {"fields": {"capacity": {"old": 250, "new": 400}}}
    assert verify_chain().ok


def test_a_change_redis_cannot_take_is_not_recorded(operator, monkeypatch):
    monkeypatch.setattr(queue, "_client", redis.Redis(port=1, socket_connect_timeout=0.2))
    operator.raise_request_exception = False
    response = operator.post("/admin/admission/waitingroom/", {"capacity": 250, "opens_at": ""})
    monkeypatch.undo()  # before the room's fixture cleans the real Redis
    assert response.status_code == 503
    assert not AccessLogEntry.objects.filter(object_model="admission.waitingroom").exists()


def test_clerk_without_the_permission_cannot_operate_the_room(clerk, client):
    client.force_login(clerk)
    assert client.post("/admin/admission/waitingroom/", {"capacity": 1}).status_code in (302, 403)
    assert queue.capacity() == 0
