"""Payment guards (issue 12): the €16 stamp only for a certificate waiting for it; one open attempt per
notice even when "Paga ora" is pressed ten times at once."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client
from django.urls import reverse

from payments.models import DebtPosition, PaymentAttempt
from payments.states import AttemptStatus
from registry.certificates import services
from registry.certificates.models import StampExemption
from registry.certificates.states import Status
from tests.dossier.factories import make_family
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, make_position


@pytest.fixture
def private_storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }


@pytest.mark.django_db
def test_the_stamp_of_an_exempt_ready_certificate_cannot_be_paid(client, settings, private_storage):
    settings.CERTIFICATES_PAID_STAMP_ENABLED = True
    family = make_family()
    user = login_resident(client, family["head"])
    exempt = services.request_certificate(
        user, person_id=family["head"].pk, kind="residenza", exemption=StampExemption.SEPARATION
    )
    assert services.generate_document(exempt.pk) == Status.READY

    response = client.post(reverse("payments:pay_certificate_stamp", args=[exempt.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("payments:index")
    assert "Questo certificato non attende il pagamento del bollo" in response.text
    assert not DebtPosition.objects.exists() and not PaymentAttempt.objects.exists()

    # One that waits for its stamp still can be paid.
    stamped = services.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    assert services.generate_document(stamped.pk) == Status.AWAITING_STAMP
    response = client.post(reverse("payments:pay_certificate_stamp", args=[stamped.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/psp-simulator/checkout/")
    assert PaymentAttempt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_pay_now_open_one_attempt(live_server):
    option = make_position().options.get()
    client = Client()
    login_resident(client, RESIDENT_A)
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    page = browser.get(f"{live_server.url}{reverse('payments:position', args=[option.position_id])}", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    pay_url = f"{live_server.url}{reverse('payments:pay', args=[option.pk])}"

    def press_pay_now(_):
        return browser.post(pay_url, data={"csrfmiddlewaretoken": token}, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(press_pay_now, range(10)))
    assert [r.status_code for r in responses] == [302] * 10
    locations = {r.headers["Location"] for r in responses}
    assert len(locations) == 1 and locations.pop().startswith("/psp-simulator/checkout/")
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == AttemptStatus.PENDING and list(attempt.options.all()) == [option]
