"""``import_residents``: bad rows rejected with reasons, good rows loaded, idempotent, all or nothing."""

import csv
import hashlib
import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from registry.importer import COLUMNS, ImportFailed, import_residents
from registry.models import (
    Address,
    Citizenship,
    Household,
    HouseholdKind,
    Membership,
    Person,
    RegistryEvent,
    Relationship,
)

pytestmark = pytest.mark.django_db

ROSSI = {
    "codice_fiscale": "RSSMRA80A01H501U",
    "cognome": "Rossi",
    "nome": "Mario",
    "sesso": "M",
    "data_nascita": "1980-01-01",
    "luogo_nascita": "Roma",
    "codice_luogo_nascita": "H501",
    "provincia_nascita": "RM",
    "stato_nascita": "IT",
    "cittadinanze": "IT",
    "stato_civile": "2",
    "data_stato_civile": "2010-05-01",
    "codice_fiscale_coniuge": "BNCLRA82E55H501B",
    "codice_famiglia": "F0000001",
    "tipo_famiglia": "F",
    "specie_convivenza": "",
    "denominazione_convivenza": "",
    "relazione_parentela": "1",
    "data_decorrenza": "2010-05-01",
    "specie_via": "Via",
    "denominazione_via": "Dante",
    "civico": "7",
    "esponente": "",
    "scala": "",
    "interno": "3",
    "cap": "20121",
    "tipo_iscrizione": "I",
    "data_iscrizione": "2010-05-01",
    "luogo_provenienza": "Roma",
    "codice_luogo_provenienza": "H501",
    "email": "mario.rossi@example.com",
    "id_anpr": "",
}
BIANCHI = {
    **ROSSI,
    "codice_fiscale": "BNCLRA82E55H501B",
    "cognome": "Bianchi",
    "nome": "Laura",
    "sesso": "F",
    "data_nascita": "1982-05-15",
    "codice_fiscale_coniuge": "RSSMRA80A01H501U",
    "relazione_parentela": "2",
    "email": "",
}
GIULIA = {
    **ROSSI,
    "codice_fiscale": "RSSGLI15P50F205P",
    "nome": "Giulia",
    "sesso": "F",
    "data_nascita": "2015-09-10",
    "luogo_nascita": "Milano",
    "codice_luogo_nascita": "F205",
    "provincia_nascita": "MI",
    "stato_civile": "1",
    "data_stato_civile": "",
    "codice_fiscale_coniuge": "",
    "relazione_parentela": "3",
    "data_decorrenza": "2015-09-10",
    "tipo_iscrizione": "N",
    "data_iscrizione": "2015-09-10",
    "luogo_provenienza": "",
    "codice_luogo_provenienza": "",
    "email": "",
}
POPESCU = {
    **ROSSI,
    "codice_fiscale": "PPSNAA90C52Z129Y",
    "cognome": "Popescu",
    "nome": "Ana",
    "sesso": "F",
    "data_nascita": "1990-03-12",
    "luogo_nascita": "Romania",
    "codice_luogo_nascita": "Z129",
    "provincia_nascita": "",
    "stato_nascita": "RO",
    "cittadinanze": "RO;IT",
    "stato_civile": "1",
    "data_stato_civile": "",
    "codice_fiscale_coniuge": "",
    "codice_famiglia": "C0000001",
    "tipo_famiglia": "C",
    "specie_convivenza": "2",
    "denominazione_convivenza": "RSA Residenza San Carlo",
    "relazione_parentela": "24",
    "data_decorrenza": "2018-02-01",
    "denominazione_via": "Padova",
    "civico": "120",
    "interno": "",
    "cap": "20127",
    "data_iscrizione": "2018-02-01",
    "luogo_provenienza": "Romania",
    "codice_luogo_provenienza": "Z129",
    "email": "",
}
GOOD = [ROSSI, BIANCHI, GIULIA, POPESCU]


def write_csv(path, rows, header=COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[column] for column in COLUMNS] if isinstance(row, dict) else row)
    return path


def read_rejects(path):
    with path.open(newline="", encoding="utf-8") as source:
        return {int(row["riga"]): row["motivo"] for row in csv.DictReader(source)}


def register_snapshot():
    """Every row the import can touch, with its timestamps, so that 'nothing changed' is checkable."""
    rows = [
        *Person.objects.order_by("id").values_list(),
        *Household.objects.order_by("id").values_list(),
        *Address.objects.order_by("id").values_list(),
        *Membership.objects.order_by("id").values_list(),
        *Citizenship.objects.order_by("id").values_list(),
        *RegistryEvent.objects.order_by("id").values_list(),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_good_rows_are_loaded(tmp_path):
    result = import_residents(write_csv(tmp_path / "anpr.csv", GOOD))
    assert (result.rows, result.loaded, result.rejected) == (4, 4, 0)
    assert result.reject_path is None

    mario = Person.objects.get(fiscal_code="RSSMRA80A01H501U")
    laura = Person.objects.get(fiscal_code="BNCLRA82E55H501B")
    assert (mario.spouse, laura.spouse) == (laura, mario)
    household = mario.current_membership().household
    assert household.code == "F0000001"
    assert str(household.address) == "Via Dante 7, 20121 Milano"
    members = dict(household.memberships.values_list("person__given_name", "relationship"))
    assert members == {"Mario": Relationship.HEAD, "Laura": Relationship.SPOUSE, "Giulia": Relationship.CHILD}
    assert list(mario.events.values_list("kind", "other_municipality_code")) == [("immigration", "H501")]
    assert list(Person.objects.get(given_name="Giulia").events.values_list("kind", flat=True)) == ["birth"]

    rsa = Household.objects.get(code="C0000001")
    assert (rsa.kind, rsa.cohabitation_kind, rsa.name) == (HouseholdKind.COHABITATION, 2, "RSA Residenza San Carlo")
    ana = Person.objects.get(fiscal_code="PPSNAA90C52Z129Y")
    assert sorted(ana.citizenships.values_list("country", flat=True)) == ["IT", "RO"]
    assert ana.birth_province == ""


def test_bad_rows_are_rejected_with_line_numbers_and_reasons(tmp_path):
    rows = [
        ROSSI,  # line 2
        {**GIULIA, "codice_fiscale": "RSSGLI15P50F205X"},  # 3: wrong check character
        {**BIANCHI, "data_nascita": "1982-02-30"},  # 4: impossible date
        {**BIANCHI, "stato_civile": "5"},  # 5: not in ANPR table 1
        {**BIANCHI, "cognome": ""},  # 6: required
        ROSSI,  # 7: duplicate of line 2
        {**BIANCHI, "relazione_parentela": "1"},  # 8: a second head for the household
        {**BIANCHI, "civico": "9"},  # 9: another address for the same household
        {**POPESCU, "specie_convivenza": ""},  # 10: cohabitation without its kind
        ["troppo", "poche"],  # 11: wrong number of columns
        {**BIANCHI, "sesso": "M"},  # 12: sex does not match the code
        BIANCHI,  # 13: good
    ]
    reject_path = tmp_path / "scarti.csv"
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows), reject_path)
    assert (result.rows, result.loaded, result.rejected) == (12, 2, 10)
    rejects = read_rejects(reject_path)
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "carattere di controllo" in rejects[3]
    assert "data inesistente" in rejects[4] and "data_nascita" in rejects[4]
    assert "stato_civile" in rejects[5]
    assert "obbligatorio" in rejects[6] and "cognome" in rejects[6]
    assert "duplicato" in rejects[7] and "riga 2" in rejects[7]
    assert "intestatario alla riga 2" in rejects[8]
    assert "indirizzo" in rejects[9]
    assert "specie_convivenza" in rejects[10]
    assert "colonne" in rejects[11]
    assert "sesso" in rejects[12]
    # The reject file keeps the original row so that it can be fixed and imported again.
    with reject_path.open(newline="", encoding="utf-8") as source:
        bad = next(row for row in csv.DictReader(source) if row["riga"] == "3")
    assert bad["codice_fiscale"] == "RSSGLI15P50F205X"

    assert set(Person.objects.values_list("fiscal_code", flat=True)) == {"RSSMRA80A01H501U", "BNCLRA82E55H501B"}


def test_line_numbers_count_physical_lines(tmp_path):
    # A quoted field spanning two lines: the next row starts on line 4, not 3.
    rows = [{**POPESCU, "denominazione_convivenza": "RSA\nSan Carlo"}, {**GIULIA, "codice_fiscale": "X"}]
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    assert list(read_rejects(result.reject_path)) == [4]
    # Stored as names are stored (registry.names.clean_name): the line break is a space.
    assert Household.objects.get(code="C0000001").name == "RSA San Carlo"


def test_household_whose_head_was_rejected_is_rejected(tmp_path):
    rows = [{**ROSSI, "codice_fiscale": "RSSMRA80A01H501X"}, BIANCHI, GIULIA]
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    rejects = read_rejects(result.reject_path)
    assert sorted(rejects) == [2, 3, 4]
    assert "nessun intestatario" in rejects[3]
    assert not Person.objects.exists()


def test_new_member_of_a_registered_household_needs_no_head_in_the_file(tmp_path):
    import_residents(write_csv(tmp_path / "first.csv", [ROSSI]))
    result = import_residents(write_csv(tmp_path / "second.csv", [BIANCHI]))
    assert result.rejected == 0
    assert Household.objects.get(code="F0000001").memberships.count() == 2


def test_second_head_for_a_registered_household_is_rejected(tmp_path):
    import_residents(write_csv(tmp_path / "first.csv", [ROSSI]))
    usurper = {**POPESCU, "codice_famiglia": "F0000001", "tipo_famiglia": "F", "specie_convivenza": "",
               "denominazione_convivenza": "", "relazione_parentela": "1", **{k: ROSSI[k] for k in (
                   "denominazione_via", "civico", "interno", "cap")}}  # fmt: skip
    result = import_residents(write_csv(tmp_path / "second.csv", [usurper]))
    assert read_rejects(result.reject_path) == {
        2: "famiglia F0000001: l'intestatario registrato è RSSMRA80A01H501U, che il file non sposta"
    }
    assert not Person.objects.filter(fiscal_code=POPESCU["codice_fiscale"]).exists()


def test_rerunning_the_same_file_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "anpr.csv", GOOD)
    import_residents(path)
    before = register_snapshot()
    result = import_residents(path)
    assert register_snapshot() == before
    assert (result.people_created, result.people_updated, result.households_created) == (0, 0, 0)
    assert (result.households_updated, result.memberships_created, result.events_created) == (0, 0, 0)


def test_changed_row_updates_the_person_and_moves_the_household(tmp_path):
    import_residents(write_csv(tmp_path / "first.csv", GOOD))
    moved = [{**row, "denominazione_via": "Torino", "civico": "12"} for row in (ROSSI, BIANCHI, GIULIA)]
    moved[0]["email"] = "mario@example.com"
    result = import_residents(write_csv(tmp_path / "second.csv", moved))
    assert (result.people_updated, result.households_updated, result.people_created) == (1, 1, 0)
    household = Household.objects.get(code="F0000001")
    assert household.address.street == "Torino"
    assert Person.objects.get(fiscal_code="RSSMRA80A01H501U").email == "mario@example.com"
    assert Membership.objects.count() == 4  # same memberships, no duplicates


def test_person_joining_another_household_leaves_the_old_one(tmp_path):
    import_residents(write_csv(tmp_path / "first.csv", GOOD))
    own_home = {
        **GIULIA,
        "codice_famiglia": "F0000002",
        "relazione_parentela": "1",
        "data_decorrenza": "2024-01-10",
        "denominazione_via": "Torino",
    }
    import_residents(write_csv(tmp_path / "second.csv", [own_home]))
    giulia = Person.objects.get(fiscal_code="RSSGLI15P50F205P")
    memberships = list(giulia.memberships.order_by("started_on").values_list("household__code", "ended_on"))
    assert [code for code, _ in memberships] == ["F0000001", "F0000002"]
    assert str(memberships[0][1]) == "2024-01-10" and memberships[1][1] is None


def test_nothing_is_half_written_when_the_database_fails_midway(tmp_path):
    import_residents(write_csv(tmp_path / "first.csv", [ROSSI]))
    before = register_snapshot()
    # A real database error in the last statement of the load (the events), after people,
    # households and memberships were written in the same transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_event() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'evento rifiutato'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_event BEFORE INSERT ON registry_registryevent
            FOR EACH ROW EXECUTE FUNCTION refuse_event();
            """
        )
    with pytest.raises(CommandError, match="nessun dato modificato"):
        call_command("import_residents", str(write_csv(tmp_path / "anpr.csv", GOOD)), verbosity=0)
    assert register_snapshot() == before
    assert Person.objects.count() == 1


def test_wrong_header_is_refused(tmp_path):
    path = write_csv(tmp_path / "anpr.csv", [], header=("cf", "nome"))
    with pytest.raises(CommandError, match="intestazione"):
        call_command("import_residents", str(path), verbosity=0)


def test_unwritable_reject_file_leaves_the_register_untouched(tmp_path):
    rows = [ROSSI, {**BIANCHI, "stato_civile": "5"}]
    path = write_csv(tmp_path / "anpr.csv", rows)
    with pytest.raises(CommandError, match="nessun dato modificato"):
        call_command("import_residents", str(path), reject_file=str(tmp_path / "manca" / "scarti.csv"), verbosity=0)
    assert not Person.objects.exists()


def test_command_reports_counts_and_reject_file(tmp_path, capsys):
    path = write_csv(tmp_path / "anpr.csv", [*GOOD, {**BIANCHI, "codice_fiscale": "BNCLRA82E55H501A"}])
    call_command("import_residents", str(path))
    out = capsys.readouterr().out
    assert "Righe lette: 5; caricate: 4; scartate: 1." in out
    rejects = read_rejects(tmp_path / "anpr.scarti.csv")
    assert list(rejects) == [6]
    assert "carattere di controllo" in rejects[6]
    assert "anpr.scarti.csv" in out


def alone(row, household_code, **changes):
    """``row`` as the head of a household of its own (no spouse), with ``changes``."""
    return {
        **row, "codice_fiscale_coniuge": "", "stato_civile": "1", "data_stato_civile": "",
        "codice_famiglia": household_code, "tipo_famiglia": "F", "specie_convivenza": "",
        "denominazione_convivenza": "", "relazione_parentela": "1", **changes,
    }  # fmt: skip


def test_births_of_the_last_century_foreign_territories_and_ceased_states_are_imported(tmp_path):
    rows = [
        # Born 10 March 1925: the code's "25" is 1925, not 2025.
        alone(ROSSI, "F1", codice_fiscale="BNCNNA25C50F205R", cognome="Bianchi", nome="Anna", sesso="F",
              data_nascita="1925-03-10", luogo_nascita="Milano", codice_luogo_nascita="F205", provincia_nascita="MI"),
        # Born 15 December 1926: never decoded as a date in the future.
        alone(ROSSI, "F2", codice_fiscale="VRDGPP26T15F205Q", cognome="Verdi", nome="Giuseppe",
              data_nascita="1926-12-15", luogo_nascita="Milano", codice_luogo_nascita="F205", provincia_nascita="MI"),
        # Born 2005 with the code of Yugoslavia, a state that no longer exists.
        alone(ROSSI, "F3", codice_fiscale="KRSMRK05A01Z118J", cognome="Kristic", nome="Marko",
              data_nascita="2005-01-01", luogo_nascita="Jugoslavia", codice_luogo_nascita="Z118",
              provincia_nascita="", stato_nascita="RS", data_decorrenza="2020-01-01", data_iscrizione="2020-01-01"),
        # Born 1980 in Gibraltar, a territory.
        alone(ROSSI, "F4", codice_fiscale="RSSMRA80A01Z113H", luogo_nascita="Gibilterra",
              codice_luogo_nascita="Z113", provincia_nascita="", stato_nascita="GI"),
    ]  # fmt: skip
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    assert (result.loaded, result.rejects) == (4, [])
    born = dict(Person.objects.values_list("fiscal_code", "birth_date"))
    assert {code: day.isoformat() for code, day in born.items()} == {
        "BNCNNA25C50F205R": "1925-03-10",
        "VRDGPP26T15F205Q": "1926-12-15",
        "KRSMRK05A01Z118J": "2005-01-01",
        "RSSMRA80A01Z113H": "1980-01-01",
    }


def test_a_code_whose_year_differs_from_the_birth_date_is_rejected(tmp_path):
    rows = [alone(ROSSI, "F1", data_nascita="1880-01-01"), alone(ROSSI, "F2", data_nascita="1980-01-02")]
    rows[1]["codice_fiscale"] = "RSSMRA80A01H50MM"  # omocode of the same person, another household
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    rejects = read_rejects(result.reject_path)
    assert "non corrisponde al sesso e alla data di nascita" in rejects[3]
    assert list(rejects) == [3]  # 1880 and 1980 share the digits "80": the first row is loaded


def test_characters_the_register_cannot_print_are_refused_and_typed_forms_are_cleaned(tmp_path):
    rows = [
        alone(ROSSI, "F1", cognome="Wang 王"),
        alone(ROSSI, "F2", codice_fiscale="BNCLRA82E55H501B", cognome="D’Àngelo", nome="Laura", sesso="F",
              data_nascita="1982-05-15", luogo_nascita="Ţăndărei", denominazione_via="Via ☃"),
        alone(ROSSI, "F3", codice_fiscale="BNCLRA82E55H501B", cognome="D’Ange\u0300lo", nome="Laura", sesso="F",
              data_nascita="1982-05-15", luogo_nascita="Ţăndărei"),
    ]  # fmt: skip
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    rejects = read_rejects(result.reject_path)
    assert rejects == {
        2: "cognome: contiene caratteri che l'anagrafe non accetta: «王» (U+738B)",
        3: "denominazione_via: contiene caratteri che l'anagrafe non accetta: «☃» (U+2603)",
    }
    laura = Person.objects.get()
    assert (laura.family_name, laura.family_name_key, laura.birth_place) == ("D'Angèlo", "DANGELO", "Țăndărei")


# --- Files as spreadsheets save them --------------------------------------------------------------


def spreadsheet_csv(path, rows, *, bom=False, crlf=False, delimiter=",", header_spaces=False, italian_dates=False,
                    encoding="utf-8"):  # fmt: skip
    """The rows as an office's spreadsheet writes them (each option one thing Excel does)."""
    dates = {name for name in COLUMNS if name.startswith("data_")}

    def cell(name, value):
        if italian_dates and name in dates and value:
            year, month, day = value.split("-")
            return f"{day}/{month}/{year}"
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    buffer.write((delimiter + (" " if header_spaces else "")).join(COLUMNS) + ("\r\n" if crlf else "\n"))
    for row in rows:
        writer.writerow([cell(name, row[name]) for name in COLUMNS])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def person_rows():
    return sorted(Person.objects.values_list("fiscal_code", "family_name", "birth_date", "birth_place"))


@pytest.mark.parametrize(
    "bom,crlf,delimiter,header_spaces,italian_dates",
    list(itertools.product([False, True], [False, True], [",", ";"], [False, True], [False, True])),
)
def test_every_spreadsheet_saving_of_a_file_imports_as_its_clean_twin(
    tmp_path, bom, crlf, delimiter, header_spaces, italian_dates
):
    with transaction.atomic():  # the clean twin's result, then rolled back
        result = import_residents(write_csv(tmp_path / "clean.csv", GOOD))
        clean = (result.loaded, result.rejects, person_rows())
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    path = spreadsheet_csv(tmp_path / "excel.csv", GOOD, bom=bom, crlf=crlf, delimiter=delimiter,
                           header_spaces=header_spaces, italian_dates=italian_dates)  # fmt: skip
    result = import_residents(path, date_format="GG/MM/AAAA" if italian_dates else None)
    assert (result.loaded, result.rejects, person_rows()) == clean


def test_undeclared_day_month_dates_are_refused_once_before_any_row(tmp_path):
    path = spreadsheet_csv(tmp_path / "excel.csv", GOOD, delimiter=";", italian_dates=True)
    with pytest.raises(ImportFailed) as excinfo:
        import_residents(path)
    assert "GG/MM/AAAA" in str(excinfo.value) and "--date-format" in str(excinfo.value)
    assert not Person.objects.exists() and not (tmp_path / "excel.scarti.csv").exists()
    with pytest.raises(CommandError, match="--date-format GG/MM/AAAA"):
        call_command("import_residents", str(path))
    call_command("import_residents", str(path), date_format="GG/MM/AAAA", verbosity=0)
    assert Person.objects.count() == 4


def test_a_windows_1252_file_is_refused_as_utf8_and_read_when_declared(tmp_path):
    rows = [{**ROSSI, "cognome": "Nicolò"}, BIANCHI, GIULIA, POPESCU]
    path = spreadsheet_csv(tmp_path / "excel.csv", rows, delimiter=";", encoding="cp1252")
    with pytest.raises(ImportFailed) as excinfo:
        import_residents(path)
    assert "non è in UTF-8" in str(excinfo.value) and "--encoding cp1252" in str(excinfo.value)
    assert not Person.objects.exists()
    result = import_residents(path, encoding="cp1252")
    assert result.rejects == [] and Person.objects.get(fiscal_code=ROSSI["codice_fiscale"]).family_name == "Nicolò"


def test_a_wrong_header_says_which_columns_are_wrong(tmp_path):
    header = ["cf" if name == "codice_fiscale" else name for name in COLUMNS]
    with pytest.raises(ImportFailed) as excinfo:
        import_residents(write_csv(tmp_path / "anpr.csv", GOOD, header=header))
    assert "sconosciute: cf" in str(excinfo.value) and "mancanti: codice_fiscale" in str(excinfo.value)
    path = tmp_path / "pipe.csv"
    path.write_text("|".join(COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="separate da virgola, punto e virgola o tabulazione"):
        import_residents(path)


def test_numbers_and_codes_a_spreadsheet_damaged_are_rejected_with_the_fix(tmp_path):
    rows = [
        {**ROSSI, "cap": "184"},  # 00184 with its leading zeros lost
        {**GIULIA, "codice_famiglia": "F9", "relazione_parentela": "1", "codice_luogo_provenienza": "Z999"},
        {**POPESCU, "email": "ana@"},
        {**ROSSI, "codice_fiscale": "RSSMRA80A01H50MM", "codice_famiglia": "F8", "data_nascita": "01/01/1980"},
    ]
    result = import_residents(write_csv(tmp_path / "anpr.csv", rows))
    rejects = read_rejects(result.reject_path)
    assert "es. 00184" in rejects[2]
    assert "codice_luogo_provenienza: non è un codice catastale noto" in rejects[3]
    assert rejects[4] == "email: indirizzo non valido"
    assert "usare AAAA-MM-GG" in rejects[5]
