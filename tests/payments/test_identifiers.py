"""Identifiers through one validator each: IBAN and partita IVA differential against python-stdnum,
the IUV's check digits, receipt ids a spreadsheet damaged."""

import string

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.it import iva as stdnum_iva

from payments.identifiers import (
    InvalidIdentifier,
    build_notice_number,
    is_valid_iban,
    is_valid_partita_iva,
    italian_cin,
    parse_debtor_code,
    parse_iban,
    parse_iuv,
    parse_receipt_id,
)

NON_ASCII_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"  # fullwidth and Arabic-Indic: str.isdigit() says yes


def italian_iban(bban_after_cin, cin=None):
    """An Italian IBAN with the right mod-97 check digits around ``cin`` (default: the right CIN)."""
    body = (cin or italian_cin(bban_after_cin)) + bban_after_cin
    check = 98 - int("".join(str(int(ch, 36)) for ch in body + "IT00")) % 97
    return f"IT{check:02d}{body}"


def test_the_examples_of_the_issue():
    with pytest.raises(InvalidIdentifier, match="02 a 98"):
        parse_iban("IT00W0542811101000000000013")
    assert not is_valid_iban("IT58A0306909606100000046051")  # the old default: CIN should be Y
    assert is_valid_iban(settings.PAGOPA_PROVINCE_IBAN) and is_valid_iban(settings.PAGOPA_MUNICIPALITY_IBAN)
    assert not is_valid_iban("IT6010542811101000000123456")  # a digit in the CIN position
    assert not is_valid_iban("XX60X0542811101000000123456")  # no such country
    for code in ("00000000000", "12345670000", "01199251158"):  # all zero; office 000; office 115
        assert not is_valid_partita_iva(code)
    assert not is_valid_partita_iva("０１１９９２５０１５８")
    with pytest.raises(InvalidIdentifier, match="17 cifre"):
        parse_iuv("1000000000012345")


def test_an_iban_with_check_digits_01_or_99_is_refused_even_when_mod_97_holds():
    # Find BBANs whose mod-97 check comes out as 01 or 99 (ISO 13616 never produces them); stdnum accepts.
    for account in range(2000):
        bban = f"0542811101{account:012d}"
        iban = italian_iban(bban)
        body = iban[4:]
        for check in ("01", "99"):
            candidate = f"IT{check}{body}"
            if stdnum_iban.is_valid(candidate):
                assert not is_valid_iban(candidate)
                return
    raise AssertionError("no BBAN with check digits 01/99 found in the range")


@given(
    st.text(alphabet=string.digits, min_size=5, max_size=5),
    st.text(alphabet=string.digits, min_size=5, max_size=5),
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=12, max_size=12),
    st.sampled_from(string.ascii_uppercase),
)
def test_italian_ibans_need_their_cin_and_agree_with_stdnum_otherwise(abi, cab, account, letter):
    bban = abi + cab + account
    good = italian_iban(bban)
    assert stdnum_iban.is_valid(good) and is_valid_iban(good) == ("02" <= good[2:4] <= "98")
    other = italian_iban(bban, cin=letter)
    # stdnum does not know the Italian CIN: with the wrong letter it still says valid, we do not.
    assert stdnum_iban.is_valid(other)
    assert is_valid_iban(other) == (letter == italian_cin(bban) and "02" <= other[2:4] <= "98")


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=15, max_size=34))
def test_any_string_we_accept_as_iban_stdnum_accepts(value):
    if is_valid_iban(value):
        assert stdnum_iban.is_valid(value)


@given(st.text(alphabet=string.digits, min_size=11, max_size=11))
def test_partita_iva_agrees_with_stdnum(value):
    assert is_valid_partita_iva(value) == stdnum_iva.is_valid(value)


@given(st.sampled_from(["01199250158", "08911820960", "06363391001"]), st.integers(0, 10), st.sampled_from([0, 10]))
def test_a_partita_iva_with_non_ascii_digits_is_refused(code, position, script):
    lookalike = NON_ASCII_DIGITS[script + int(code[position])]
    mixed = code[:position] + lookalike + code[position + 1 :]
    assert mixed.isdigit() and not is_valid_partita_iva(mixed)
    with pytest.raises(InvalidIdentifier):
        parse_debtor_code("G", mixed)


@given(st.integers(0, 99), st.integers(0, 10**13 - 1), st.data())
def test_an_iuv_damaged_by_a_spreadsheet_or_a_typo_is_refused(segregation, base, data):
    iuv = build_notice_number(segregation, base)[1:]
    assert parse_iuv(iuv) == iuv
    stripped = iuv.lstrip("0")
    if stripped != iuv:  # leading zeros lost
        with pytest.raises(InvalidIdentifier):
            parse_iuv(stripped)
    position = data.draw(st.integers(0, 16))
    digit = data.draw(st.sampled_from([d for d in string.digits if d != iuv[position]]))
    with pytest.raises(InvalidIdentifier):  # mod 93 catches every single-digit change
        parse_iuv(iuv[:position] + digit + iuv[position + 1 :])


@pytest.mark.parametrize("value", ["1,23457E+17", "1.23457e+17", "", "IUR CON SPAZI", "X" * 36, "IUR-è"])
def test_receipt_ids_a_spreadsheet_or_a_typo_damaged_are_refused(value):
    with pytest.raises(InvalidIdentifier):
        parse_receipt_id(value)


def test_receipt_ids_as_psps_write_them_are_accepted():
    for value in ("SIM0123456789ABCDEF0123456", "512635111e155233a64c555h04179123", "IUR-1"):
        assert parse_receipt_id(f" {value} ") == value
