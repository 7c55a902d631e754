"""axe-core finds nothing on the admin pages clerks use every day, in Italian and English, on a
desktop and at 360 px (issue 14): the people list and a person's page with its inline forms,
debt positions, certificates and the payments dashboard."""

import pytest
from django.test import Client
from django.urls import reverse

from payments.models import DebtPosition
from registry.certificates.models import Certificate
from tests.admin_walk import make_world
from tests.audit.staff import login_staff, make_staff
from tests.conftest import axe_violations
from tests.payments.test_browser import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


def daily_pages(person):
    position = DebtPosition.objects.get()
    certificate = Certificate.objects.get()
    return [
        reverse("admin:registry_person_changelist"),
        reverse("admin:registry_person_change", args=[person.pk]),
        reverse("admin:payments_debtposition_changelist"),
        reverse("admin:payments_debtposition_change", args=[position.pk]),
        reverse("admin:certificates_certificate_changelist"),
        reverse("admin:certificates_certificate_change", args=[certificate.pk]),
        reverse("admin:payments_dashboard"),
    ]


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_pages_clerks_use_every_day_have_no_axe_violations(live_server, browser, language):
    person = make_world()[0]
    clerk = Client()
    login_staff(clerk, make_staff("m.bianchi", superuser=True), purpose="Verifica della qualità dei dati")
    context = browser.new_context(locale={"it": "it-IT", "en": "en-GB"}[language])
    context.add_cookies(session_cookie(clerk, live_server))
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = {}
    for path in daily_pages(person):
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language, path
            for violation in axe_violations(page):
                found.setdefault(f"{violation['id']}: {violation['nodes']}", f"{path} at {width}")
    context.close()
    assert not found, "\n".join(f"{where}: {what}" for what, where in found.items())
