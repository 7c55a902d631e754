"""The codice fiscale validator: one function decides, for every boundary of the project."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from registry.codicefiscale import (
    InvalidCodiceFiscale,
    base_form,
    is_valid,
    parse_codice_fiscale,
    validate_codice_fiscale,
)


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
