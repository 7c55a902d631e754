"""Residents' journeys on the served portal, as Locust users (``FastHttpUser``).

One user is one resident doing one journey, the way a click day's arrivals do:

1. the login page (``/accesso/``) — the waiting room may answer instead: the user then does what the
   waiting room's page does (``admission/waiting-room.js``): polls ``/sala-attesa/stato`` every
   ``POLL_SECONDS`` until admitted, then loads the page again; the wait and the first position are
   recorded;
2. a level-2 login through the demo identity provider served by the same stack (the real OpenID
   Connect redirects: start → provider page → provider form → callback);
3. the dossier's sections (overview, my data, family, messages, certificates, payments);
4. some residents request a certificate (exempt from the stamp), poll its status until the PDF
   workers have made it, and download it; some household heads pay a notice through the PSP
   simulator and wait for the result page.

Every hop is requested without following redirects, so every response is checked
(``Journey.check``): once the resident is signed in, each response must carry
``Cache-Control: private, no-store`` and no canary of anyone the resident may not see
(``canaries.py``); each HTML page of the area personale must name its own resident. Each failure
counts under its kind in ``STATE.errors``; leaks are kept in full in ``STATE.leaks``.

Configuration comes from ``CONFIG`` (filled by ``run.py`` before the users start).
"""

import random
import re
import time
from collections import Counter, defaultdict
from html import unescape
from urllib.parse import urljoin, urlsplit

import gevent

from locust import task
from locust.contrib.fasthttp import FastHttpUser

POLL_SECONDS = 5  # what admission/waiting-room.js waits between two polls
SECTIONS = [
    "/area-personale/",
    "/area-personale/dati/",
    "/area-personale/famiglia/",
    "/area-personale/messaggi/",
    "/area-personale/certificati/",
    "/area-personale/pagamenti/",
]
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ID_SEGMENT = re.compile(r"/\d+/")
TOKEN_SEGMENT = re.compile(r"/[0-9a-f-]{32,36}/|/[A-Za-z0-9_:-]{20,}/")

CONFIG = {
    "canaries": None,  # canaries.Canaries
    "residents": [],  # canaries.Resident, one per user, in arrival order
    "certificate_share": 0.3,
    "payment_share": 0.2,
    "inject_leak": False,  # tell the checks the wrong resident (tests prove the checks fail)
    "max_wait_seconds": 1800,
}


class State:
    """What the users measured, beyond Locust's own request statistics."""

    def __init__(self):
        self.errors = Counter()
        self.error_examples = {}
        self.leaks = []
        self.started = 0
        self.finished = 0
        self.waits = []  # (seconds in the waiting room, first position, state first seen)
        self.samples = defaultdict(list)  # category -> [ms]
        self.queries = defaultdict(list)  # category -> [SQL queries of each response]
        self.certificates = []  # (fiscal code, certificate id, ready?)
        self.payments = Counter()
        self.timeline = defaultdict(Counter)  # second since start -> what happened
        self.t0 = time.monotonic()

    def error(self, kind, detail=""):
        self.errors[kind] += 1
        self.error_examples.setdefault(kind, detail[:300])
        self.timeline[int(time.monotonic() - self.t0)]["errors"] += 1


STATE = State()
_next_resident = iter(())


def reset(residents):
    global STATE, _next_resident
    STATE = State()
    _next_resident = iter(residents)


def same_site(url):
    """An address of the portal itself as a path: on loopback nginx passes the host without the
    port (``proxy_set_header Host $host``), so the portal's absolute addresses lack it."""
    parts = urlsplit(url)
    if parts.hostname in (None, "127.0.0.1", "localhost"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def route(url):
    """The URL's route, for the statistics: ids and tokens replaced, the query dropped."""
    path = urlsplit(url).path
    path = TOKEN_SEGMENT.sub("/<token>/", path)
    return ID_SEGMENT.sub("/<id>/", ID_SEGMENT.sub("/<id>/", path))


class JourneyFailed(Exception):
    pass


RETRIES = 3


def is_refusal(response):
    """The load shedding's answer: the 503 page with ``Retry-After`` (fascicolo/admission/shedding.py)."""
    return response.status_code == 503 and bool(response.headers.get("Retry-After"))


class Resident(FastHttpUser):
    """One resident, one journey, then idle until the run ends (a click day's arrival leaves)."""

    network_timeout = 60.0
    connection_timeout = 60.0
    max_redirects = 0

    def on_start(self):
        self.resident = next(_next_resident, None)
        self.signed_in = False
        self.checked_as = self.resident
        if CONFIG["inject_leak"] and self.resident is not None:
            others = [r for r in CONFIG["residents"] if r.fiscal_code not in self.resident.may_see]
            self.checked_as = random.choice(others)

    @task
    def journey(self):
        if self.resident is None:
            self._idle()
        STATE.started += 1
        try:
            self.do_journey()
        except JourneyFailed:
            pass
        except Exception as exc:  # a page not as the journey expects it: counted, never retried
            STATE.error(f"journey broke: {type(exc).__name__}", repr(exc))
        finally:
            STATE.finished += 1
            self.client.cookiejar.clear()
        self._idle()

    def _idle(self):
        while True:
            gevent.sleep(3600)

    # --- The journey --------------------------------------------------------------------------------

    def do_journey(self):
        self.admitted("/accesso/")
        self.login()
        for section in SECTIONS:
            self.get(section, expect=200)
        if self.resident.positions and random.random() < CONFIG["payment_share"]:
            self.pay_a_notice()
        elif random.random() < CONFIG["certificate_share"]:
            self.request_certificate()

    def admitted(self, path):
        """Load ``path``; while the waiting room answers, follow its polling. Returns the page."""
        response = self.get(path, category="login page")
        state = response.headers.get("X-Waiting-Room")
        if not state:
            return response
        started, position = time.monotonic(), None
        first_state = state
        while True:
            data = self.poll_status()
            if position is None and data.get("position"):
                position = data["position"]
            if data.get("state") == "admitted":
                break
            if time.monotonic() - started > CONFIG["max_wait_seconds"]:
                STATE.error("waiting room: not admitted in time", path)
                raise JourneyFailed
            gevent.sleep(POLL_SECONDS)
        STATE.waits.append((time.monotonic() - started, position or 0, first_state))
        STATE.timeline[int(time.monotonic() - STATE.t0)]["admitted"] += 1
        response = self.get(path, category="login page")
        if response.headers.get("X-Waiting-Room"):
            STATE.error("waiting room: admitted by the status but not by the page", path)
            raise JourneyFailed
        return response

    def poll_status(self):
        with self.request("GET", "/sala-attesa/stato", category="waiting room") as response:
            try:
                return response.json()
            except ValueError:
                return {}

    def login(self):
        start = self.get("/accesso/spid-demo/avvia/?level=2", expect=302)
        provider_page = self.get(start.headers["Location"], expect=200)
        fields = {name: unescape(value) for name, value in HIDDEN.findall(provider_page.text)}
        fields.update(resident=self.resident.fiscal_code, level="2", login="")
        back = self.post("/demo-idp/authorize", fields, expect=302, referer=provider_page.url)
        self.signed_in = True  # the callback's answer carries the new session: checked from here on
        done = self.get(back.headers["Location"], expect=302)
        target = done.headers.get("Location", "")
        if "/accesso/" in target:
            STATE.error("login refused", target)
            raise JourneyFailed
        self.get(target, expect=200)

    def request_certificate(self):
        page = self.get("/area-personale/certificati/", expect=200)
        person = re.search(r'name="person" value="(\d+)"', page.text)
        kinds = re.findall(r'name="kind" value="([a-z_]+)"', page.text)
        if not person or not kinds:
            STATE.error("certificate: no form", page.url)
            return
        fields = {"csrfmiddlewaretoken": self.csrf(page), "person": person.group(1), "kind": kinds[0],
                  "exemption": "1", "exemption_description": ""}  # fmt: skip
        before = set(re.findall(r"/area-personale/certificati/(\d+)/stato/", page.text))
        self.post("/area-personale/certificati/richiedi/", fields, expect=302, referer=page.url)
        listing = self.get("/area-personale/certificati/", expect=200)
        new = set(re.findall(r"/area-personale/certificati/(\d+)/stato/", listing.text)) - before
        if not new:
            STATE.error("certificate: request not listed", listing.url)
            return
        pk = max(new, key=int)
        STATE.certificates.append((self.resident.fiscal_code, int(pk)))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with self.request("GET", f"/area-personale/certificati/{pk}/stato/", category="certificate status") as r:
                data = r.json() if r.status_code == 200 else {}
            if data.get("download_url"):
                self.get(data["download_url"], expect=200, category="certificate download")
                return
            gevent.sleep(1)
        # Not an error of the portal: the pipeline may be behind; clickday.py checks delivery at the end.

    def pay_a_notice(self):
        listing = self.get("/area-personale/pagamenti/", expect=200)
        positions = re.findall(r'href="(/area-personale/pagamenti/posizioni/\d+/)"', listing.text)
        for position in positions:
            page = self.get(position, expect=200)
            action = re.search(r'<form method="post" action="(/area-personale/pagamenti/avvisi/\d+/paga/)"', page.text)
            if action:
                break
        else:
            STATE.payments["nothing to pay"] += 1
            return
        start = self.post(action.group(1), {"csrfmiddlewaretoken": self.csrf(page)}, expect=302, referer=page.url)
        checkout = self.get(start.headers["Location"], expect=200, category="payment checkout")
        act = re.search(r'<form method="post" action="([^"]+)"', checkout.text)
        back = self.post(act.group(1), {"csrfmiddlewaretoken": self.csrf(checkout), "outcome": "pay"},
                         expect=302, referer=checkout.url)  # fmt: skip
        result = back.headers["Location"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            page = self.get(result, expect=200, category="payment result")
            if "data-poll-region" not in page.text:  # the page stops polling once the outcome is known
                STATE.payments["paid"] += 1
                return
            gevent.sleep(2)
        STATE.payments["result not final in 60 s"] += 1

    # --- Requests and their checks ------------------------------------------------------------------

    def request(self, method, url, *, data=None, category="admitted", referer=None):
        headers = {"Referer": urljoin(self.host, referer)} if referer else {}
        return _Checked(self, method, url, data, category, headers)

    def get(self, url, *, expect=None, category="admitted"):
        return self._send("GET", url, None, expect, category, None)

    def post(self, url, data, *, expect=None, referer=None, category="admitted"):
        return self._send("POST", url, data, expect, category, referer)

    def _send(self, method, url, data, expect, category, referer):
        """One request; a refusal by the load shedding (503 with Retry-After) is retried after the
        time it names, at most ``RETRIES`` times, as a resident reloading the 503 page would."""
        url = same_site(url)
        for _attempt in range(RETRIES + 1):
            with self.request(method, url, data=data, category=category, referer=referer) as response:
                if not is_refusal(response):
                    return self._expect(response, expect)
            gevent.sleep(min(int(response.headers.get("Retry-After") or 30), 30))
        return self._expect(response, expect)

    def _expect(self, response, expect):
        if expect is not None and response.status_code != expect:
            kind = "HTTP 5xx" if response.status_code >= 500 else f"HTTP {response.status_code} (expected {expect})"
            if response.status_code == 0:
                kind = "connection error"
            elif response.status_code == 403 and urlsplit(response.request_url).path.startswith("/accesso/"):
                # The portal's "login failed" page (the provider did not answer in time, the code expired).
                kind = "login failed (handled: the portal's page)"
            STATE.error(kind, f"{response.request_url}: {response.text[:200] if response.text else ''}")
            raise JourneyFailed
        return response

    @staticmethod
    def csrf(page):
        match = CSRF.search(page.text)
        return match.group(1) if match else ""

    def check(self, response, category):
        """The privacy checks of one response; returns the kinds of failure (empty when clean)."""
        problems = []
        if response.status_code >= 500 and not is_refusal(response):
            problems.append("HTTP 5xx")
        if not self.signed_in:
            return problems
        cache_control = (response.headers.get("Cache-Control") or "").replace(" ", "").lower().split(",")
        if not {"private", "no-store"} <= set(cache_control):
            problems.append("no Cache-Control: private, no-store")
        content_type = response.headers.get("Content-Type") or ""
        if "html" in content_type or "json" in content_type:
            text = response.text or ""
            leaks = CONFIG["canaries"].leaks(self.checked_as, text)
            if leaks:
                problems.append("leak")
                STATE.leaks.append({"resident": self.checked_as.fiscal_code, "url": response.request_url,
                                    "found": leaks[:10]})  # fmt: skip
            area = urlsplit(response.request_url or "").path.startswith("/area-personale/")
            page = area and "html" in content_type and response.status_code == 200
            if page and not CONFIG["canaries"].carries_own(self.checked_as, text):
                problems.append("own canary missing")
        return problems


class _Checked:
    """A request whose response is checked and recorded before the caller sees it."""

    def __init__(self, user, method, url, data, category, headers):
        self.user, self.category = user, category
        self.started = time.monotonic()
        self.context = user.client.request(
            method, url, data=data, name=route(url), catch_response=True, allow_redirects=False, headers=headers
        )

    def __enter__(self):
        response = self.context.__enter__()
        elapsed_ms = (time.monotonic() - self.started) * 1000
        response.request_url = response.url or ""
        state = response.headers.get("X-Waiting-Room") if response.headers else None
        category = "waiting room" if state and state != "admitted" else self.category
        if is_refusal(response):
            category = "refused"
        STATE.samples[category].append(elapsed_ms)
        queries = response.headers.get("X-Bench-Queries") if response.headers else None
        if queries is not None:
            STATE.queries[category].append(int(queries))
        STATE.timeline[int(time.monotonic() - STATE.t0)][category] += 1
        problems = self.user.check(response, category)
        for problem in problems:
            STATE.error(problem, response.request_url or "")
        if problems:
            response.failure(", ".join(problems))
        elif response.status_code in (200, 201, 204, 301, 302, 303) or category == "refused":
            response.success()
        return response

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)
