"""Many residents at once on a real threaded server: every answer is the caller's own, and private."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client

from fascicolo.dossier import services
from fascicolo.identity import tokens
from tests.dossier.factories import make_family
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_residents_each_get_only_their_own_data(live_server):
    residents = []
    for name in ("Bianchi", "Verdi", "Russo", "Ferrari"):
        head = make_family(name)["head"]
        user = login_resident(Client(), head)
        services.send_message(recipient_person=head, subject=f"Solo per {head.fiscal_code}", body="…")
        _token, raw = tokens.create_api_token(user, name="carico", loa=2)
        residents.append((head.fiscal_code, raw))

    def ask(index):
        fiscal_code, raw = residents[index % len(residents)]
        headers = {"Authorization": f"Bearer {raw}"}
        me = requests.get(f"{live_server.url}/api/v1/me/", headers=headers, timeout=30)
        messages = requests.get(f"{live_server.url}/api/v1/messages/", headers=headers, timeout=30)
        subjects = [m["subject"] for m in messages.json()["results"]]
        return (fiscal_code, me.json()["fiscal_code"], subjects, me.headers["Cache-Control"],
                messages.headers["Vary"])  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(80)))
    for expected, got, subjects, cache_control, vary in answers:
        assert got == expected and subjects == [f"Solo per {expected}"]
        assert cache_control == "private, no-store" and "Authorization" in vary
