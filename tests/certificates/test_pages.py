"""The dossier section, the request rules, the public verification page and the clerks' admin (no worker:
documents are generated in-process through the same service the task calls)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fascicolo.audit.purpose import SESSION_KEY as PURPOSE_SESSION_KEY
from fascicolo.groups import REGISTRY_OFFICE, SUPERVISOR
from fascicolo.identity.loa import SESSION_LOA_KEY
from registry.certificates import services
from registry.certificates.catalogue import CERTIFICATE_KINDS, catalogue_for
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import TRANSITIONS, IllegalTransition, Status, transition_name
from registry.models import CivilStatus, RegistrationStatus
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

URL = "/area-personale/certificati/"


def issue(user, person, kind="residenza", **fields):
    certificate = Certificate.objects.create(
        kind=kind, holder=person, requested_by=user, exemption=StampExemption.SEPARATION, stamp_duty_cents=0, **fields
    )
    services.generate_document(certificate.pk)
    certificate.refresh_from_db()
    return certificate


def availability(person):
    return {entry.kind.key: (entry.available, str(entry.reason)) for entry in catalogue_for(person)}


# --- Catalogue -------------------------------------------------------------------------------------------


def test_catalogue_follows_the_registry_data(family):
    head, spouse = family["head"], family["spouse"]
    offered = availability(head)
    assert set(offered) == set(CERTIFICATE_KINDS)
    assert all(ok for ok, _reason in offered.values())

    # The spouse has no citizenship recorded: no certificate of citizenship, nor the combined form.
    spouse_offer = availability(spouse)
    assert spouse_offer["cittadinanza"] == (False, spouse_offer["cittadinanza"][1])
    assert "cittadinanza italiana" in spouse_offer["cittadinanza"][1]
    assert not spouse_offer["contestuale"][0]
    assert spouse_offer["residenza"][0]

    head.civil_status = CivilStatus.MARRIED
    head.save()
    assert not availability(head)["stato_libero"][0]

    head.registration_status = RegistrationStatus.AIRE
    head.save()
    offer = availability(head)
    assert not offer["residenza"][0] and "AIRE" in offer["residenza"][1]
    assert not offer["stato_famiglia"][0]
    assert offer["nascita"][0]


def test_deceased_and_emigrated_get_nothing(family):
    spouse = family["spouse"]
    spouse.registration_status = RegistrationStatus.EMIGRATED
    spouse.save()
    assert not any(ok for ok, _reason in availability(spouse).values())


# --- Requests --------------------------------------------------------------------------------------------


def test_page_shows_catalogue_unavailable_reasons_and_is_private(client, family):
    head = family["head"]
    head.civil_status = CivilStatus.MARRIED
    head.save()
    login_resident(client, head)
    response = client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.text
    assert "Certificato di residenza" in text
    assert "Lo stato libero non risulta" in text  # shown with the reason, not offered
    assert 'value="stato_libero"' not in text
    assert family["minor"].full_name in text  # a child the head may act for
    assert family["adult_child"].full_name not in text  # an adult acts for themself


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"exemption": ""}, "Indica il motivo di esenzione dal bollo"),
        ({"exemption": "99", "exemption_description": ""}, "descrivi il motivo"),
        ({"exemption": "99", "exemption_description": "x" * 257}, "257"),
        ({"exemption": "42"}, "Scegli un&#x27;opzione valida"),
        ({"kind": "inventato"}, "Scegli un&#x27;opzione valida"),
    ],
)
def test_bad_requests_get_a_clear_error_and_write_nothing(client, settings, family, fields, message):
    # Without online payment, a request must declare an exemption.
    settings.CERTIFICATES_PAID_STAMP_ENABLED = False
    head = family["head"]
    login_resident(client, head)
    data = {"person": head.pk, "kind": "residenza", "exemption": "7", "exemption_description": "", **fields}
    response = client.post(f"{URL}richiedi/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not Certificate.objects.exists()


def test_other_exemption_with_description_is_accepted(client, family, django_capture_on_commit_callbacks):
    head = family["head"]
    user = login_resident(client, head)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"{URL}richiedi/",
            {"person": head.pk, "kind": "stato_libero", "exemption": "99", "exemption_description": "Uso ONLUS locale"},
        )
    assert response.status_code == 302
    certificate = Certificate.objects.get(requested_by=user)
    assert (certificate.exemption, certificate.exemption_description, certificate.stamp_duty_cents) == (
        StampExemption.OTHER,
        "Uso ONLUS locale",
        0,
    )
    assert len(callbacks) == 1  # the task is enqueued once the transaction commits


def test_cannot_request_for_someone_not_acted_for(client, family, other_family):
    login_resident(client, family["head"])
    for person in (family["adult_child"], family["spouse"], other_family["minor"]):
        response = client.post(f"{URL}richiedi/", {"person": person.pk, "kind": "nascita", "exemption": "7"})
        assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_paid_stamp_is_refused_without_online_payment(settings, family):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = False
    user = login_resident(Client(), family["head"])
    with pytest.raises(services.RequestRefused, match="bollo non è ancora disponibile"):
        services.request_certificate(user, person_id=family["head"].pk, kind="residenza")


def test_paid_stamp_seam_awaits_the_stamp_then_releases(settings, family):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    user = login_resident(Client(), family["head"])
    certificate = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    assert certificate.stamp_duty_cents == 1600
    assert services.generate_document(certificate.pk) == Status.AWAITING_STAMP
    certificate.refresh_from_db()
    assert len(certificate.sha256) == 64  # the hash the @e.bollo stamp will be bound to
    services.release_after_stamp(certificate.pk, stamp_reference="IUBD-0001")
    services.release_after_stamp(certificate.pk, stamp_reference="IUBD-0001")  # idempotent
    certificate.refresh_from_db()
    assert certificate.status == Status.READY


def test_transition_table_is_complete_and_enforced():
    statuses = {status for edge in TRANSITIONS for status in edge}
    assert statuses == set(Status)
    with pytest.raises(IllegalTransition):
        transition_name(Status.REVOKED, Status.READY)
    with pytest.raises(IllegalTransition):
        transition_name(Status.READY, Status.PENDING)


# --- Public verification -------------------------------------------------------------------------------


def test_verification_page_shows_initials_only_and_revocation_at_once(client, family):
    head = family["head"]
    user = login_resident(client, head)
    certificate = issue(user, head)
    client.logout()

    response = client.get(f"/verify/{certificate.display_code}/")  # as printed, with dashes
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, no-cache"
    assert "Set-Cookie" not in response.headers
    text = response.text
    assert "Certificato valido" in text and "Certificato di residenza" in text
    assert "G. B." in text
    for secret in (head.given_name, head.family_name, head.fiscal_code, str(head.birth_date.year)):
        assert secret not in text

    services.revoke(certificate.pk, reason="Dati errati", by=None)
    assert "Certificato revocato" in client.get(f"/verify/{certificate.verification_code}/").text


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAAAAAA", "not-a-code", "x" * 300])
def test_unknown_codes(client, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404
    assert "Codice sconosciuto" in response.text


def test_upload_of_garbage_is_an_answer_not_an_error(client, family):
    user = login_resident(client, family["head"])
    certificate = issue(user, family["head"])
    client.logout()
    response = client.post(
        f"/verify/{certificate.verification_code}/controlla/",
        {"document": SimpleUploadedFile("x.pdf", b"%PDF-1.7 nonsense", content_type="application/pdf")},
    )
    assert response.status_code == 200
    assert "NON corrisponde" in response.text
    missing = client.post(f"/verify/{certificate.verification_code}/controlla/", {})
    assert missing.status_code == 400 and "Scegli il file PDF" in missing.text


# --- Admin ------------------------------------------------------------------------------------------


def clerk_client(client, group):
    clerk = get_user_model().objects.create_user(f"clerk-{group[:4]}", password="x" * 16, is_staff=True)
    clerk.groups.add(Group.objects.get(name=group))
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)
    session = client.session
    session[SESSION_LOA_KEY] = 2  # a strong login counts as the second factor
    session[PURPOSE_SESSION_KEY] = "Rilascio di un certificato o di un'attestazione"  # certificates hold personal data
    session.save()
    return clerk


def test_clerk_searches_and_revokes(client, family):
    head = family["head"]
    certificate = issue(login_resident(client, head), head)
    client.logout()
    clerk_client(client, REGISTRY_OFFICE)
    changelist = "/admin/certificates/certificate/"
    for term in (certificate.display_code, certificate.verification_code.lower(), head.fiscal_code):
        response = client.get(changelist, {"q": term})
        assert response.status_code == 200, response
        assert certificate.display_code in response.text
    assert certificate.display_code not in client.get(changelist, {"q": "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).text

    form = {"action": "revoke_selected", "_selected_action": [certificate.pk]}
    confirm = client.post(changelist, form)
    assert confirm.status_code == 200 and "Motivo della revoca" in confirm.text
    done = client.post(changelist, {**form, "apply": "1", "reason": "Emesso per errore"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason) == (Status.REVOKED, "Emesso per errore")
    client.logout()
    assert "Certificato revocato" in client.get(f"/verify/{certificate.verification_code}/").text


def test_supervisor_cannot_revoke(client, family):
    head = family["head"]
    certificate = issue(login_resident(client, head), head)
    client.logout()
    clerk_client(client, SUPERVISOR)
    changelist = "/admin/certificates/certificate/"
    assert client.get(changelist).status_code == 200
    client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [certificate.pk], "apply": "1", "reason": "x"}
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.READY


def test_section_in_english(client, family):
    login_resident(client, family["head"])
    client.cookies["django_language"] = "en"
    text = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Request the certificate" in text and "Certificate of residence" in text


def test_overview_lists_ready_certificates(client, family):
    head = family["head"]
    user = login_resident(client, head)
    issue(user, head)
    overview = client.get("/area-personale/").text
    assert "Certificato di residenza pronto da scaricare" in overview


def test_with_paid_stamp_on_no_exemption_means_paying_it(settings, client, family, django_capture_on_commit_callbacks):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    head = family["head"]
    user = login_resident(client, head)
    assert "Nessuna esenzione: pagherò il bollo" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"{URL}richiedi/", {"person": head.pk, "kind": "residenza", "exemption": ""})
    assert response.status_code == 302
    certificate = Certificate.objects.get(requested_by=user)
    assert (certificate.exemption, certificate.stamp_duty_cents) == (None, 1600)
    assert services.generate_document(certificate.pk) == Status.AWAITING_STAMP
    page = client.get(URL).text
    assert "Paga il bollo" in page and 'href="/area-personale/pagamenti/"' in page
