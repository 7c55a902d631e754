# ruff: noqa: S608 -- SQL here is assembled from table and column names defined in this module; every value is a parameter.
"""Import of an ANPR-style export of residents (``manage.py import_residents``).

The file format is documented in docs/import-format.md. The import runs in three steps, inside one
transaction so that a failure at any point leaves the database as it was:

1. Every row is read and validated in Python (codice fiscale through ``parse_codice_fiscale``, dates,
   ANPR codes, lengths, duplicates, household consistency). A bad row goes to the reject file with its
   line number and the reason; a good row is streamed into a temporary staging table (``COPY`` on
   PostgreSQL, batched inserts on SQLite) while the next rows are read.
2. Households left without a head (their head's row was rejected and none is registered) are taken
   out of the staging table and rejected too.
3. Set-based SQL moves the staging table into the registry: addresses, households, people, spouse
   links, memberships, citizenships and the birth or immigration event. Each statement inserts only
   what is missing and updates only what differs, keyed by codice fiscale and household code, so
   running the same file twice changes nothing.
"""

import codecs
import csv
import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, connection, transaction
from django.utils import timezone

from .codicefiscale import InvalidCodiceFiscale, is_known_place_code, parse_codice_fiscale
from .models import (
    Address,
    Citizenship,
    CivilStatus,
    CohabitationKind,
    EventKind,
    Household,
    HouseholdKind,
    Membership,
    Person,
    RegistryEvent,
    Relationship,
)
from .names import (
    PERSON_NAME_CHARACTERS,
    PLACE_NAME_CHARACTERS,
    TYPED_FORMS,
    clean_name,
    describe_characters,
    name_search_key,
    unsupported_characters,
)

# The columns of the file, in order (docs/import-format.md).
COLUMNS = (
    "codice_fiscale",
    "cognome",
    "nome",
    "sesso",
    "data_nascita",
    "luogo_nascita",
    "codice_luogo_nascita",
    "provincia_nascita",
    "stato_nascita",
    "cittadinanze",
    "stato_civile",
    "data_stato_civile",
    "codice_fiscale_coniuge",
    "codice_famiglia",
    "tipo_famiglia",
    "specie_convivenza",
    "denominazione_convivenza",
    "relazione_parentela",
    "data_decorrenza",
    "specie_via",
    "denominazione_via",
    "civico",
    "esponente",
    "scala",
    "interno",
    "cap",
    "tipo_iscrizione",
    "data_iscrizione",
    "luogo_provenienza",
    "codice_luogo_provenienza",
    "email",
    "id_anpr",
)
REQUIRED = frozenset(
    (
        "codice_fiscale", "cognome", "nome", "sesso", "data_nascita", "luogo_nascita", "codice_luogo_nascita",
        "stato_nascita", "cittadinanze", "stato_civile", "codice_famiglia", "tipo_famiglia", "relazione_parentela",
        "data_decorrenza", "specie_via", "denominazione_via", "civico", "cap", "tipo_iscrizione", "data_iscrizione",
    )
)  # fmt: skip
# The characters the register accepts (registry.names: every PDF can draw them), per field.
CHARACTER_SETS = {
    "cognome": PERSON_NAME_CHARACTERS,
    "nome": PERSON_NAME_CHARACTERS,
    **dict.fromkeys(
        ("luogo_nascita", "denominazione_convivenza", "specie_via", "denominazione_via", "civico", "esponente",
         "scala", "interno", "luogo_provenienza"),
        PLACE_NAME_CHARACTERS,
    ),
}  # fmt: skip
# Fast path: a value made only of these (the accepted set plus what clean_name turns into it) needs no
# further look; anything else goes through unsupported_characters, which normalises first.
_PLAIN = {
    name: re.compile("^[" + re.escape("".join(sorted(allowed | TYPED_FORMS))) + "]*$")
    for name, allowed in CHARACTER_SETS.items()
}
# What clean_name would change in an ASCII value (already stripped): the backtick apostrophe, other
# whitespace than single spaces.
_NEEDS_CLEANING = re.compile(r"[`\t\n\r\x0b\x0c\x1c-\x1f]| {2}")
MAX_LENGTHS = {
    "cognome": 100,
    "nome": 100,
    "luogo_nascita": 100,
    "denominazione_convivenza": 200,
    "codice_famiglia": 20,
    "specie_via": 30,
    "denominazione_via": 200,
    "civico": 10,
    "esponente": 10,
    "scala": 10,
    "interno": 10,
    "luogo_provenienza": 100,
    "email": 254,
    "id_anpr": 20,
}
_LIMITED, _LIMITS = tuple(MAX_LENGTHS), tuple(MAX_LENGTHS.values())
MAX_CITIZENSHIPS = 3

# The staging table: the cleaned row, one column per field the load needs.
STAGING = "registry_import_staging"
RESOLVED = "registry_import_resolved"
STAGING_COLUMNS = (
    ("line_no", "integer"),
    ("fiscal_code", "varchar(16)"),
    ("family_name", "varchar(100)"),
    ("given_name", "varchar(100)"),
    ("family_name_key", "varchar(100)"),
    ("given_name_key", "varchar(100)"),
    ("sex", "varchar(1)"),
    ("birth_date", "date"),
    ("birth_place", "varchar(100)"),
    ("birth_place_code", "varchar(4)"),
    ("birth_province", "varchar(2)"),
    ("birth_country", "varchar(2)"),
    ("citizenship_1", "varchar(2)"),
    ("citizenship_2", "varchar(2)"),
    ("citizenship_3", "varchar(2)"),
    ("civil_status", "smallint"),
    ("civil_status_date", "date"),
    ("spouse_fiscal_code", "varchar(16)"),
    ("household_code", "varchar(20)"),
    ("household_kind", "varchar(20)"),
    ("cohabitation_kind", "smallint"),
    ("cohabitation_name", "varchar(200)"),
    ("relationship", "smallint"),
    ("is_head", "boolean"),
    ("started_on", "date"),
    ("toponym", "varchar(30)"),
    ("street", "varchar(200)"),
    ("civic_number", "varchar(10)"),
    ("civic_suffix", "varchar(10)"),
    ("staircase", "varchar(10)"),
    ("interior", "varchar(10)"),
    ("postal_code", "varchar(5)"),
    ("registration_kind", "varchar(30)"),
    ("registration_date", "date"),
    ("origin_name", "varchar(100)"),
    ("origin_code", "varchar(4)"),
    ("email", "varchar(254)"),
    ("anpr_id", "varchar(20)"),
)
STAGING_NAMES = tuple(name for name, _ in STAGING_COLUMNS)

# Dates as written in the file: ISO by default; day/month/year as Italian spreadsheets write them
# when the clerk declares it (``date_format``): 03/04/2027 could be either order, so it is never guessed.
ISO_DATES, ITALIAN_DATES = "AAAA-MM-GG", "GG/MM/AAAA"
DATE_FORMATS = {
    ISO_DATES: (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), (1, 2, 3)),
    ITALIAN_DATES: (re.compile(r"^(\d{2})/(\d{2})/(\d{4})$"), (3, 2, 1)),
}
DELIMITERS = {",": "virgola", ";": "punto e virgola", "\t": "tabulazione"}
# What a spreadsheet does to the file, read once at the top before any row is loaded.
SNIFF_BYTES = 1 << 16
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PROVINCE = re.compile(r"^[A-Z]{2}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
CIVIL_STATUSES = frozenset(str(value) for value in CivilStatus.values)
RELATIONSHIPS = frozenset(str(value) for value in Relationship.values)
COHABITATION_KINDS = frozenset(str(value) for value in CohabitationKind.values)
HOUSEHOLD_KINDS = {"F": HouseholdKind.FAMILY.value, "C": HouseholdKind.COHABITATION.value}
REGISTRATION_KINDS = {"N": EventKind.BIRTH.value, "I": EventKind.IMMIGRATION.value}
FAMILY_HEAD = str(Relationship.HEAD.value)
COHABITATION_HEAD = str(Relationship.COHABITATION_HEAD.value)


class RowRejected(ValueError):
    """A row that cannot be loaded; the message (Italian) goes to the reject file."""


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, wrong header, database error)."""


@dataclass
class ImportResult:
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    people_created: int = 0
    people_updated: int = 0
    households_created: int = 0
    households_updated: int = 0
    memberships_created: int = 0
    memberships_closed: int = 0
    events_created: int = 0
    rejects: list = field(default_factory=list)  # (line number, reason)
    reject_path: Path | None = None
    timings: dict = field(default_factory=dict)  # seconds per phase, for logs and the benchmark


# --- Row validation ------------------------------------------------------------------------------


class RowValidator:
    """Checks one row at a time and remembers what earlier rows said (duplicates, households)."""

    def __init__(self, date_format=ISO_DATES):
        self.date_format = date_format
        self.fiscal_codes = {}  # code → line
        self.households = {}  # household code → (kind, cohabitation data, address, line)
        self.heads = {}  # household code → line of its head
        self.municipality_code = settings.MUNICIPALITY["belfiore_code"]

    def clean(self, row, line_no):
        """Return the staging tuple for ``row`` or raise ``RowRejected`` with the reason."""
        if len(row) != len(COLUMNS):
            raise RowRejected(f"numero di colonne errato: attese {len(COLUMNS)}, trovate {len(row)}")
        # map() and all()/any() keep these per-field checks out of the interpreter loop: the import
        # of a large municipality runs them millions of times.
        values = dict(zip(COLUMNS, map(str.strip, row), strict=True))
        if not all(map(values.__getitem__, REQUIRED)):
            missing = next(name for name in COLUMNS if name in REQUIRED and not values[name])
            raise RowRejected(f"campo obbligatorio mancante: {missing}")
        if any(map(int.__lt__, _LIMITS, map(len, map(values.__getitem__, _LIMITED)))):
            name, limit = next((name, limit) for name, limit in MAX_LENGTHS.items() if len(values[name]) > limit)
            raise RowRejected(f"{name} troppo lungo: al massimo {limit} caratteri")
        for name, plain in _PLAIN.items():
            if not plain.match(values[name]):
                bad = unsupported_characters(values[name], CHARACTER_SETS[name])
                if bad:
                    raise RowRejected(
                        f"{name}: contiene caratteri che l'anagrafe non accetta: {describe_characters(bad)}"
                    )
            if not values[name].isascii() or _NEEDS_CLEANING.search(values[name]):
                values[name] = clean_name(values[name])  # stored as the models store it (NFC, one apostrophe)

        sex = values["sesso"].upper()
        if sex not in ("M", "F"):
            raise RowRejected("sesso: deve essere M o F")
        birth_date = parse_date(values, "data_nascita", self.date_format)
        try:
            # The row's birth date is the real one: the code holds only its year modulo 100.
            cf = parse_codice_fiscale(values["codice_fiscale"], birth_date=birth_date, sex=sex)
        except InvalidCodiceFiscale as exc:
            raise RowRejected(f"codice_fiscale: {exc}") from exc
        birth_place_code = values["codice_luogo_nascita"].upper()
        if birth_place_code != cf.birthplace_code:
            raise RowRejected("codice_fiscale: non corrisponde al codice del luogo di nascita")
        birth_province = values["provincia_nascita"].upper()
        if birth_province and not _PROVINCE.match(birth_province):
            raise RowRejected("provincia_nascita: deve essere la sigla di due lettere")
        birth_country = values["stato_nascita"].upper()
        if not _COUNTRY.match(birth_country):
            raise RowRejected("stato_nascita: deve essere un codice ISO 3166 di due lettere")

        citizenships = [c.strip().upper() for c in values["cittadinanze"].split(";") if c.strip()]
        if not citizenships or len(citizenships) > MAX_CITIZENSHIPS or len(set(citizenships)) != len(citizenships):
            raise RowRejected(f"cittadinanze: da una a {MAX_CITIZENSHIPS} cittadinanze diverse, separate da ';'")
        if not all(_COUNTRY.match(c) for c in citizenships):
            raise RowRejected("cittadinanze: ogni cittadinanza è un codice ISO 3166 di due lettere")
        citizenships += [""] * (MAX_CITIZENSHIPS - len(citizenships))

        civil_status = values["stato_civile"]
        if civil_status not in CIVIL_STATUSES:
            raise RowRejected(f"stato_civile: codice sconosciuto {civil_status!r} (tabella ANPR 1)")
        civil_status_date = (
            parse_date(values, "data_stato_civile", self.date_format) if values["data_stato_civile"] else None
        )
        spouse_code = ""
        if values["codice_fiscale_coniuge"]:
            try:
                spouse_code = parse_codice_fiscale(values["codice_fiscale_coniuge"]).code
            except InvalidCodiceFiscale as exc:
                raise RowRejected(f"codice_fiscale_coniuge: {exc}") from exc
            if spouse_code == cf.code:
                raise RowRejected("codice_fiscale_coniuge: uguale al codice fiscale della persona")

        household_code = values["codice_famiglia"]
        household_kind = HOUSEHOLD_KINDS.get(values["tipo_famiglia"].upper())
        if household_kind is None:
            raise RowRejected("tipo_famiglia: deve essere F (famiglia anagrafica) o C (convivenza)")
        cohabitation_kind = values["specie_convivenza"]
        if household_kind == HouseholdKind.COHABITATION:
            if cohabitation_kind not in COHABITATION_KINDS:
                raise RowRejected("specie_convivenza: codice mancante o sconosciuto (tabella ANPR 27)")
        elif cohabitation_kind or values["denominazione_convivenza"]:
            raise RowRejected("specie_convivenza e denominazione_convivenza valgono solo per le convivenze")
        relationship = values["relazione_parentela"]
        if relationship not in RELATIONSHIPS:
            raise RowRejected(f"relazione_parentela: codice sconosciuto {relationship!r} (tabella ANPR 5)")
        is_head = relationship in (FAMILY_HEAD, COHABITATION_HEAD)
        expected_head = COHABITATION_HEAD if household_kind == HouseholdKind.COHABITATION else FAMILY_HEAD
        if is_head and relationship != expected_head:
            raise RowRejected("relazione_parentela: l'intestatario non corrisponde al tipo di famiglia")
        started_on = parse_date(values, "data_decorrenza", self.date_format)
        if started_on < birth_date:
            raise RowRejected("data_decorrenza: precede la data di nascita")

        postal_code = values["cap"]
        if not _POSTAL_CODE.match(postal_code):
            hint = f" (es. {postal_code.zfill(5)}: formattare la colonna come testo)" if postal_code.isdigit() else ""
            raise RowRejected(f"cap: deve avere cinque cifre, anche gli zeri iniziali{hint}")
        registration_kind = REGISTRATION_KINDS.get(values["tipo_iscrizione"].upper())
        if registration_kind is None:
            raise RowRejected("tipo_iscrizione: deve essere N (nascita) o I (immigrazione)")
        registration_date = parse_date(values, "data_iscrizione", self.date_format)
        if registration_date < birth_date:
            raise RowRejected("data_iscrizione: precede la data di nascita")
        origin_code = values["codice_luogo_provenienza"].upper()
        if origin_code and not is_known_place_code(origin_code):
            raise RowRejected(
                "codice_luogo_provenienza: non è un codice catastale noto (comune o Stato estero, es. H501 o Z110)"
            )
        email = values["email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise RowRejected("email: indirizzo non valido") from None

        # Checks across rows: duplicates and one description per household.
        previous = self.fiscal_codes.get(cf.code)
        if previous is not None:
            raise RowRejected(f"codice fiscale duplicato: già presente alla riga {previous}")
        address = (
            values["specie_via"],
            values["denominazione_via"],
            values["civico"],
            values["esponente"],
            values["scala"],
            values["interno"],
            postal_code,
        )
        household = (household_kind, cohabitation_kind, values["denominazione_convivenza"], hash(address))
        known = self.households.get(household_code)
        if known is not None and known[0] != household:
            raise RowRejected(f"famiglia {household_code}: tipo o indirizzo diversi da quelli della riga {known[1]}")
        if is_head and household_code in self.heads:
            raise RowRejected(
                f"famiglia {household_code}: ha già un intestatario alla riga {self.heads[household_code]}"
            )
        self.fiscal_codes[cf.code] = line_no
        if known is None:
            self.households[household_code] = (household, line_no)
        if is_head:
            self.heads[household_code] = line_no

        family_name, given_name = values["cognome"], values["nome"]
        return (
            line_no,
            cf.code,
            family_name,
            given_name,
            name_search_key(family_name),
            name_search_key(given_name),
            sex,
            birth_date,
            values["luogo_nascita"],
            birth_place_code,
            birth_province,
            birth_country,
            *citizenships,
            int(civil_status),
            civil_status_date,
            spouse_code,
            household_code,
            household_kind,
            int(cohabitation_kind) if cohabitation_kind else None,
            values["denominazione_convivenza"],
            int(relationship),
            is_head,
            started_on,
            *address,
            registration_kind,
            registration_date,
            values["luogo_provenienza"],
            origin_code,
            email,
            values["id_anpr"] or None,
        )


def parse_date(values, name, date_format=ISO_DATES):
    """The ``date`` in ``values[name]``, written as ``date_format`` (a key of ``DATE_FORMATS``)."""
    value = values[name]
    pattern, (year, month, day) = DATE_FORMATS[date_format]
    match = pattern.match(value)
    if not match:
        raise RowRejected(f"{name}: data non valida {value!r}, usare {date_format}")
    try:
        return date(int(match[year]), int(match[month]), int(match[day]))
    except ValueError:
        raise RowRejected(f"{name}: data inesistente {value!r}") from None


# --- Staging -------------------------------------------------------------------------------------


class _PostgresStaging:
    """A temporary table filled with COPY: rows stream to the server while the next ones are read."""

    def __init__(self, cursor):
        self.cursor = cursor

    def create(self):
        columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
        # Temporary: no WAL, private to this session. Dropped at the end (or with the transaction,
        # which a caller's outer transaction may hold open).
        # For this transaction only: the staging table in memory (temp_buffers is 8 MB by default,
        # and only takes effect before the session's first temporary table), and room for the hash
        # joins of a million rows without spilling to disk.
        try:
            with transaction.atomic():
                self.cursor.execute("SET LOCAL temp_buffers = '1GB'")
        except DataError:
            # This connection already used a temporary table (a pooled connection, or a second
            # import in one process): the default buffers still work, only slower.
            pass
        self.cursor.execute("SET LOCAL work_mem = '256MB'")
        self.cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        self.cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns}) ON COMMIT DROP")

    def writer(self):
        return self.cursor.copy(f"COPY {STAGING} ({', '.join(STAGING_NAMES)}) FROM STDIN")

    def analyze(self):
        self.cursor.execute(f"ANALYZE {STAGING}")

    def drop(self):
        self.cursor.execute(f"DROP TABLE pg_temp.{STAGING}")


class _SQLiteStaging:
    """The development path: the same staging table, filled with batched inserts."""

    BATCH = 2000

    def __init__(self, cursor):
        self.cursor = cursor

    def create(self):
        columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
        self.cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGING}")
        self.cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({columns})")

    def writer(self):
        return _BatchedInsert(self.cursor, self.BATCH)

    def analyze(self):
        self.cursor.execute(f"CREATE INDEX temp.{STAGING}_cf ON {STAGING} (fiscal_code)")
        self.cursor.execute(f"CREATE INDEX temp.{STAGING}_household ON {STAGING} (household_code)")

    def drop(self):
        self.cursor.execute(f"DROP TABLE temp.{STAGING}")


class _BatchedInsert:
    def __init__(self, cursor, batch):
        self.cursor, self.batch, self.rows = cursor, batch, []
        placeholders = ", ".join(["%s"] * len(STAGING_NAMES))
        self.sql = f"INSERT INTO {STAGING} ({', '.join(STAGING_NAMES)}) VALUES ({placeholders})"

    def __enter__(self):
        return self

    def write_row(self, row):
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self):
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.rows = []

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.flush()


# --- Load: set-based SQL from the staging table into the registry ------------------------------------


def _tables():
    return {
        "staging": STAGING,
        "address": Address._meta.db_table,
        "household": Household._meta.db_table,
        "person": Person._meta.db_table,
        "membership": Membership._meta.db_table,
        "citizenship": Citizenship._meta.db_table,
        "event": RegistryEvent._meta.db_table,
    }


def _differs(pairs):
    """SQL true when any (left, right) pair differs, NULLs compared as values."""
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f"{left} {operator} {right}" for left, right in pairs) + ")"


ADDRESS_KEY = ("toponym", "street", "civic_number", "civic_suffix", "staircase", "interior", "postal_code")


def _address_match(address_alias, staging_alias):
    key = " AND ".join(f"{address_alias}.{column} = {staging_alias}.{column}" for column in ADDRESS_KEY)
    return f"{key} AND {address_alias}.municipality_istat = %s"


PERSON_FIELDS = (
    ("family_name", "family_name"),
    ("given_name", "given_name"),
    ("family_name_key", "family_name_key"),
    ("given_name_key", "given_name_key"),
    ("sex", "sex"),
    ("birth_date", "birth_date"),
    ("birth_place", "birth_place"),
    ("birth_place_code", "birth_place_code"),
    ("birth_province", "birth_province"),
    ("birth_country", "birth_country"),
    ("civil_status", "civil_status"),
    ("civil_status_date", "civil_status_date"),
    ("email", "email"),
)


def _reject_headless_households(cursor, t):
    """Rows of a household that has no head in the file nor in the register cannot be loaded."""
    cursor.execute(
        f"""
        SELECT s.line_no, s.household_code FROM {t["staging"]} s
        WHERE NOT EXISTS (SELECT 1 FROM {t["staging"]} h WHERE h.household_code = s.household_code AND h.is_head)
          AND NOT EXISTS (
              SELECT 1 FROM {t["membership"]} m JOIN {t["household"]} hh ON hh.id = m.household_id
              WHERE hh.code = s.household_code AND m.ended_on IS NULL AND m.relationship IN (%s, %s))
        """,
        [Relationship.HEAD.value, Relationship.COHABITATION_HEAD.value],
    )
    headless = cursor.fetchall()
    rejects = [
        (line, f"famiglia {code}: nessun intestatario valido nel file né nel registro") for line, code in headless
    ]
    # A head for a household whose registered head is someone else, who the file does not move.
    cursor.execute(
        f"""
        SELECT s.line_no, s.household_code, p.fiscal_code FROM {t["staging"]} s
        JOIN {t["household"]} hh ON hh.code = s.household_code
        JOIN {t["membership"]} m ON m.household_id = hh.id AND m.ended_on IS NULL AND m.relationship IN (%s, %s)
        JOIN {t["person"]} p ON p.id = m.person_id
        WHERE s.is_head AND p.fiscal_code <> s.fiscal_code
          AND NOT EXISTS (SELECT 1 FROM {t["staging"]} o WHERE o.fiscal_code = p.fiscal_code)
        """,
        [Relationship.HEAD.value, Relationship.COHABITATION_HEAD.value],
    )
    second_heads = cursor.fetchall()
    rejects += [
        (line, f"famiglia {code}: l'intestatario registrato è {head}, che il file non sposta")
        for line, code, head in second_heads
    ]
    lines = sorted(line for line, _ in rejects)
    for start in range(0, len(lines), 1000):
        chunk = lines[start : start + 1000]
        placeholders = ", ".join(["%s"] * len(chunk))
        cursor.execute(f"DELETE FROM {t['staging']} WHERE line_no IN ({placeholders})", chunk)
    return rejects


def _load(cursor, result):
    t = _tables()
    municipality = settings.MUNICIPALITY
    istat = municipality["istat_code"]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    heads = f"{t['staging']} s WHERE s.is_head"

    # Addresses: one per household, reused when the same address is already registered.
    key = ", ".join(f"s.{column}" for column in ADDRESS_KEY)
    cursor.execute(
        f"""
        INSERT INTO {t["address"]} ({", ".join(ADDRESS_KEY)}, municipality_name, municipality_istat,
                                    municipality_belfiore, province)
        SELECT DISTINCT {key}, %s, %s, %s, %s FROM {heads}
          AND NOT EXISTS (SELECT 1 FROM {t["address"]} a WHERE {_address_match("a", "s")})
        """,
        [municipality["name"].removeprefix("Comune di ").strip(), istat, municipality["belfiore_code"],
         municipality["province"], istat],
    )  # fmt: skip

    # Households, keyed by code; the head's row describes the household.
    key_columns = ", ".join(ADDRESS_KEY)
    heads_with_address = f"""
        (SELECT * FROM {heads}) s
        JOIN (SELECT min(id) AS id, {key_columns} FROM {t["address"]} WHERE municipality_istat = %s
              GROUP BY {key_columns}) a ON {" AND ".join(f"a.{c} = s.{c}" for c in ADDRESS_KEY)}
    """
    household = t["household"]
    cursor.execute(
        f"""
        UPDATE {household} SET kind = u.household_kind, cohabitation_kind = u.cohabitation_kind,
               name = u.cohabitation_name, address_id = u.address_id
        FROM (SELECT s.household_code, s.household_kind, s.cohabitation_kind, s.cohabitation_name,
                     a.id AS address_id
              FROM {heads_with_address}) u
        WHERE {household}.code = u.household_code AND {_differs([
            (f"{household}.kind", "u.household_kind"),
            (f"{household}.cohabitation_kind", "u.cohabitation_kind"),
            (f"{household}.name", "u.cohabitation_name"),
            (f"{household}.address_id", "u.address_id"),
        ])}
        """,
        [istat],
    )  # fmt: skip
    result.households_updated = cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO {household} (code, kind, cohabitation_kind, name, address_id, formed_on)
        SELECT s.household_code, s.household_kind, s.cohabitation_kind, s.cohabitation_name, a.id, s.started_on
        FROM {heads_with_address}
        WHERE NOT EXISTS (SELECT 1 FROM {household} h WHERE h.code = s.household_code)
        """,
        [istat],
    )
    result.households_created = cursor.rowcount

    # People, keyed by codice fiscale: update what differs, insert who is new.
    person = t["person"]
    cursor.execute(
        f"""
        UPDATE {person} SET {", ".join(f"{column} = s.{source}" for column, source in PERSON_FIELDS)},
               anpr_id = COALESCE(s.anpr_id, {person}.anpr_id), updated_at = %s
        FROM {t["staging"]} s
        WHERE {person}.fiscal_code = s.fiscal_code
          AND {_differs([(f"{person}.{column}", f"s.{source}") for column, source in PERSON_FIELDS]
                        + [(f"{person}.anpr_id", f"COALESCE(s.anpr_id, {person}.anpr_id)")])}
        """,
        [now],
    )  # fmt: skip
    result.people_updated = cursor.rowcount
    columns = ", ".join(column for column, _ in PERSON_FIELDS)
    sources = ", ".join(f"s.{source}" for _, source in PERSON_FIELDS)
    cursor.execute(
        f"""
        INSERT INTO {person} (fiscal_code, {columns}, anpr_id, registration_status, death_place,
                              created_at, updated_at)
        SELECT s.fiscal_code, {sources}, s.anpr_id, 'resident', '', %s, %s FROM {t["staging"]} s
        WHERE NOT EXISTS (SELECT 1 FROM {person} p WHERE p.fiscal_code = s.fiscal_code)
        """,
        [now, now],
    )
    result.people_created = cursor.rowcount

    # Spouse or civil partner, when the other person is in the register.
    cursor.execute(
        f"""
        UPDATE {person} SET spouse_id = u.spouse_id
        FROM (SELECT s.fiscal_code, sp.id AS spouse_id FROM {t["staging"]} s
              JOIN {person} sp ON sp.fiscal_code = s.spouse_fiscal_code
              WHERE s.spouse_fiscal_code <> '') u
        WHERE {person}.fiscal_code = u.fiscal_code AND {_differs([(f"{person}.spouse_id", "u.spouse_id")])}
        """
    )

    # From here on every statement needs the person's and household's ids: resolve them once (one
    # join of the staging table) instead of joining by codice fiscale in each statement.
    resolved = RESOLVED
    schema = "pg_temp" if connection.vendor == "postgresql" else "temp"
    cursor.execute(f"DROP TABLE IF EXISTS {schema}.{resolved}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {resolved} AS
        SELECT s.line_no, p.id AS person_id, h.id AS household_id, h.address_id, s.relationship, s.started_on,
               s.registration_kind, s.registration_date, s.origin_name, s.origin_code,
               {", ".join(f"s.citizenship_{n}" for n in range(1, MAX_CITIZENSHIPS + 1))}
        FROM {t["staging"]} s JOIN {person} p ON p.fiscal_code = s.fiscal_code
        JOIN {t["household"]} h ON h.code = s.household_code
        """
    )  # fmt: skip
    cursor.execute(f"ANALYZE {resolved}")

    # Memberships: whoever now lives in another household leaves the old one the day they join the new.
    membership = t["membership"]
    cursor.execute(
        f"""
        UPDATE {membership} SET ended_on = r.started_on
        FROM {resolved} r
        WHERE {membership}.person_id = r.person_id AND {membership}.ended_on IS NULL
          AND {membership}.household_id <> r.household_id AND {membership}.started_on <= r.started_on
        """
    )
    result.memberships_closed = cursor.rowcount
    cursor.execute(
        f"""
        UPDATE {membership} SET relationship = r.relationship
        FROM {resolved} r
        WHERE {membership}.person_id = r.person_id AND {membership}.household_id = r.household_id
          AND {membership}.ended_on IS NULL AND {membership}.relationship <> r.relationship
        """
    )
    cursor.execute(
        f"""
        INSERT INTO {membership} (household_id, person_id, relationship, started_on)
        SELECT r.household_id, r.person_id, r.relationship, r.started_on FROM {resolved} r
        WHERE NOT EXISTS (SELECT 1 FROM {membership} m WHERE m.person_id = r.person_id AND m.ended_on IS NULL)
        """
    )
    result.memberships_created = cursor.rowcount

    # Citizenships: add the ones the register does not hold yet.
    citizenship = t["citizenship"]
    cursor.execute(
        f"""
        INSERT INTO {citizenship} (person_id, country)
        SELECT c.person_id, c.country FROM (
            {" UNION ALL ".join(
                f"SELECT person_id, citizenship_{n} AS country FROM {resolved} WHERE citizenship_{n} <> ''"
                for n in range(1, MAX_CITIZENSHIPS + 1))}
        ) c
        WHERE NOT EXISTS (SELECT 1 FROM {citizenship} e
                          WHERE e.person_id = c.person_id AND e.country = c.country AND e.lost_on IS NULL)
        """
    )  # fmt: skip

    # The birth or immigration that started the person's residence here, once.
    cursor.execute(
        f"""
        INSERT INTO {t["event"]} (person_id, kind, date, address_id, other_municipality, other_municipality_code,
                                  notes, recorded_at)
        SELECT r.person_id, r.registration_kind, r.registration_date, r.address_id, r.origin_name, r.origin_code,
               %s, %s
        FROM {resolved} r
        WHERE NOT EXISTS (SELECT 1 FROM {t["event"]} e WHERE e.person_id = r.person_id AND e.kind IN (%s, %s))
        """,
        ["Importato dall'archivio anagrafico", now, EventKind.BIRTH.value, EventKind.IMMIGRATION.value],
    )  # fmt: skip
    result.events_created = cursor.rowcount
    cursor.execute(f"DROP TABLE {resolved}")


# --- Entry point ---------------------------------------------------------------------------------


def import_residents(path, reject_path=None, *, delimiter=None, date_format=None, encoding="utf-8"):
    """Import the CSV at ``path``; write rejected rows to ``reject_path`` (default: ``<path>.scarti.csv``).

    ``delimiter`` (``,``, ``;`` or tab) is found from the header when not given; ``date_format`` is
    ``"AAAA-MM-GG"`` (default) or ``"GG/MM/AAAA"``, declared by the clerk; ``encoding`` a Python codec
    name (UTF-8 by default, a BOM is skipped). Whatever a spreadsheet did to the whole file (another
    encoding, another separator, undeclared day/month dates) is refused once, before any row, with
    ``ImportFailed`` saying what to change. Returns an ``ImportResult``; on ``ImportFailed`` the
    database is unchanged.
    """
    path = Path(path)
    reject_path = Path(reject_path) if reject_path else path.with_name(path.stem + ".scarti.csv")
    encoding = _codec(encoding)
    result = ImportResult()
    rejected_rows = {}
    timings = {}
    started = time.perf_counter()
    try:
        _check_encoding(path, encoding)
        with path.open(newline="", encoding=encoding) as source, transaction.atomic(), connection.cursor() as cursor:
            delimiter = delimiter or _header_delimiter(source.readline())
            source.seek(0)
            reader = csv.reader(source, delimiter=delimiter)
            header = tuple(name.strip().lower() for name in next(reader, []))
            if header != COLUMNS:
                raise ImportFailed(_header_message(header, delimiter))
            rows = _numbered_rows(reader)
            first = next(rows, None)
            date_format = date_format or _undeclared_date_format(first)
            if date_format not in DATE_FORMATS:
                raise ImportFailed(f"formato delle date sconosciuto {date_format!r}: {' o '.join(DATE_FORMATS)}")
            rows = itertools.chain([first] if first else [], rows)
            staging = (_PostgresStaging if connection.vendor == "postgresql" else _SQLiteStaging)(cursor)
            staging.create()
            validator = RowValidator(date_format)
            with staging.writer() as writer:
                for line_no, row in rows:
                    result.rows += 1
                    try:
                        writer.write_row(validator.clean(row, line_no))
                    except RowRejected as exc:
                        result.rejects.append((line_no, str(exc)))
                        rejected_rows[line_no] = row
            staging.analyze()
            timings["validate_and_stage"] = time.perf_counter() - started
            result.rejects += _reject_headless_households(cursor, _tables())
            _load(cursor, result)
            staging.drop()
            # Written before the commit: if the reject file cannot be written, nothing is loaded
            # either, rather than rows loaded with no record of the ones left out.
            if result.rejects:
                _write_rejects(path, reject_path, result.rejects, rejected_rows, encoding, delimiter)
            timings["load"] = time.perf_counter() - started - timings["validate_and_stage"]
        # Leaving the block commits: deferred foreign-key checks run here.
        timings["commit"] = time.perf_counter() - started - timings["validate_and_stage"] - timings["load"]
    except UnicodeDecodeError as exc:
        raise ImportFailed(_encoding_message(encoding, exc)) from exc
    except csv.Error as exc:
        raise ImportFailed(f"file illeggibile: {exc}") from exc
    result.timings = timings
    result.rejected = len(result.rejects)
    result.loaded = result.rows - result.rejected
    result.reject_path = reject_path if result.rejects else None
    return result


def _numbered_rows(reader):
    """Each row with the line it starts on (a quoted field may span lines); the header is line 1."""
    last_line = reader.line_num
    for row in reader:
        yield last_line + 1, row
        last_line = reader.line_num


def _codec(encoding):
    """The codec to open the file with: UTF-8 skips a BOM (Excel's "CSV UTF-8" writes one)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFailed(f"codifica sconosciuta {encoding!r}: usare utf-8 oppure, ad esempio, cp1252") from None
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def _check_encoding(path, encoding):
    """Refuse at once a file whose beginning is not in ``encoding`` (the common case: a UTF-8 import of
    a file Excel saved as "CSV (delimitato dal separatore di elenco)", which is Windows-1252)."""
    with path.open("rb") as raw:
        head = raw.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise ImportFailed(_encoding_message(encoding, exc)) from exc


def _encoding_message(encoding, exc):
    if encoding == "utf-8-sig":
        return (
            f"il file non è in UTF-8 (byte 0x{exc.object[exc.start]:02x} alla posizione {exc.start}): "
            "salvarlo come «CSV UTF-8», oppure indicarne la codifica (--encoding cp1252 per un CSV di Excel)"
        )
    return f"il file non è nella codifica {encoding} (posizione {exc.start}): indicare la codifica giusta"


def _header_delimiter(line):
    """The separator with which the header line splits into exactly ``COLUMNS`` (spaces after the
    separators and any case allowed); the comma when none does (the header error then says why)."""
    for delimiter in DELIMITERS:
        names = next(csv.reader([line], delimiter=delimiter), [])
        if tuple(name.strip().lower() for name in names) == COLUMNS:
            return delimiter
    return ","


def _header_message(header, delimiter):
    expected = ",".join(COLUMNS)
    if len(header) <= 1:
        return (
            "intestazione non valida: le colonne devono essere separate da virgola, punto e virgola o "
            f"tabulazione (separatore letto: {DELIMITERS.get(delimiter, repr(delimiter))}); attese: {expected}"
        )
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in header]
    detail = "; ".join(
        part
        for part in (
            f"sconosciute: {', '.join(unknown)}" if unknown else "",
            f"mancanti: {', '.join(missing)}" if missing else "",
            "ordine diverso" if not unknown and not missing else "",
        )
        if part
    )
    return f"intestazione non valida ({detail}): le colonne devono essere, in quest'ordine, {expected}"


def _undeclared_date_format(first):
    """ISO, unless the first row's birth date is written day/month/year: then the file is refused
    (the order of 03/04/2027 cannot be told from the file; the clerk declares it)."""
    if first is not None:
        _line, row = first
        birth = row[COLUMNS.index("data_nascita")].strip() if len(row) == len(COLUMNS) else ""
        if DATE_FORMATS[ITALIAN_DATES][0].match(birth):
            raise ImportFailed(
                f"le date sono scritte {ITALIAN_DATES} (es. {birth}): dichiararlo con --date-format {ITALIAN_DATES}, "
                f"oppure scriverle {ISO_DATES}"
            )
    return ISO_DATES


def _write_rejects(path, reject_path, rejects, rejected_rows, encoding="utf-8-sig", delimiter=","):
    """The reject file: line number, reason, then the row as it was (re-read for headless households)."""
    missing = {line for line, _ in rejects} - rejected_rows.keys()
    if missing:
        with path.open(newline="", encoding=encoding) as source:
            for line_no, row in _numbered_rows(csv.reader(source, delimiter=delimiter)):
                if line_no in missing:
                    rejected_rows[line_no] = row
    with reject_path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["riga", "motivo", *COLUMNS])
        for line, reason in sorted(rejects):
            writer.writerow([line, reason, *rejected_rows.get(line, [])])
