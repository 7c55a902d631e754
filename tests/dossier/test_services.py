"""The dossier's rules: whom a resident acts for, messages, correction requests handled by clerks,
the contact email and its link, settings, attention hooks, and the access log fed by the admin."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascicolo import sections as hooks
from fascicolo.audit.purpose import SESSION_KEY as PURPOSE_SESSION_KEY
from fascicolo.dossier import selectors, services
from fascicolo.dossier.models import Message, RectificationRequest, RectificationStatus
from fascicolo.identity.models import ResidentProfile
from registry.models import Relationship
from tests.audit.people import make_person
from tests.audit.staff import login_staff, make_staff
from tests.dossier.factories import make_household, years_ago
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db


# --- Acting for others ---------------------------------------------------------------------------


def test_parents_act_for_minor_children_adults_for_themselves(family):
    def actable(person):
        return {p.pk for p in selectors.actable_people(login_resident(Client(), person))}

    head, spouse, minor, adult_child = family["head"], family["spouse"], family["minor"], family["adult_child"]
    assert actable(head) == {head.pk, minor.pk}
    assert actable(spouse) == {spouse.pk, minor.pk}
    assert actable(adult_child) == {adult_child.pk}
    assert actable(minor) == {minor.pk}


def test_a_guardian_acts_for_the_minor_head_and_nobody_acts_for_the_dead(db):
    ward = make_person(birth_date=years_ago(16))
    guardian = make_person(birth_date=years_ago(50))
    make_household([(ward, Relationship.HEAD), (guardian, Relationship.GUARDIAN)])
    assert {p.pk for p in selectors.actable_people(login_resident(Client(), guardian))} == {guardian.pk, ward.pk}

    parent = make_person(birth_date=years_ago(40))
    child = make_person(birth_date=years_ago(5), death_date=timezone.localdate() - timedelta(days=3),
                        registration_status="deceased")  # fmt: skip
    make_household([(parent, Relationship.HEAD), (child, Relationship.CHILD)])
    assert [p.pk for p in selectors.actable_people(login_resident(Client(), parent))] == [parent.pk]


def test_nobody_to_act_for_when_not_in_the_registry(db):
    assert selectors.actable_people(login_resident(Client(), "CCCFBA85D03L219P")) == []


# --- Messages ------------------------------------------------------------------------------------


def test_opening_a_message_marks_it_read_once(client, family):
    message = services.send_message(recipient_person=family["head"], subject="Scadenza TARI", body="Entro il 16")
    login_resident(client, family["head"])
    assert "1 messaggio non letto" in client.get(reverse("dossier:overview")).content.decode()
    client.get(reverse("dossier:message_detail", args=[message.pk]))
    message.refresh_from_db()
    first = message.read_at
    assert first is not None
    client.get(reverse("dossier:message_detail", args=[message.pk]))
    message.refresh_from_db()
    assert message.read_at == first
    assert "Scadenza TARI" not in client.get(reverse("dossier:messages") + "?filtro=non-letti").content.decode()


def test_a_message_needs_a_valid_recipient(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.send_message(subject="?", body="?")
    with pytest.raises(ValidationError):
        services.send_message(recipient_fiscal_code="RSSMRA80A01H501X", subject="?", body="?")
    assert not Message.objects.exists()


def test_a_clerk_writes_a_message_in_the_admin(client, family):
    clerk = make_staff("m.rossi", group="Ufficio anagrafe", superuser=True)
    login_staff(client, clerk, purpose="Verifica")
    response = client.post(
        reverse("admin:dossier_message_add"),
        {"recipient_person": family["head"].pk, "recipient_fiscal_code": "", "subject": "Carta d'identità",
         "body": "La tua CIE è pronta."},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    message = Message.objects.get()
    assert message.sender == clerk and message.recipient_fiscal_code == family["head"].fiscal_code
    resident = Client()
    login_resident(resident, family["head"])
    assert "Carta d" in resident.get(reverse("dossier:messages")).content.decode()


# --- Correction requests ----------------------------------------------------------------------------


def test_a_bad_correction_request_writes_nothing(client, family):
    login_resident(client, family["head"])
    response = client.post(reverse("dossier:rectification_new"), {"datum": "nonsense", "correct_value": ""})
    assert response.status_code == 200 and "Correggi i campi indicati" in response.content.decode()
    assert not RectificationRequest.objects.exists()


def test_clerks_move_a_request_along_the_allowed_transitions(client, family):
    resident = Client()
    user = login_resident(resident, family["head"])
    request = services.submit_rectification(user, datum="civil_status", correct_value="Coniugata")
    clerk = make_staff("a.bruni", superuser=True, first_name="Anna", last_name="Bruni")
    login_staff(client, clerk, purpose="Rettifica dei dati su richiesta dell'interessato")
    url = reverse("admin:dossier_rectificationrequest_change", args=[request.pk])

    # straight to "accepted" is not an allowed edge; rejecting needs a note for the resident
    assert client.post(url, {"status": "accepted", "clerk_note": ""}).status_code == 200
    assert client.post(url, {"status": "rejected", "clerk_note": ""}).status_code == 200
    request.refresh_from_db()
    assert request.status == RectificationStatus.SUBMITTED

    assert client.post(url, {"status": "in_progress", "clerk_note": ""}).status_code == 302
    assert client.post(url, {"status": "accepted", "clerk_note": "Corretto il 22/11"}).status_code == 302
    request.refresh_from_db()
    assert request.status == RectificationStatus.ACCEPTED and request.handled_by == clerk

    page = resident.get(reverse("dossier:rectification_detail", args=[request.pk])).content.decode()
    assert "Accolta" in page and "Corretto il 22/11" in page
    subjects = list(selectors.messages_for(user).values_list("subject", flat=True))
    assert subjects == ["Richiesta di rettifica: Accolta", "Richiesta di rettifica: In lavorazione"]


def test_service_refuses_a_transition_outside_the_table(family):
    from django.core.exceptions import ValidationError

    user = login_resident(Client(), family["head"])
    request = services.submit_rectification(user, datum="address", correct_value="Via Dante 1")
    clerk = make_staff("c.neri")
    services.change_rectification_status(request, status="rejected", clerk=clerk, clerk_note="Già corretto")
    with pytest.raises(ValidationError):
        services.change_rectification_status(request, status="accepted", clerk=clerk)
    request.refresh_from_db()
    assert request.status == RectificationStatus.REJECTED


# --- Settings: the contact email and its link, language, notices -------------------------------------------


def _link_token(mailoutbox):
    body = mailoutbox[-1].body
    return body.split("/area-personale/impostazioni/email/")[1].split("/")[0]


def test_email_link_verifies_once_and_never_touches_the_registry(
    client, family, mailoutbox, django_capture_on_commit_callbacks
):
    login_resident(client, family["head"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dossier:settings"), {"action": "email", "email": "giulia@example.org"})
    assert mailoutbox[0].to == ["giulia@example.org"]
    token = _link_token(mailoutbox)
    client.get(reverse("dossier:verify_email", args=[token]))
    client.get(reverse("dossier:verify_email", args=[token]))  # twice: still fine
    profile = ResidentProfile.objects.get()
    assert profile.email == "giulia@example.org" and profile.pending_email == "" and profile.email_verified_at
    family["head"].refresh_from_db()
    assert family["head"].email == "registry@example.org"


def test_email_link_of_another_user_expired_or_superseded_is_refused(
    client, family, mailoutbox, django_capture_on_commit_callbacks, settings
):
    user = login_resident(client, family["head"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dossier:settings"), {"action": "email", "email": "first@example.org"})
        too_soon = client.post(reverse("dossier:settings"), {"action": "email", "email": "second@example.org"})
        assert too_soon.status_code == 400 and "attendi un minuto" in too_soon.content.decode()
        ResidentProfile.objects.update(pending_email_sent_at=timezone.now() - services.EMAIL_VERIFICATION_COOLDOWN)
        client.post(reverse("dossier:settings"), {"action": "email", "email": "second@example.org"})
    assert len(mailoutbox) == 2
    superseded = _link_token(mailoutbox[:1])
    response = client.get(reverse("dossier:verify_email", args=[superseded]), follow=True)
    assert "non corrisponde" in response.content.decode()

    other = Client()
    login_resident(other, family["spouse"])
    response = other.get(reverse("dossier:verify_email", args=[_link_token(mailoutbox)]), follow=True)
    assert "un altro utente" in response.content.decode()

    # a link older than its lifetime: signed with a timestamp in the past
    past = (timezone.now() - services.EMAIL_VERIFICATION_MAX_AGE - timedelta(minutes=1)).timestamp()
    signer = signing.TimestampSigner(salt=services.EMAIL_VERIFICATION_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(past))
    stale = signer.sign_object({"u": user.pk, "e": "second@example.org"}, compress=True)
    response = client.get(reverse("dossier:verify_email", args=[stale]), follow=True)
    assert "scaduto" in response.content.decode()
    assert ResidentProfile.objects.get().email == ""


def test_bad_email_is_a_clear_error(client, family):
    login_resident(client, family["head"])
    response = client.post(reverse("dossier:settings"), {"action": "email", "email": "not-an-email"})
    assert response.status_code == 400 and "email" in response.content.decode().lower()
    assert not ResidentProfile.objects.filter(pending_email__gt="").exists()


def test_language_is_saved_and_set_as_the_language_cookie(client, family):
    login_resident(client, family["head"])
    response = client.post(reverse("dossier:settings"), {"action": "preferences", "language": "en"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("dossier:settings")).content.decode()


def test_digital_notices_need_a_verified_email(client, family):
    login_resident(client, family["head"])
    response = client.post(reverse("dossier:settings"),
                           {"action": "preferences", "language": "it", "digital_notices": "on"})  # fmt: skip
    assert response.status_code == 400 and "verifica prima" in response.content.decode()
    assert not ResidentProfile.objects.filter(digital_notices=True).exists()


# --- Overview hooks --------------------------------------------------------------------------------------


def test_attention_providers_fill_the_overview_and_a_broken_one_is_skipped(client, family):
    def due_payment(user, person):
        return [hooks.AttentionItem(kind="payment", title="TARI 2026, prima rata", url="/area-personale/pagamenti/",
                                    due=timezone.localdate())]  # fmt: skip

    def broken(user, person):
        raise RuntimeError("payments database down")

    hooks.register_attention_provider(due_payment)
    hooks.register_attention_provider(broken)
    try:
        login_resident(client, family["head"])
        response = client.get(reverse("dossier:overview"))
        assert response.status_code == 200 and "TARI 2026, prima rata" in response.content.decode()
    finally:
        hooks.unregister_attention_provider(due_payment)
        hooks.unregister_attention_provider(broken)


# --- Access log ---------------------------------------------------------------------------------------


def test_a_clerk_opening_a_resident_in_the_admin_appears_in_their_access_log(client, family):
    clerk = make_staff("a.verdi", group="Ufficio anagrafe", first_name="Anna", last_name="Verdi")
    login_staff(client, clerk)
    person_url = reverse("admin:registry_person_change", args=[family["head"].pk])
    asked = client.get(person_url)
    assert asked.status_code == 302  # the purpose is asked first
    client.post(asked["Location"].split("?")[0], {"reason": "certificate", "details": "prot. 77", "next": person_url})
    assert client.session[PURPOSE_SESSION_KEY]
    assert client.get(person_url).status_code == 200

    resident = Client()
    login_resident(resident, family["head"])
    page = resident.get(reverse("dossier:access_log")).content.decode()
    assert "Anna Verdi" in page and "Ufficio anagrafe" in page and "prot. 77" in page
    [entry] = resident.get("/api/v1/access-log/").json()["results"]
    assert entry["actor_name"] == "Anna Verdi" and entry["purpose"].endswith("prot. 77")

    spouse = Client()
    login_resident(spouse, family["spouse"])
    assert "Anna Verdi" not in spouse.get(reverse("dossier:access_log")).content.decode()


def test_the_residents_own_logins_are_listed(client, family):
    from fascicolo.identity.models import LoginEvent, LoginOutcome

    user = login_resident(client, family["head"])
    LoginEvent.objects.create(user=user, fiscal_code=family["head"].fiscal_code, backend="spid-demo", level=2,
                              outcome=LoginOutcome.LOGIN)  # fmt: skip
    page = client.get(reverse("dossier:access_log")).content.decode()
    assert "SPID" in page and "spid-demo" not in page  # the provider's name, not the backend's id
    [login] = client.get("/api/v1/access-log/logins/").json()["results"]
    assert login["method"] == "SPID" and login["level"] == 2


def test_a_clerk_handling_a_correction_request_is_in_the_residents_access_log(client, family):
    user = login_resident(Client(), family["head"])
    request = services.submit_rectification(user, datum="address", correct_value="Via Dante 2")
    clerk = make_staff("l.gialli", superuser=True, first_name="Lia", last_name="Gialli")
    login_staff(client, clerk, purpose="Rettifica dei dati su richiesta dell'interessato")
    url = reverse("admin:dossier_rectificationrequest_change", args=[request.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "in_progress", "clerk_note": ""}).status_code == 302
    resident = Client()
    login_resident(resident, family["head"])
    entries = resident.get("/api/v1/access-log/").json()["results"]
    assert [e["actor_name"] for e in entries] == ["Lia Gialli", "Lia Gialli"]
    assert {e["purpose"] for e in entries} == {"Rettifica dei dati su richiesta dell'interessato"}


def test_app_tokens_are_created_shown_once_and_revoked_in_settings(client, family):
    from fascicolo.identity.models import ApiToken

    login_resident(client, family["head"])
    page = client.post(reverse("dossier:settings"), {"action": "token", "name": "Telefono"}).content.decode()
    raw = page.split('id="new-token"')[1].split(">")[1].split("<")[0]
    assert raw.startswith("fdc_")
    assert raw not in client.get(reverse("dossier:settings")).content.decode()  # shown once
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token = ApiToken.objects.get()
    assert client.post(reverse("dossier:token_revoke", args=[token.pk])).status_code == 302
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
