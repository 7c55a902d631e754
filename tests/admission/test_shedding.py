"""Load shedding on a real threaded server with concurrent requests."""

import concurrent.futures
import urllib.error
import urllib.request

from . import slow_urls


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (the test server's http URL)
            return response.status, response.headers.get("Retry-After"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After"), error.read().decode()


def test_requests_over_the_in_flight_limit_get_the_503_page_at_once(live_server, settings):
    settings.ROOT_URLCONF = "tests.admission.slow_urls"
    settings.SHEDDING_MAX_IN_FLIGHT = 2
    slow_urls.release.clear()
    url = live_server.url + "/area-personale/held/"
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        held = [pool.submit(fetch, url) for _ in range(2)]
        for _ in held:
            assert slow_urls.entered.acquire(timeout=30)
        refused = [pool.submit(fetch, url) for _ in range(4)]
        refusals = [future.result(timeout=30) for future in refused]  # answered while two are held
        slow_urls.release.set()
        served = [future.result(timeout=30) for future in held]
    assert [status for status, _, _ in served] == [200, 200]
    for status, retry_after, body in refusals:
        assert (status, retry_after) == (503, "30")
        assert "Servizio temporaneamente non disponibile" in body
    slow_urls.release.clear()
    # Once the load is gone, requests are served again.
    slow_urls.release.set()
    assert fetch(url)[0] == 200


def test_probes_are_never_shed(live_server, settings):
    settings.ROOT_URLCONF = "tests.admission.slow_urls"
    settings.SHEDDING_MAX_IN_FLIGHT = 1
    slow_urls.release.clear()
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        held = [pool.submit(fetch, live_server.url + "/healthz") for _ in range(3)]
        for _ in held:
            assert slow_urls.entered.acquire(timeout=30)
        slow_urls.release.set()
        assert [future.result(timeout=30)[0] for future in held] == [200, 200, 200]
