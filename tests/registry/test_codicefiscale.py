"""The codice fiscale validator: one function decides, for every boundary of the project."""

import re
import string
from datetime import date

import pytest
from codicefiscale import codicefiscale as codicefiscale_lib
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale as stdnum_cf

from fascicolo.identity.backends.claims import ClaimMapping, ClaimProblem
from registry.codicefiscale import (
    MONTH_LETTERS,
    OMOCODIA_LETTERS,
    OMOCODIA_POSITIONS,
    InvalidCodiceFiscale,
    base_form,
    decode_birth_date,
    foreign_birthplace_codes,
    is_valid,
    normalize,
    parse_codice_fiscale,
    parse_person_code,
    validate_codice_fiscale,
)
from registry.models import Person


def rejection(value):
    with pytest.raises(InvalidCodiceFiscale) as excinfo:
        parse_codice_fiscale(value)
    return excinfo.value.code


# --- Valid codes -------------------------------------------------------------------------------


def test_domain_worked_example_mario_rossi():
    cf = parse_codice_fiscale("RSSMRA80A01H501U")
    assert cf.code == "RSSMRA80A01H501U"
    assert cf.sex == "M"
    assert cf.birth_date == date(1980, 1, 1)
    assert (cf.birthplace_code, cf.birthplace_name, cf.birthplace_province) == ("H501", "Roma", "RM")
    assert not cf.is_omocode


def test_domain_worked_example_fabio_caccamo():
    cf = parse_codice_fiscale("CCCFBA85D03L219P")
    assert cf.birth_date == date(1985, 4, 3)
    assert (cf.birthplace_code, cf.birthplace_name) == ("L219", "Torino")


def test_woman_day_plus_forty():
    cf = parse_codice_fiscale("BNCLRA92M55F205P")
    assert cf.sex == "F"
    assert cf.birth_date == date(1992, 8, 15)
    assert cf.birthplace_name == "Milano"


def test_leap_day_is_a_real_date():
    assert parse_codice_fiscale("RSSMRA00B29H501Y").birth_date == date(2000, 2, 29)


def test_lowercase_and_spaces_are_normalised():
    cf = parse_codice_fiscale("  rssmra 80a01 h501u ")
    assert cf.code == "RSSMRA80A01H501U"
    assert is_valid("rssmra80a01h501u")


# --- Omocodia -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "omocode",
    [
        "RSSMRA80A01H50MM",  # last birthplace digit 1 → M
        "RSSMRA80A0MH501M",  # second day digit 1 → M
        "RSSMRAULA0MHRLMS",  # every substitutable digit replaced
    ],
)
def test_omocodia_codes_are_valid_and_know_their_base_form(omocode):
    cf = parse_codice_fiscale(omocode)
    assert cf.is_omocode
    assert cf.base_code == "RSSMRA80A01H501U"
    assert base_form(omocode) == "RSSMRA80A01H501U"
    # The decoded facts are those of the base code.
    assert (cf.birth_date, cf.birthplace_code, cf.sex) == (date(1980, 1, 1), "H501", "M")


def test_omocodia_letter_outside_the_substitution_alphabet_is_a_format_error():
    # "A" is not one of the omocodia letters (LMNPQRSTUV), so position 15 is not a digit.
    assert rejection("RSSMRA80A01H50AX") == "format"


# --- Rejections ---------------------------------------------------------------------------------


def test_wrong_check_character():
    assert rejection("RSSMRA80A01H501X") == "check"
    assert not is_valid("RSSMRA80A01H501X")


@pytest.mark.parametrize("value", ["", "RSSMRA80A01H501", "RSSMRA80A01H501UU", "RSS-RA80A01H501U", "RSSMRÀ80A01H501U"])
def test_bad_format(value):
    assert rejection(value) == "format"


def test_bad_month_letter():
    # F is not a month letter (ABCDEHLMPRST).
    assert rejection("RSSMRA80F01H501G") == "month"


@pytest.mark.parametrize("code", ["RSSMRA80A32H501C", "RSSMRA80A00H501V"])
def test_bad_day(code):
    assert rejection(code) == "day"


def test_impossible_date_thirtieth_of_february():
    assert rejection("RSSMRA80B30H501X") == "day"


@pytest.mark.parametrize("code", ["RSSMRA80A01A000C", "RSSMRA80A01Z999Y"])
def test_unknown_belfiore_code(code):
    assert rejection(code) == "birthplace"


def test_django_validator_gives_an_italian_message():
    with pytest.raises(ValidationError) as excinfo:
        validate_codice_fiscale("RSSMRA80A01H501X")
    assert excinfo.value.code == "codice_fiscale_check"
    assert "carattere di controllo" in excinfo.value.messages[0]
    validate_codice_fiscale("RSSMRA80A01H501U")  # no exception


# --- Two year digits: the real birth date decides the century -----------------------------------


def test_a_woman_born_in_1925_matches_her_real_birth_date():
    cf = parse_codice_fiscale("BNCNNA25C50F205R", birth_date=date(1925, 3, 10), sex="F")
    assert cf.birth_date == date(1925, 3, 10)
    assert cf.matches(date(1925, 3, 10), "F") and cf.matches(date(2025, 3, 10))
    assert not cf.matches(date(1925, 3, 11)) and not cf.matches(date(1925, 3, 10), "M")


def test_a_code_that_disagrees_with_the_real_birth_data_is_refused():
    with pytest.raises(InvalidCodiceFiscale) as excinfo:
        parse_codice_fiscale("BNCNNA25C50F205R", birth_date=date(1926, 3, 10), sex="F")
    assert excinfo.value.code == "birth_data"
    with pytest.raises(InvalidCodiceFiscale) as excinfo:
        parse_codice_fiscale("BNCNNA25C50F205R", birth_date=date(1925, 3, 10), sex="M")
    assert excinfo.value.code == "birth_data"


def test_a_december_birth_is_never_decoded_as_a_future_date():
    assert parse_codice_fiscale("VRDGPP26T15F205Q", today=date(2026, 11, 30)).birth_date == date(1926, 12, 15)
    assert parse_codice_fiscale("VRDGPP26T15F205Q", today=date(2026, 12, 15)).birth_date == date(2026, 12, 15)
    assert parse_codice_fiscale("VRDGPP26T15F205Q").birth_date <= date.today()


@given(
    year_digits=st.integers(0, 99),
    month=st.integers(1, 12),
    day=st.integers(1, 31),
    today=st.dates(date(1950, 1, 1), date(2150, 12, 31)),
)
@settings(deadline=None)
def test_decoded_birth_dates_are_the_latest_past_date_with_those_digits(year_digits, month, day, today):
    try:
        born = decode_birth_date(year_digits, month, day, today)
    except InvalidCodiceFiscale:
        # Only a day that no year ending in those digits has (30 February, 31 April, 29 February of
        # an odd year).
        assert not any(_exists(year, month, day) for year in range(year_digits, 2400, 100))
        return
    assert born <= today and born.year % 100 == year_digits and (born.month, born.day) == (month, day)
    # No later year with the same digits is still in the past.
    later = born.year + 100
    assert not (_exists(later, month, day) and date(later, month, day) <= today)


def _exists(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# --- Birthplaces: states, territories, ceased codes ---------------------------------------------


def test_a_state_that_no_longer_exists_does_not_move_the_century_of_a_real_birth():
    cf = parse_codice_fiscale("KRSMRK05A01Z118J", birth_date=date(2005, 1, 1), sex="M")
    assert (cf.birth_date, cf.birthplace_code, cf.birthplace_province) == (date(2005, 1, 1), "Z118", "EE")
    assert parse_codice_fiscale("KRSMRK05A01Z118J", today=date(2026, 11, 30)).birth_date == date(2005, 1, 1)


def test_gibraltar_a_territory_not_a_state_is_a_known_birthplace():
    cf = parse_codice_fiscale("RSSMRA80A01Z113H", birth_date=date(1980, 1, 1), sex="M")
    assert (cf.birthplace_code, cf.birthplace_name, cf.birthplace_province) == ("Z113", "Gibilterra", "EE")


def code_for(body15):
    """A 16-character code from 15 characters, check character by python-stdnum (not by us)."""
    return body15 + stdnum_cf.calc_check_digit(body15)


@pytest.mark.parametrize("birthplace_code", foreign_birthplace_codes())
def test_every_foreign_code_of_the_table_is_accepted(birthplace_code):
    for born in (date(1925, 3, 10), date(1980, 1, 1), date(2005, 1, 1)):
        code = code_for(f"RSSMRA{born:%y}{MONTH_LETTERS[born.month - 1]}{born:%d}{birthplace_code}")
        cf = parse_codice_fiscale(code, birth_date=born, sex="M")
        assert (cf.birthplace_code, cf.birthplace_province, cf.birth_date) == (birthplace_code, "EE", born)
        assert cf.birthplace_name


def test_the_table_holds_the_istat_territories_and_the_ceased_codes():
    codes = set(foreign_birthplace_codes())
    # ISTAT territories (Gibraltar, Isle of Man, Greenland, Falklands, New Caledonia) and codes of the
    # Agenzia delle Entrate's table no longer in use (Vietnam del Sud, Zanzibar, Dipendenze britanniche).
    assert {"Z113", "Z122", "Z402", "Z609", "Z716", "Z244", "Z356", "Z901"} <= codes
    assert {"Z118", "Z105", "Z111", "Z135"} <= codes  # Jugoslavia, Cecoslovacchia, DDR, URSS
    assert all(re.fullmatch(r"Z\d{3}", code) for code in codes)


# --- Temporary 11-digit codes -------------------------------------------------------------------


def test_a_temporary_code_is_accepted_only_where_the_caller_allows_it():
    assert parse_person_code(" 00743110157 ", allow_temporary=True) == "00743110157"
    assert parse_person_code("rssmra80a01h501u") == "RSSMRA80A01H501U"
    with pytest.raises(InvalidCodiceFiscale) as excinfo:
        parse_person_code("00743110157")
    assert excinfo.value.code == "temporary_not_allowed"
    for bad in ("00743110158", "00000000000", "12345671234"):  # check digit, all zeros, office 123
        with pytest.raises(InvalidCodiceFiscale) as excinfo:
            parse_person_code(bad, allow_temporary=True)
        assert excinfo.value.code == "temporary"
    # The registry and login take only the definitive code.
    assert rejection("00743110157") == "format"
    with pytest.raises(ClaimProblem):
        ClaimMapping().fiscal_code("TINIT-00743110157")
    assert ClaimMapping().fiscal_code("TINIT-RSSMRA80A01Z113H") == "RSSMRA80A01Z113H"
    assert parse_codice_fiscale("RSSMRA80A01Z113H").birthplace_name == "Gibilterra"


@pytest.mark.django_db
def test_a_person_whose_code_disagrees_with_the_birth_date_is_not_valid():
    person = Person(
        fiscal_code="BNCNNA25C50F205R", given_name="Anna", family_name="Bianchi", sex="F",
        birth_date=date(1925, 3, 10), birth_place="Milano", birth_place_code="F205",
    )  # fmt: skip
    person.full_clean()
    person.birth_date = date(1925, 3, 11)
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert excinfo.value.error_dict["fiscal_code"][0].code == "codice_fiscale_birth_data"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
@settings(deadline=None)
def test_temporary_codes_are_judged_as_python_stdnum_judges_them(value):
    try:
        accepted = parse_person_code(value, allow_temporary=True) == value
    except InvalidCodiceFiscale:
        accepted = False
    assert accepted == stdnum_cf.is_valid(value)


# --- Broad checks: properties and differential tests ---------------------------------------------

ITALIAN_CODES = ("H501", "F205", "L219", "A001", "Z404", "Z129", "Z113", "Z118", "Z244")
LETTERS = st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3)


@st.composite
def people(draw):
    """(code, real birth date, sex, birthplace code, base code) with random omocodia substitutions."""
    born = draw(st.dates(date(1900, 1, 1), date.today()))
    sex = draw(st.sampled_from("MF"))
    place = draw(st.sampled_from(ITALIAN_CODES))
    day = born.day + (40 if sex == "F" else 0)
    body = f"{draw(LETTERS)}{draw(LETTERS)}{born:%y}{MONTH_LETTERS[born.month - 1]}{day:02d}{place}"
    base = code_for(body)
    substituted = list(body)
    for position in draw(st.sets(st.sampled_from(OMOCODIA_POSITIONS))):
        substituted[position] = OMOCODIA_LETTERS[int(body[position])]
    return code_for("".join(substituted)), born, sex, place, base


@given(people())
@settings(max_examples=300, deadline=None)
def test_every_well_formed_code_decodes_to_its_facts(person):
    code, born, sex, place, base = person
    cf = parse_codice_fiscale(code, birth_date=born, sex=sex)
    assert (cf.birth_date, cf.sex, cf.birthplace_code, cf.base_code) == (born, sex, place, base)
    assert cf.is_omocode == (code != base)
    decoded = parse_codice_fiscale(code)
    assert decoded.birth_date <= date.today() and decoded.matches(born, sex)
    # Lower case and spaces change nothing.
    assert parse_codice_fiscale(" ".join(code.lower())).code == code


CODE_LIKE = st.one_of(
    people().map(lambda person: person[0]),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=16, max_size=16),
    st.builds(
        lambda person, position, char: person[0][:position] + char + person[0][position + 1 :],
        people(),
        st.integers(0, 15),
        st.sampled_from(string.ascii_uppercase + string.digits),
    ),
    st.text(min_size=0, max_size=18),
)


@given(CODE_LIKE)
@settings(max_examples=500, deadline=None)
def test_differential_against_python_stdnum(value):
    """Shape, check character, omocodia and date as python-stdnum judges them; we add the birthplace."""
    if not value.isascii():
        assert rejection(value) == "format"  # python-stdnum upper-cases "ı" into "I"; we refuse it
        return
    compact = normalize(value)
    try:
        cf = parse_codice_fiscale(value)
    except InvalidCodiceFiscale as exc:
        if exc.code != "birthplace":
            assert not (len(compact) == 16 and stdnum_cf.is_valid(compact))
        return
    assert stdnum_cf.is_valid(compact)
    assert stdnum_cf.calc_check_digit(cf.code[:15]) == cf.code[15]
    theirs = stdnum_cf.get_birth_date(cf.code)
    ours = cf.birth_date
    assert (theirs.year % 100, theirs.month, theirs.day) == (ours.year % 100, ours.month, ours.day)


@given(CODE_LIKE)
@settings(max_examples=200, deadline=None)
def test_differential_against_python_codicefiscale(value):
    """Every code python-codicefiscale accepts we accept with the same facts (the century aside: it
    picks it from the birthplace's validity window, we never do)."""
    if not value.isascii() or not codicefiscale_lib.is_valid(value):
        return
    theirs = codicefiscale_lib.decode(value)
    cf = parse_codice_fiscale(value)
    assert cf.sex == theirs["gender"] and cf.birthplace_code == theirs["birthplace"]["code"]
    born = theirs["birthdate"].date()
    assert cf.matches(born) and parse_codice_fiscale(value, birth_date=born).birth_date == born


@given(st.text(min_size=16, max_size=16).filter(lambda text: not text.isascii()))
@settings(deadline=None)
def test_non_ascii_input_is_a_format_error(value):
    assert rejection(value) == "format"


def test_a_dotless_i_is_not_an_i():
    # "ı".upper() == "I": upper-casing first would turn this into the valid RSSGLI15P50F205P.
    assert is_valid("rssgli15p50f205p")
    assert rejection("rssglı15p50f205p") == "format"
