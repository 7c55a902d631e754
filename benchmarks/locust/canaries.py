"""Canaries: who may appear on a resident's pages, and the check that finds anyone else.

A resident's *canaries* are their codice fiscale and full name. A response to a signed-in resident
must carry its own resident (the header names them on every page of the area personale) and must
not carry anyone else's — except the people the resident may legitimately see: the members of their
household and those they may act for (``registry.selectors``). Any other codice fiscale or full name
of a seeded person is a **leak**, however rare.

Codici fiscali are found with their 16-character shape (``FISCAL_CODE``) and looked up in the set of
every seeded person; names by taking each run of capitalised words on the page (``NAME_RUN``) and
looking up each of its contiguous sub-runs in the set of full names. Both are linear in the page's
length, so the load generator can check every response.

The residents file (JSON, written by ``export_residents``) is a list of
``{"fiscal_code", "given_name", "family_name", "household": [fiscal codes], "may_see": [fiscal
codes], "positions": n}``; ``people`` maps every seeded fiscal code to its full name.
"""

import json
import re
from dataclasses import dataclass, field

FISCAL_CODE = re.compile(r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b")
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*"
NAME_RUN = re.compile(rf"{NAME_WORD}(?: {NAME_WORD})+")


@dataclass
class Resident:
    fiscal_code: str
    given_name: str
    family_name: str
    may_see: frozenset = field(default_factory=frozenset)  # fiscal codes of people allowed on their pages
    positions: int = 0  # open debt positions (payments to try)

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"


class Canaries:
    """Every seeded person's canaries, and the leak check for one resident's response."""

    def __init__(self, people):
        self.people = dict(people)  # fiscal code -> full name
        self.names = {}
        for code, name in self.people.items():
            self.names.setdefault(name, set()).add(code)

    def leaks(self, resident, text):
        """Every canary of someone ``resident`` may not see that ``text`` carries (sorted, unique)."""
        allowed = resident.may_see | {resident.fiscal_code}
        found = {code for code in FISCAL_CODE.findall(text) if code in self.people and code not in allowed}
        allowed_names = {self.people.get(code) for code in allowed} | {resident.full_name}
        for run in NAME_RUN.findall(text):
            words = run.split(" ")
            for start in range(len(words)):
                for end in range(start + 2, len(words) + 1):
                    name = " ".join(words[start:end])
                    if name in self.names and name not in allowed_names:
                        found.add(name)
        return sorted(found)

    @staticmethod
    def carries_own(resident, text):
        return resident.full_name in text or resident.fiscal_code in text


def load(path):
    """``(canaries, residents)`` from a residents file."""
    with open(path, encoding="utf-8") as source:
        data = json.load(source)
    residents = [
        Resident(r["fiscal_code"], r["given_name"], r["family_name"], frozenset(r["may_see"]), r["positions"])
        for r in data["residents"]
    ]
    return Canaries(data["people"]), residents


def export_residents(path, limit=None):
    """Write the residents file from the registry (Django set up): adults with a current household,
    the people each may see, the open positions each may pay. Returns the number of residents."""
    from django.utils import timezone

    from payments.models import DebtPosition
    from registry.models import Membership, Person
    from registry.selectors import people_person_may_act_for

    today = timezone.localdate()
    adult_before = today.replace(year=today.year - 18)
    people = {
        p.fiscal_code: f"{p.given_name} {p.family_name}"
        for p in Person.objects.only("fiscal_code", "given_name", "family_name")
    }
    households = {}
    for membership in Membership.objects.filter(ended_on__isnull=True).select_related("person"):
        households.setdefault(membership.household_id, []).append(membership.person)
    open_positions = {}
    for fiscal_code in DebtPosition.objects.filter(status="VALID").values_list("debtor_fiscal_code", flat=True):
        open_positions[fiscal_code] = open_positions.get(fiscal_code, 0) + 1
    residents = []
    for members in households.values():
        for person in members:
            if person.birth_date > adult_before:
                continue
            may_see = {member.fiscal_code for member in members}
            may_see |= {other.fiscal_code for other in people_person_may_act_for(person)}
            residents.append(
                {
                    "fiscal_code": person.fiscal_code,
                    "given_name": person.given_name,
                    "family_name": person.family_name,
                    "may_see": sorted(may_see),
                    "positions": open_positions.get(person.fiscal_code, 0),
                }
            )
    residents.sort(key=lambda r: r["fiscal_code"])
    if limit:
        residents = residents[:limit]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"people": people, "residents": residents}, out)
    return len(residents)
