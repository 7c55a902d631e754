"""The dossier's API: data, actions, authentication, levels of assurance and the one error format."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fascicolo.dossier import services
from fascicolo.dossier.models import RectificationRequest
from fascicolo.identity import tokens
from fascicolo.identity.loa import LoA
from fascicolo.identity.models import ApiToken
from tests.dossier.factories import make_dossier_objects
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body and body["instance"]
    return body


def test_me_returns_the_registry_record(client, family):
    login_resident(client, family["head"])
    body = client.get("/api/v1/me/").json()
    assert body["fiscal_code"] == family["head"].fiscal_code
    assert body["in_registry"] is True and body["level_of_assurance"] == 2
    assert body["registry"]["given_name"] == "Giulia"
    assert body["registry"]["residence"]["street"] == family["household"].address.street
    assert body["registry"]["residence_history"][0]["kind"] == "immigration"


def test_me_for_someone_not_in_the_registry(client, db):
    login_resident(client, "CCCFBA85D03L219P")
    body = client.get("/api/v1/me/").json()
    assert body["in_registry"] is False and body["registry"] is None


def test_household_marks_whom_the_resident_may_act_for(client, family):
    login_resident(client, family["head"])
    members = {m["given_name"]: m for m in client.get("/api/v1/household/").json()["members"]}
    assert members["Giulia"]["is_me"] and members["Giulia"]["may_act_for"]
    assert members["Sara"]["may_act_for"] and not members["Marco"]["may_act_for"]
    assert not members["Luca"]["may_act_for"]


def test_messages_list_filter_cursor_and_mark_read(client, family):
    head = family["head"]
    for index in range(25):
        services.send_message(recipient_person=head, subject=f"Avviso {index}", body="…")
    login_resident(client, head)
    page = client.get("/api/v1/messages/").json()
    assert len(page["results"]) == 20 and page["results"][0]["subject"] == "Avviso 24" and page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None
    first_id = page["results"][0]["id"]
    assert client.get(f"/api/v1/messages/{first_id}/").json()["is_read"] is False
    read = client.post(f"/api/v1/messages/{first_id}/read/").json()
    assert read["is_read"] is True
    again = client.post(f"/api/v1/messages/{first_id}/read/").json()
    assert again["read_at"] == read["read_at"]  # idempotent: the first reading time stays
    unread = client.get("/api/v1/messages/?unread=true&page_size=100").json()["results"]
    assert len(unread) == 24 and first_id not in {m["id"] for m in unread}
    assert client.get("/api/v1/me/").json()["unread_messages"] == 24


def test_messages_addressed_to_a_fiscal_code_reach_someone_not_in_the_registry(client, db):
    services.send_message(recipient_fiscal_code="cccfba85d03l219p", subject="Avviso TARI", body="…")
    login_resident(client, "CCCFBA85D03L219P")
    assert [m["subject"] for m in client.get("/api/v1/messages/").json()["results"]] == ["Avviso TARI"]


def test_rectification_create_list_detail_and_validation_problem(client, family):
    login_resident(client, family["head"])
    created = client.post(
        "/api/v1/rectifications/",
        {"datum": "family_name", "correct_value": "Bianchi Rossi", "note": "Doppio cognome"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    detail = client.get(f"/api/v1/rectifications/{created.json()['id']}/").json()
    assert detail["correct_value"] == "Bianchi Rossi"
    bad = client.post("/api/v1/rectifications/", {"datum": "shoe_size", "correct_value": ""},
                      content_type="application/json")  # fmt: skip
    body = assert_problem(bad, 400)
    assert {error["field"] for error in body["errors"]} == {"datum", "correct_value"}
    assert RectificationRequest.objects.count() == 1


def test_settings_email_becomes_pending_and_the_registry_email_stays(
    client, family, mailoutbox, django_capture_on_commit_callbacks
):
    login_resident(client, family["head"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch("/api/v1/settings/", {"email": "nuova@example.org", "language": "en"},
                                content_type="application/json")  # fmt: skip
    body = response.json()
    assert body["pending_email"] == "nuova@example.org" and body["email"] == ""
    assert body["registry_email"] == "registry@example.org" and body["language"] == "en"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nuova@example.org"]
    family["head"].refresh_from_db()
    assert family["head"].email == "registry@example.org"
    body = assert_problem(client.patch("/api/v1/settings/", {"digital_notices": True},
                                       content_type="application/json"), 400)  # fmt: skip
    assert body["errors"][0]["field"] == "digital_notices"


def test_errors_are_problem_documents_in_the_callers_language(client, family):
    assert_problem(client.get("/api/v1/me/"), 401)
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert assert_problem(english.get("/api/v1/me/"), 401)["title"] == "Authentication required"
    assert assert_problem(client.get("/api/v1/me/"), 401)["title"] == "Autenticazione necessaria"
    assert "WWW-Authenticate" in client.get("/api/v1/me/")
    login_resident(client, family["head"])
    assert_problem(client.get("/api/v1/messages/999999/"), 404)
    assert_problem(client.get("/api/v1/no-such-thing/"), 404)
    assert_problem(client.delete("/api/v1/me/"), 405)
    assert_problem(client.post("/api/v1/rectifications/", "{", content_type="application/json"), 400)
    assert_problem(client.post("/api/v1/rectifications/", "a=b", content_type="text/plain"), 415)
    assert_problem(client.get("/api/v1/messages/?cursor=not-a-cursor"), 404)


def test_session_writes_need_the_csrf_token(family):
    client = Client(enforce_csrf_checks=True)
    login_resident(client, family["head"])
    body = assert_problem(client.post("/api/v1/tokens/", {}, content_type="application/json"), 403)
    assert "CSRF" in body["detail"]


def test_level_one_session_is_refused(client, family):
    login_resident(client, family["head"], level=LoA.L1)
    body = assert_problem(client.get("/api/v1/me/"), 403)
    assert "2" in body["detail"]


def test_bearer_token_lifecycle(client, family):
    login_resident(client, family["head"])
    created = client.post("/api/v1/tokens/", {"name": "Telefono"}, content_type="application/json")
    assert created.status_code == 201
    raw = created.json()["token"]
    token = ApiToken.objects.get(pk=created.json()["id"])
    assert token.key_hash != raw and raw not in token.key_hash and token.loa == 2
    assert timezone.now() + timedelta(minutes=59) < token.expires_at <= timezone.now() + timedelta(hours=1)

    app = Client()
    body = app.get("/api/v1/me/", **bearer(raw)).json()
    assert body["fiscal_code"] == family["head"].fiscal_code and body["level_of_assurance"] == 2
    # a token cannot mint tokens: that would outlive the strong login
    assert_problem(app.post("/api/v1/tokens/", {}, content_type="application/json", **bearer(raw)), 403)
    assert [t["name"] for t in app.get("/api/v1/tokens/", **bearer(raw)).json()["results"]] == ["Telefono"]

    assert app.delete(f"/api/v1/tokens/{token.pk}/", **bearer(raw)).status_code == 204
    assert_problem(app.get("/api/v1/me/", **bearer(raw)), 401)
    assert_problem(app.get("/api/v1/me/", **bearer("fdc_unknown")), 401)


def test_expired_and_low_level_tokens(client, family):
    user = login_resident(client, family["head"])
    token, raw = tokens.create_api_token(user, name="Vecchio", loa=2)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(Client().get("/api/v1/me/", **bearer(raw)), 401)
    _token, raw = tokens.create_api_token(user, name="Basso", loa=1)
    assert_problem(Client().get("/api/v1/me/", **bearer(raw)), 403)


def test_token_creation_is_throttled(client, family, settings):
    login_resident(client, family["head"])
    statuses = [client.post("/api/v1/tokens/", {}, content_type="application/json").status_code for _ in range(21)]
    assert statuses[:20] == [201] * 20
    body = assert_problem(client.post("/api/v1/tokens/", {}, content_type="application/json"), 429)
    assert body["code"] == "throttled"


def test_access_log_lists_clerks_reads_with_purpose(client, family, django_user_model):
    from fascicolo.audit.services import record_access

    clerk = django_user_model.objects.create_user("clerk", first_name="Anna", last_name="Neri", is_staff=True)
    record_access(actor=clerk, subject=family["head"], action="view", obj=family["head"], purpose="Verifica residenza")
    login_resident(client, family["head"])
    entries = client.get("/api/v1/access-log/").json()["results"]
    assert entries[0]["actor_name"] == "Anna Neri" and entries[0]["purpose"] == "Verifica residenza"
    other = Client()
    login_resident(other, family["spouse"])
    assert other.get("/api/v1/access-log/").json()["results"] == []


def test_objects_of_another_resident_are_not_found(client, family, other_family, django_user_model):
    other_user = login_resident(Client(), other_family["head"])
    theirs = make_dossier_objects(other_family["head"], other_user)
    login_resident(client, family["head"])
    for url in (
        f"/api/v1/messages/{theirs['message'].pk}/",
        f"/api/v1/rectifications/{theirs['rectification'].pk}/",
        f"/api/v1/tokens/{theirs['token'].pk}/",
    ):
        response = client.get(url)
        assert_problem(response, 404)
        assert other_family["head"].fiscal_code not in response.content.decode()
    assert_problem(client.post(f"/api/v1/messages/{theirs['message'].pk}/read/"), 404)
    assert_problem(client.delete(f"/api/v1/tokens/{theirs['token'].pk}/"), 404)
    theirs["token"].refresh_from_db()
    theirs["message"].refresh_from_db()
    assert theirs["token"].revoked_at is None and theirs["message"].read_at is None


def test_an_app_without_accept_language_gets_the_residents_language(client, family):
    user = login_resident(client, family["head"])
    services.update_preferences(user, language="en")
    _token, raw = tokens.create_api_token(user, name="App", loa=2)
    body = assert_problem(Client().get("/api/v1/messages/999999/", **bearer(raw)), 404)
    assert body["title"] == "Not found"
    italian = Client(HTTP_ACCEPT_LANGUAGE="it").get("/api/v1/messages/999999/", **bearer(raw))
    assert assert_problem(italian, 404)["title"] == "Risorsa non trovata"
