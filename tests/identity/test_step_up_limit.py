"""Step-up attempts (a signed-in resident starting a login at a higher level) are limited per resident."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_step_up_attempts_are_limited_per_resident(flow, resident, settings):
    settings.LIMITS = {**settings.LIMITS, "step_up": "3/h"}
    assert flow.login(fiscal_code=resident.fiscal_code, level=2).status_code == 302
    for _ in range(3):
        flow.start(level=3)  # asserts a redirect to the provider
    refused = flow.http.get(f"{flow.base}/accesso/spid-demo/avvia/?level=3", allow_redirects=False)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Hai chiesto molte volte di salire di livello" in refused.text
    # Logins of anonymous visitors are not step-ups: they are not counted here.
    anonymous = flow.http.__class__()
    for _ in range(4):
        response = anonymous.get(f"{flow.base}/accesso/spid-demo/avvia/?level=2", allow_redirects=False)
        assert response.status_code == 302
