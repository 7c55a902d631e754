"""A synthetic, deterministic municipality for demos and tests (``manage.py seed_demo``).

The same ``residents`` and ``seed`` always give the same people, households, addresses, events and
codici fiscali: every random choice comes from one ``random.Random(seed)`` and one Faker ``it_IT``
instance seeded with it (never the global random state), and "today" is ``REFERENCE_DATE``, not the
clock. Codici fiscali are computed with python-codicefiscale's encoders from the person's name, sex,
birth date and a real birthplace code, and checked with ``registry.codicefiscale``; a code already
taken gets an omocodia variant, as the tax office would do.

``DEMO_RESIDENTS`` are created first, always with the same data, so that demos, the demo identity
provider and end-to-end tests can sign in as a known person.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from codicefiscale import codicefiscale as cf_lib
from django.conf import settings
from django.db import transaction
from faker import Faker

from .codicefiscale import OMOCODIA_LETTERS, OMOCODIA_POSITIONS, parse_codice_fiscale
from .models import (
    Address,
    Citizenship,
    CivilStatus,
    CohabitationKind,
    DocumentKind,
    EventKind,
    FiscalCodeAlias,
    Household,
    HouseholdKind,
    IdentityDocument,
    Membership,
    Person,
    RegistrationStatus,
    RegistryEvent,
    Relationship,
)

# The demo municipality is described as of this day, so that a seed does not change with the clock.
REFERENCE_DATE = date(2026, 1, 1)
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Place:
    """A birthplace: a municipality (province) or a foreign state (ISO country), with its Belfiore code."""

    name: str
    code: str
    province: str = ""
    country: str = "IT"


ITALIAN_PLACES = (
    Place("Roma", "H501", "RM"),
    Place("Napoli", "F839", "NA"),
    Place("Torino", "L219", "TO"),
    Place("Palermo", "G273", "PA"),
    Place("Bari", "A662", "BA"),
    Place("Bologna", "A944", "BO"),
    Place("Firenze", "D612", "FI"),
    Place("Genova", "D969", "GE"),
    Place("Catania", "C351", "CT"),
    Place("Messina", "F158", "ME"),
    Place("Foggia", "D643", "FG"),
    Place("Lecce", "E506", "LE"),
    Place("Salerno", "H703", "SA"),
    Place("Cagliari", "B354", "CA"),
    Place("Bergamo", "A794", "BG"),
    Place("Brescia", "B157", "BS"),
    Place("Pavia", "G388", "PV"),
    Place("Como", "C933", "CO"),
    Place("Verona", "L781", "VR"),
    Place("Padova", "G224", "PD"),
    Place("Venezia", "L736", "VE"),
    Place("Trieste", "L424", "TS"),
    Place("Sesto San Giovanni", "I690", "MI"),
)

# Countries where Italian citizens are born abroad (and where AIRE registrants live).
ABROAD = (
    Place("Argentina", "Z600", country="AR"),
    Place("Svizzera", "Z133", country="CH"),
    Place("Germania", "Z112", country="DE"),
    Place("Francia", "Z110", country="FR"),
    Place("Regno Unito", "Z114", country="GB"),
    Place("Brasile", "Z602", country="BR"),
    Place("Belgio", "Z103", country="BE"),
    Place("Spagna", "Z131", country="ES"),
)


@dataclass(frozen=True)
class Nationality:
    place: Place
    male_names: tuple
    female_names: tuple
    family_names: tuple


NATIONALITIES = (
    Nationality(
        Place("Romania", "Z129", country="RO"),
        ("Andrei", "Ion", "Mihai", "Alexandru", "Florin", "Gabriel"),
        ("Elena", "Ana", "Maria", "Ioana", "Andreea", "Mihaela"),
        ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Munteanu"),
    ),
    Nationality(
        Place("Albania", "Z100", country="AL"),
        ("Arben", "Ermal", "Gentian", "Besnik", "Ilir"),
        ("Elira", "Anila", "Blerina", "Mirela", "Klodiana"),
        ("Hoxha", "Shehu", "Gjoka", "Leka", "Kola"),
    ),
    Nationality(
        Place("Marocco", "Z330", country="MA"),
        ("Mohamed", "Youssef", "Hassan", "Rachid", "Karim"),
        ("Fatima", "Khadija", "Amina", "Salma", "Nadia"),
        ("El Amrani", "Benali", "Bouzid", "Alaoui", "Tazi"),
    ),
    Nationality(
        Place("Cina", "Z210", country="CN"),
        ("Wei", "Jun", "Hao", "Lei", "Ming"),
        ("Li", "Mei", "Xiu", "Yan", "Lan"),
        ("Hu", "Chen", "Zhou", "Wang", "Lin"),
    ),
    Nationality(
        Place("Filippine", "Z216", country="PH"),
        ("Jose", "Mark", "Ramon", "Eduardo", "Noel"),
        ("Maria Cristina", "Jocelyn", "Rowena", "Marites", "Lorna"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Garcia"),
    ),
    Nationality(
        Place("Egitto", "Z336", country="EG"),
        ("Ahmed", "Mahmoud", "Mostafa", "Omar", "Tarek"),
        ("Mariam", "Nour", "Heba", "Aya", "Dina"),
        ("Hassan", "Ibrahim", "Mahmoud", "Abdelrahman", "Farouk"),
    ),
    Nationality(
        Place("Ucraina", "Z138", country="UA"),
        ("Oleksandr", "Andriy", "Dmytro", "Serhiy", "Taras"),
        ("Olena", "Oksana", "Nataliya", "Iryna", "Halyna"),
        ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk"),
    ),
    Nationality(
        Place("Perù", "Z611", country="PE"),
        ("Luis", "Carlos", "Jorge", "Miguel", "Cesar"),
        ("Rosa", "Carmen", "Milagros", "Juana", "Gladys"),
        ("Quispe", "Flores", "Huaman", "Rojas", "Mamani"),
    ),
)

# Real street names of Milan; the civic number and interior make each address distinct.
STREETS = (
    ("Via", "Dante", "20121"),
    ("Via", "Torino", "20123"),
    ("Corso", "Buenos Aires", "20124"),
    ("Viale", "Monza", "20127"),
    ("Via", "Padova", "20127"),
    ("Corso", "di Porta Romana", "20122"),
    ("Via", "Paolo Sarpi", "20154"),
    ("Viale", "Certosa", "20155"),
    ("Via", "Lorenteggio", "20146"),
    ("Via", "Ripamonti", "20141"),
    ("Viale", "Famagosta", "20142"),
    ("Via", "Novara", "20153"),
    ("Corso", "Lodi", "20135"),
    ("Via", "Washington", "20146"),
    ("Viale", "Zara", "20159"),
    ("Via", "Giambellino", "20146"),
    ("Piazzale", "Loreto", "20131"),
    ("Via", "Mecenate", "20138"),
    ("Via", "Feltre", "20132"),
    ("Corso", "Sempione", "20154"),
    ("Via", "dei Missaglia", "20142"),
    ("Viale", "Fulvio Testi", "20126"),
    ("Via", "Cenisio", "20154"),
    ("Via", "Console Marcello", "20156"),
)

COHABITATIONS = (
    (CohabitationKind.RELIGIOUS, "Convento delle Suore Orsoline"),
    (CohabitationKind.CARE, "RSA Residenza San Carlo"),
    (CohabitationKind.ASSISTANCE, "Casa di accoglienza Santa Lucia"),
    (CohabitationKind.DETENTION, "Casa circondariale San Vittore"),
    (CohabitationKind.MILITARY, "Caserma Santa Barbara"),
    (CohabitationKind.OTHER, "Collegio universitario Cardinal Ferrari"),
)


@dataclass(frozen=True)
class DemoResident:
    """A resident with fixed data, created first by every seed."""

    key: str
    fiscal_code: str
    given_name: str
    family_name: str
    sex: str
    birth_date: date
    birth_place: Place
    citizenship: str = "IT"
    household: str = ""  # the code of the household
    relationship: int = Relationship.HEAD
    email: str = ""


_MUNICIPALITY_PLACE = Place("Milano", "F205", "MI")

# Fixed residents for demos and tests. Sign in as them by fiscal code; their household codes are
# stable too. "mario_rossi_omocode" shares Mario Rossi's personal data, so the tax office gave him
# an omocodia variant of the same code. Ana Popescu also held DEMO_ALIAS before (a FiscalCodeAlias).
DEMO_RESIDENTS = {
    resident.key: resident
    for resident in (
        DemoResident(
            "mario_rossi", "RSSMRA80A01F205X", "Mario", "Rossi", "M", date(1980, 1, 1), _MUNICIPALITY_PLACE,
            household="DEMO0001", email="mario.rossi@example.com",
        ),
        DemoResident(
            "laura_bianchi", "BNCLRA82E55H501B", "Laura", "Bianchi", "F", date(1982, 5, 15), ITALIAN_PLACES[0],
            household="DEMO0001", relationship=Relationship.SPOUSE, email="laura.bianchi@example.com",
        ),
        DemoResident(
            "giulia_rossi", "RSSGLI15P50F205P", "Giulia", "Rossi", "F", date(2015, 9, 10), _MUNICIPALITY_PLACE,
            household="DEMO0001", relationship=Relationship.CHILD,
        ),
        DemoResident(
            "ana_popescu", "PPSNAA90C52Z129Y", "Ana", "Popescu", "F", date(1990, 3, 12), NATIONALITIES[0].place,
            citizenship="RO", household="DEMO0002", email="ana.popescu@example.com",
        ),
        DemoResident(
            "mario_rossi_omocode", "RSSMRA80A01F20RS", "Mario", "Rossi", "M", date(1980, 1, 1), _MUNICIPALITY_PLACE,
            household="DEMO0003",
        ),
    )
}  # fmt: skip


# Ana Popescu's earlier codice fiscale (an omocodia variant of hers), still matched to her.
DEMO_ALIAS = "PPSNAA90C52Z12VN"


# --- Codice fiscale ----------------------------------------------------------------------------


@cache
def _family_name_code(name):
    return cf_lib.encode_lastname(name)


@cache
def _given_name_code(name):
    return cf_lib.encode_firstname(name)


MONTH_LETTERS = "ABCDEHLMPRST"


def fiscal_code(family_name, given_name, sex, birth_date, birthplace_code):
    """The codice fiscale of these personal data (python-codicefiscale's encoders, names cached)."""
    day = birth_date.day + (40 if sex == "F" else 0)
    body = (
        f"{_family_name_code(family_name)}{_given_name_code(given_name)}"
        f"{birth_date.year % 100:02d}{MONTH_LETTERS[birth_date.month - 1]}{day:02d}{birthplace_code}"
    )
    return body + cf_lib.encode_cin(body)


def omocode(code, level):
    """The ``level``-th omocodia variant: the last ``level`` substitutable digits turned into letters."""
    chars = list(code[:15])
    for position in reversed(OMOCODIA_POSITIONS[-level:]):
        if chars[position].isdigit():
            chars[position] = OMOCODIA_LETTERS[int(chars[position])]
    body = "".join(chars)
    return body + cf_lib.encode_cin(body)


def unique_fiscal_code(code, taken):
    """``code``, or its first omocodia variant nobody holds yet; records it in ``taken``."""
    level = 0
    candidate = code
    while candidate in taken:
        level += 1
        candidate = omocode(code, level)
    taken.add(candidate)
    return candidate


# --- The plan: plain records first, then bulk inserts ----------------------------------------------


@dataclass
class _Person:
    family_name: str
    given_name: str
    sex: str
    birth_date: date
    place: Place
    fiscal_code: str = ""
    citizenships: list = field(default_factory=list)  # (country, acquired_on)
    civil_status: int = CivilStatus.UNMARRIED
    civil_status_date: date | None = None
    spouse: "_Person | None" = None
    status: str = RegistrationStatus.RESIDENT
    death_date: date | None = None
    death_place: str = ""
    email: str = ""
    obj: Person | None = None


@dataclass
class _Household:
    code: str
    address: Address
    formed_on: date
    kind: str = HouseholdKind.FAMILY
    cohabitation_kind: int | None = None
    name: str = ""
    dissolved_on: date | None = None
    members: list = field(default_factory=list)  # (person, relationship, started_on, ended_on)
    moves: list = field(default_factory=list)  # (date, new address): the household moved
    obj: Household | None = None


@dataclass
class SeedSummary:
    people: int
    residents: int
    households: int
    shapes: dict


class _Municipality:
    """Builds the records of a synthetic municipality; ``save`` writes them in a few bulk inserts."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.faker = Faker("it_IT")
        self.faker.seed_instance(seed)
        municipality = settings.MUNICIPALITY
        self.municipality_name = municipality["name"].removeprefix("Comune di ").strip()
        self.here = Place(self.municipality_name, municipality["belfiore_code"], municipality["province"])
        self.people = []
        self.households = []
        self.addresses = []
        self.events = []  # (person, kind, date, address, other place, related person)
        self.documents = []  # (person, kind, number, issued_on)
        self.aliases = []  # (person, old code, replaced_on)
        self.taken_codes = set()
        self.shapes = Counter()
        self.household_seq = 0
        self.former_residents = 0  # deceased, emigrated, moved abroad
        self.document_seq = 0

    # -- helpers --

    def chance(self, probability):
        return self.rng.random() < probability

    def date_between(self, start, end):
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def years_after(self, day, years):
        return self.years_before(day, -years)

    def years_before(self, day, years):
        return (
            day.replace(year=day.year - years)
            if not (day.month == 2 and day.day == 29)
            else date(day.year - years, 2, 28)
        )

    def new_address(self):
        municipality = settings.MUNICIPALITY
        toponym, street, postal_code = self.rng.choice(STREETS)
        if municipality["belfiore_code"] != "F205":
            postal_code = municipality["postal_code"]
        address = Address(
            toponym=toponym,
            street=street,
            civic_number=str(self.rng.randint(1, 180)),
            civic_suffix=self.rng.choice("AB") if self.chance(0.05) else "",
            staircase=self.rng.choice("ABC") if self.chance(0.2) else "",
            interior=str(self.rng.randint(1, 30)) if self.chance(0.7) else "",
            postal_code=postal_code,
            municipality_name=self.municipality_name,
            municipality_istat=municipality["istat_code"],
            municipality_belfiore=municipality["belfiore_code"],
            province=municipality["province"],
        )
        self.addresses.append(address)
        return address

    def new_household(self, formed_on, code=None, **fields):
        self.household_seq += 1
        household = _Household(code or f"F{self.household_seq:07d}", self.new_address(), formed_on, **fields)
        self.households.append(household)
        return household

    def person(self, sex, birth_date, *, family_name=None, nationality=None, place=None, given_name=None):
        if nationality is not None:
            names = nationality.male_names if sex == "M" else nationality.female_names
            given_name = given_name or self.rng.choice(names)
            family_name = family_name or self.rng.choice(nationality.family_names)
            citizenships = [(nationality.place.country, None)]
            place = place or nationality.place
        else:
            given_name = given_name or (self.faker.first_name_male() if sex == "M" else self.faker.first_name_female())
            family_name = family_name or self.faker.last_name()
            citizenships = [("IT", None)]
            if place is None:
                roll = self.rng.random()
                place = self.here if roll < 0.6 else self.rng.choice(ITALIAN_PLACES) if roll < 0.96 else None
                if place is None:
                    place = self.rng.choice(ABROAD)
                    citizenships = [(place.country, None), ("IT", None)]  # Italian by descent, dual citizen
        person = _Person(family_name, given_name, sex, birth_date, place, citizenships=citizenships)
        person.fiscal_code = unique_fiscal_code(
            fiscal_code(family_name, given_name, sex, birth_date, place.code), self.taken_codes
        )
        if self.chance(0.35) and birth_date <= self.years_before(REFERENCE_DATE, 16):
            person.email = self.email_for(person)
        self.people.append(person)
        return person

    def email_for(self, person):
        local = f"{person.given_name}.{person.family_name}".lower()
        local = "".join(c for c in local.replace(" ", "") if c.isascii() and (c.isalnum() or c == "."))
        return f"{local}{self.rng.randint(1, 999)}@example.com"

    def adult_birth_date(self, oldest=1935, youngest=2003):
        return self.date_between(date(oldest, 1, 1), date(youngest, 12, 31))

    def marry(self, a, b, on, *, civil_union=False):
        status = CivilStatus.CIVIL_UNION if civil_union else CivilStatus.MARRIED
        for one, other in ((a, b), (b, a)):
            one.civil_status, one.civil_status_date, one.spouse = status, on, other
        kind = EventKind.CIVIL_UNION if civil_union else EventKind.MARRIAGE
        self.events.append((a, kind, on, None, None, b))
        self.events.append((b, kind, on, None, None, a))

    def join(self, household, person, relationship, started_on, ended_on=None):
        started_on = max(started_on, person.birth_date)
        household.members.append((person, relationship, started_on, ended_on))

    # -- shapes --

    def single(self, nationality=None):
        sex = self.rng.choice("MF")
        person = self.person(sex, self.adult_birth_date(), nationality=nationality)
        formed = self.date_between(self.years_after(person.birth_date, 19), REFERENCE_DATE - timedelta(days=30))
        if self.chance(0.12) and person.birth_date.year < 1985:
            person.civil_status, person.civil_status_date = CivilStatus.DIVORCED, formed
        household = self.new_household(formed)
        self.join(household, person, Relationship.HEAD, formed)
        self.maybe_move(household)
        self.shapes["single"] += 1
        return household

    def couple(self, *, kind="married", children=0, grandparent=False, nationality=None):
        head_birth = self.adult_birth_date(1940 if not children else 1965, 1998)
        partner_sex = "M" if kind == "civil_union" and self.chance(0.5) else "F"
        head_sex = partner_sex if kind == "civil_union" else "M"
        head = self.person(head_sex, head_birth, nationality=nationality)
        partner_birth = self.date_between(head_birth - timedelta(days=5 * 365), head_birth + timedelta(days=5 * 365))
        partner_birth = min(partner_birth, date(2004, 12, 31))
        partner = self.person(partner_sex, partner_birth, nationality=nationality)
        adult_since = self.years_after(max(head_birth, partner_birth), 20)
        formed = self.date_between(adult_since, REFERENCE_DATE - timedelta(days=400))
        household = self.new_household(formed)
        self.join(household, head, Relationship.HEAD, formed)
        if kind == "married":
            self.marry(head, partner, formed)
            self.join(household, partner, Relationship.SPOUSE, formed)
        elif kind == "civil_union":
            self.marry(head, partner, max(formed, date(2016, 6, 5)), civil_union=True)
            self.join(household, partner, Relationship.CIVIL_PARTNER, formed)
        else:
            self.join(household, partner, Relationship.COHABITANT, formed)
        mother = partner if partner.sex == "F" else head
        for _ in range(children):
            born = self.date_between(formed, min(REFERENCE_DATE, self.years_after(mother.birth_date, 46)))
            child_place = self.here if nationality is None or born > formed else nationality.place
            child = self.person(
                self.rng.choice("MF"), born, family_name=head.family_name, nationality=nationality, place=child_place
            )
            self.join(household, child, Relationship.CHILD, born)
        if grandparent:
            elder = self.person(
                self.rng.choice("MF"),
                self.adult_birth_date(1928, 1945),
                family_name=head.family_name,
                nationality=nationality,
            )
            elder.civil_status, elder.civil_status_date = CivilStatus.WIDOWED, self.date_between(formed, REFERENCE_DATE)
            self.join(household, elder, Relationship.PARENT, self.date_between(formed, REFERENCE_DATE))
        self.maybe_former_members(household, head, partner, nationality)
        self.maybe_move(household)
        return household

    def single_parent(self, nationality=None):
        parent = self.person(
            "F" if self.chance(0.8) else "M", self.adult_birth_date(1970, 1995), nationality=nationality
        )
        formed = self.date_between(self.years_after(parent.birth_date, 20), REFERENCE_DATE - timedelta(days=400))
        if self.chance(0.5):
            parent.civil_status, parent.civil_status_date = (
                CivilStatus.DIVORCED,
                self.date_between(formed, REFERENCE_DATE),
            )
        household = self.new_household(formed)
        self.join(household, parent, Relationship.HEAD, formed)
        for _ in range(self.rng.randint(1, 2)):
            born = self.date_between(formed, REFERENCE_DATE - timedelta(days=30))
            child = self.person(self.rng.choice("MF"), born, family_name=parent.family_name, nationality=nationality)
            self.join(household, child, Relationship.CHILD, born)
        self.maybe_move(household)
        self.shapes["single_parent"] += 1
        return household

    def cohabitation(self, size):
        kind, name = COHABITATIONS[len([h for h in self.households if h.kind == HouseholdKind.COHABITATION]) % 6]
        formed = self.date_between(date(1990, 1, 1), date(2015, 12, 31))
        household = self.new_household(
            formed,
            code=f"C{self.household_seq + 1:07d}",
            kind=HouseholdKind.COHABITATION,
            cohabitation_kind=kind,
            name=name,
        )
        responsible = self.person(self.rng.choice("MF"), self.adult_birth_date(1955, 1985))
        self.join(household, responsible, Relationship.COHABITATION_HEAD, formed)
        elderly = kind in (CohabitationKind.CARE, CohabitationKind.ASSISTANCE)
        for _ in range(size - 1):
            sex = "F" if kind == CohabitationKind.RELIGIOUS else self.rng.choice("MF")
            born = self.adult_birth_date(1925, 1950) if elderly else self.adult_birth_date(1950, 2004)
            member = self.person(sex, born)
            if elderly:
                member.civil_status, member.civil_status_date = (
                    CivilStatus.WIDOWED,
                    self.date_between(formed, REFERENCE_DATE),
                )
            self.join(household, member, Relationship.COHABITATION_MEMBER, self.date_between(formed, REFERENCE_DATE))
        self.shapes["cohabitation"] += 1
        return household

    def maybe_move(self, household):
        """Some households moved within the municipality: residence history with two addresses."""
        if self.chance(0.2):
            moved_on = self.date_between(household.formed_on + timedelta(days=200), REFERENCE_DATE - timedelta(days=20))
            if moved_on > household.formed_on:
                household.moves.append((moved_on, household.address))
                household.address = self.new_address()  # the current address; the first is kept in moves

    def maybe_former_members(self, household, head, partner, nationality):
        """Deaths, emigrations and moves abroad: people who left the household but stay in the register."""
        roll = self.rng.random()
        if roll < 0.05 and partner.spouse is head and head.civil_status == CivilStatus.MARRIED:
            # The head's spouse died: the head is widowed, the spouse stays as a former member.
            died = self.date_between(household.formed_on + timedelta(days=365), REFERENCE_DATE - timedelta(days=10))
            self.die(partner, died)
            household.members = [(p, r, s, died if p is partner else e) for p, r, s, e in household.members]
            head.civil_status, head.civil_status_date = CivilStatus.WIDOWED, died
            self.events.append((head, EventKind.WIDOWHOOD, died, None, None, partner))
            self.shapes["widowed"] += 1
        elif roll < 0.10:
            leaver = self.person(
                self.rng.choice("MF"),
                self.date_between(self.years_before(REFERENCE_DATE, 40), self.years_before(REFERENCE_DATE, 20)),
                family_name=head.family_name,
                nationality=nationality,
                place=self.here,
            )
            left = self.date_between(self.years_after(leaver.birth_date, 19), REFERENCE_DATE - timedelta(days=10))
            self.join(household, leaver, Relationship.CHILD, leaver.birth_date, left)
            self.former_residents += 1
            if roll < 0.075:
                destination = self.rng.choice(ITALIAN_PLACES)
                leaver.status = RegistrationStatus.EMIGRATED
                self.events.append((leaver, EventKind.EMIGRATION, left, None, destination, None))
                self.shapes["emigrated"] += 1
            else:
                destination = self.rng.choice(ABROAD)
                leaver.status = RegistrationStatus.AIRE
                self.events.append((leaver, EventKind.AIRE_REGISTRATION, left, None, destination, None))
                self.shapes["aire"] += 1
        elif roll < 0.13 and household.members[-1][1] == Relationship.PARENT:
            elder, relationship, started, _ = household.members[-1]
            died = self.date_between(started + timedelta(days=30), REFERENCE_DATE - timedelta(days=10))
            self.die(elder, died)
            household.members[-1] = (elder, relationship, started, died)

    def die(self, person, on):
        person.status = RegistrationStatus.DECEASED
        self.former_residents += 1
        person.death_date = on
        person.death_place = self.municipality_name
        self.events.append((person, EventKind.DEATH, on, None, None, None))
        self.shapes["deceased"] += 1

    # -- the demo residents --

    def add_demo_residents(self):
        demo_households = {}
        for resident in DEMO_RESIDENTS.values():
            person = _Person(
                resident.family_name,
                resident.given_name,
                resident.sex,
                resident.birth_date,
                resident.birth_place,
                citizenships=[(resident.citizenship, None)],
                email=resident.email,
            )
            person.fiscal_code = unique_fiscal_code(
                fiscal_code(person.family_name, person.given_name, person.sex, person.birth_date, person.place.code),
                self.taken_codes,
            )
            assert person.fiscal_code == resident.fiscal_code, (resident.key, person.fiscal_code)
            self.people.append(person)
            household = demo_households.get(resident.household)
            if household is None:
                household = _Household(resident.household, self.new_address(), date(2012, 6, 1))
                self.households.append(household)
                demo_households[resident.household] = household
            self.join(household, person, resident.relationship, household.formed_on)
        rossi = {p.given_name: p for p, *_ in demo_households["DEMO0001"].members}
        self.marry(rossi["Mario"], rossi["Laura"], date(2012, 6, 1))

    # -- the whole municipality --

    SHAPES = (
        ("single", 30),
        ("married_couple", 12),
        ("civil_union", 2),
        ("cohabiting_couple", 6),
        ("family_with_minors", 26),
        ("single_parent", 7),
        ("multi_generation", 5),
        ("foreign_family", 10),
        ("foreign_single", 5),
    )

    def add_household(self, shape, room):
        """Add one household of ``shape``, or a single person when fewer than four places are left."""
        if room < 4:
            shape = "single"
        if shape == "single":
            return self.single()
        if shape == "foreign_single":
            self.shapes["foreign"] += 1
            return self.single(nationality=self.rng.choice(NATIONALITIES))
        if shape == "single_parent":
            return self.single_parent()
        if shape == "cohabitation":
            return self.cohabitation(min(room, self.rng.randint(4, 12)))
        self.shapes[shape] += 1
        if shape == "married_couple":
            return self.couple()
        if shape == "civil_union":
            return self.couple(kind="civil_union")
        if shape == "cohabiting_couple":
            return self.couple(kind="cohabiting", children=self.rng.choice((0, 0, 1)))
        if shape == "family_with_minors":
            return self.couple(
                kind=self.rng.choice(("married",) * 4 + ("cohabiting",)), children=self.rng.randint(1, 3)
            )
        if shape == "multi_generation":
            return self.couple(children=self.rng.randint(1, 2), grandparent=True)
        nationality = self.rng.choice(NATIONALITIES)
        household = self.couple(children=self.rng.randint(0, 3), nationality=nationality)
        self.maybe_naturalise(household)
        return household

    def maybe_naturalise(self, household):
        """Some foreign residents became Italian citizens after years of residence."""
        for person, _, started_on, _ in household.members:
            if started_on < date(2012, 1, 1) and person.birth_date < date(2000, 1, 1) and self.chance(0.25):
                acquired = self.date_between(started_on + timedelta(days=3650), REFERENCE_DATE - timedelta(days=10))
                if acquired < REFERENCE_DATE:
                    person.citizenships.append(("IT", acquired))
                    self.events.append((person, EventKind.CITIZENSHIP_ACQUIRED, acquired, None, None, None))

    def build(self, residents):
        self.add_demo_residents()
        shapes, weights = zip(*self.SHAPES, strict=True)
        # Every shape once first (a small seed still has all of them), then at their usual frequency.
        forced = [*shapes, "cohabitation"]
        while (count := self.resident_count()) < residents:
            room = residents - count
            if forced:
                shape = forced.pop(0)
            elif count and count % 400 < 4 and self.shapes["cohabitation"] < count // 400 + 1:
                shape = "cohabitation"
            else:
                shape = self.rng.choices(shapes, weights)[0]
            self.add_household(shape, room)
        self.plan_residence_events()
        self.plan_documents()
        self.plan_aliases()

    def resident_count(self):
        return len(self.people) - self.former_residents

    # -- writing --

    def save(self):
        Address.objects.bulk_create(self.addresses, batch_size=BATCH_SIZE)
        for household in self.households:
            household.obj = Household(
                code=household.code,
                kind=household.kind,
                cohabitation_kind=household.cohabitation_kind,
                name=household.name,
                address=household.address,
                formed_on=household.formed_on,
                dissolved_on=household.dissolved_on,
            )
        Household.objects.bulk_create([h.obj for h in self.households], batch_size=BATCH_SIZE)
        for person in self.people:
            # One validator for every code we write, given the real birth date and sex it must agree with.
            decoded = parse_codice_fiscale(person.fiscal_code, birth_date=person.birth_date, sex=person.sex)
            person.obj = Person(
                fiscal_code=person.fiscal_code,
                given_name=person.given_name,
                family_name=person.family_name,
                sex=person.sex,
                birth_date=person.birth_date,
                birth_place=decoded.birthplace_name or person.place.name,
                birth_place_code=person.place.code,
                birth_province=decoded.birthplace_province if person.place.country == "IT" else "",
                birth_country=person.place.country,
                civil_status=person.civil_status,
                civil_status_date=person.civil_status_date,
                registration_status=person.status,
                death_date=person.death_date,
                death_place=person.death_place,
                email=person.email,
            ).normalise_names()  # bulk_create skips save(): the search keys are set here
        Person.objects.bulk_create([p.obj for p in self.people], batch_size=BATCH_SIZE)
        married = [p for p in self.people if p.spouse is not None]
        for person in married:
            person.obj.spouse = person.spouse.obj
        Person.objects.bulk_update([p.obj for p in married], ["spouse"], batch_size=BATCH_SIZE)

        Membership.objects.bulk_create(
            [
                Membership(
                    household=household.obj,
                    person=person.obj,
                    relationship=relationship,
                    started_on=started_on,
                    ended_on=ended_on,
                )
                for household in self.households
                for person, relationship, started_on, ended_on in household.members
            ],
            batch_size=BATCH_SIZE,
        )

        Citizenship.objects.bulk_create(
            [
                Citizenship(person=p.obj, country=country, acquired_on=acquired_on)
                for p in self.people
                for country, acquired_on in p.citizenships
            ],
            batch_size=BATCH_SIZE,
        )
        IdentityDocument.objects.bulk_create([self.document(*d) for d in self.documents], batch_size=BATCH_SIZE)
        RegistryEvent.objects.bulk_create(
            [
                RegistryEvent(
                    person=person.obj,
                    kind=kind,
                    date=on,
                    address=address,
                    other_municipality=other.name if other else "",
                    other_municipality_code=other.code if other else "",
                    related_person=related.obj if related else None,
                )
                for person, kind, on, address, other, related in self.events
            ],
            batch_size=BATCH_SIZE,
        )
        FiscalCodeAlias.objects.bulk_create(
            [FiscalCodeAlias(person=p.obj, fiscal_code=old, replaced_on=on) for p, old, on in self.aliases],
            batch_size=BATCH_SIZE,
        )

    def plan_residence_events(self):
        for household in self.households:
            for person, _, started_on, ended_on in household.members:
                self.residence_events(household, person, started_on, ended_on)

    def residence_events(self, household, person, started_on, ended_on):
        """Birth or immigration, then the household's moves: the person's *storico di residenza*."""
        # household.moves holds (moved_on, address before that day); household.address is the current one.
        periods = [*household.moves, (date.max, household.address)]

        def address_on(day):
            return next(address for moved_on, address in periods if day < moved_on)

        first_address = address_on(started_on)
        if person.place == self.here:
            if started_on == person.birth_date:
                self.events.append((person, EventKind.BIRTH, person.birth_date, first_address, None, None))
            else:
                # Born here, in another household: a birth at the parents' address, then a move.
                self.events.append((person, EventKind.BIRTH, person.birth_date, self.new_address(), None, None))
                self.events.append((person, EventKind.ADDRESS_CHANGE, started_on, first_address, None, None))
        else:
            # Recent arrivals come from their birthplace; others from somewhere in Italy.
            recent = started_on - person.birth_date < timedelta(days=3650)
            origin = person.place if recent else self.rng.choice((*ITALIAN_PLACES, person.place))
            self.events.append((person, EventKind.IMMIGRATION, started_on, first_address, origin, None))
        for moved_on, _ in household.moves:
            if started_on < moved_on and (ended_on is None or moved_on < ended_on):
                self.events.append((person, EventKind.ADDRESS_CHANGE, moved_on, address_on(moved_on), None, None))

    def plan_documents(self):
        """Most adult residents hold an identity card (electronic or paper), some a passport too."""
        adult_before = self.years_before(REFERENCE_DATE, 18)
        for person in self.people:
            if person.status != RegistrationStatus.RESIDENT or person.birth_date > adult_before:
                continue
            roll = self.rng.random()
            issued = self.date_between(REFERENCE_DATE - timedelta(days=9 * 365), REFERENCE_DATE - timedelta(days=10))
            self.document_seq += 1
            seq = self.document_seq
            if roll < 0.7:
                letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVZ") for _ in range(2))
                kind, number = DocumentKind.CIE, f"C{chr(65 + seq // 100_000 % 26)}{seq % 100_000:05d}{letters}"
            elif roll < 0.8:
                kind, number = DocumentKind.PAPER_ID, f"AX{seq:07d}"
            else:
                continue
            self.documents.append((person, kind, number, issued))
            if self.chance(0.15):
                self.document_seq += 1
                issued = self.date_between(
                    REFERENCE_DATE - timedelta(days=9 * 365), REFERENCE_DATE - timedelta(days=10)
                )
                self.documents.append((person, DocumentKind.PASSPORT, f"YA{self.document_seq:07d}", issued))

    def document(self, person, kind, number, issued):
        # Identity documents last ten years (29 February rolls over to 1 March).
        expires = (
            date(issued.year + 10, 3, 1)
            if (issued.month, issued.day) == (2, 29)
            else issued.replace(year=issued.year + 10)
        )
        return IdentityDocument(
            person=person.obj,
            kind=kind,
            number=number,
            issued_by="Questura di Milano" if kind == DocumentKind.PASSPORT else f"Comune di {self.municipality_name}",
            issued_on=issued,
            expires_on=expires,
        )

    def plan_aliases(self):
        """A few people held an omocodia variant of their code before it was corrected."""
        demo_alias_holder = DEMO_RESIDENTS["ana_popescu"].fiscal_code
        for person in self.people:
            # The chance is drawn for everyone, so the demo alias does not shift later draws.
            if self.chance(0.004) or person.fiscal_code == demo_alias_holder:
                old = omocode(person.fiscal_code, 1)
                if old not in self.taken_codes and old != person.fiscal_code:
                    self.taken_codes.add(old)
                    replaced = self.date_between(self.years_after(person.birth_date, 1), REFERENCE_DATE)
                    self.aliases.append((person, old, replaced))


def seed_municipality(residents, seed):
    """Create a synthetic municipality of ``residents`` current residents, the same for the same ``seed``.

    Former residents (deceased, emigrated, moved abroad) come on top. Returns a ``SeedSummary``.
    """
    municipality = _Municipality(seed)
    municipality.build(residents)
    with transaction.atomic():
        municipality.save()
    return SeedSummary(
        people=len(municipality.people),
        residents=municipality.resident_count(),
        households=len(municipality.households),
        shapes=dict(municipality.shapes),
    )
