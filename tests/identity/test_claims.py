"""The claim mapping: which claim carries which attribute, and the fiscal number's accepted formats."""

from datetime import date

import pytest

from fascicolo.identity.backends.claims import ClaimMapping, ClaimProblem

CF = "RSSMRA80A01H501U"
SPID_CLAIMS = {
    "https://attributes.eid.gov.it/fiscal_number": f"TINIT-{CF}",
    "given_name": "Mario",
    "family_name": "Rossi",
    "birthdate": "1980-01-01",
    "place_of_birth": {"locality": "H501", "region": "RM"},
}


def test_the_spid_cie_claims_are_read_by_default():
    attributes = ClaimMapping().read(SPID_CLAIMS)
    assert (attributes.fiscal_code, attributes.given_name, attributes.family_name) == (CF, "Mario", "Rossi")
    assert (attributes.birth_date, attributes.birth_place) == (date(1980, 1, 1), "H501")


def test_a_broker_mapping_from_configuration():
    mapping = ClaimMapping.from_config(
        {"fiscal_number_claim": "nin", "fiscal_number_format": "tinit-any-case", "given_name_claim": "first_name",
         "birth_place_claim": "birth_place"}
    )  # fmt: skip
    attributes = mapping.read({"nin": f"tinit-{CF}", "first_name": "Mario", "birth_place": "H501"})
    assert (attributes.fiscal_code, attributes.given_name, attributes.birth_place) == (CF, "Mario", "H501")
    assert mapping.requested()[0] == "nin"


@pytest.mark.parametrize(
    ("fiscal_number_format", "value", "reason"),
    [
        ("tinit", f"tinit-{CF}", "fiscal_number_format"),
        ("tinit", CF, "fiscal_number_format"),
        ("tinit", f"VATIT-{CF}", "fiscal_number_format"),
        ("tinit", 12345, "fiscal_number_format"),
        ("tinit", "", "fiscal_number_missing"),
        ("tinit", "TINIT-RSSMRA80A01H501X", "fiscal_number_invalid"),
        ("tinit-any-case", CF, "fiscal_number_format"),
        ("bare", f"TINIT-{CF}", "fiscal_number_format"),
    ],
)
def test_a_fiscal_number_in_another_format_is_refused(fiscal_number_format, value, reason):
    mapping = ClaimMapping(fiscal_number_format=fiscal_number_format)
    with pytest.raises(ClaimProblem) as problem:
        mapping.fiscal_code(value)
    assert problem.value.reason == reason


def test_a_bare_code_is_read_when_configured():
    assert ClaimMapping(fiscal_number_format="bare").fiscal_code(CF.lower()) == CF


@pytest.mark.parametrize(
    ("claim", "value"), [("birthdate", "01/01/1980"), ("place_of_birth", {"locality": 5}), ("given_name", ["Mario"])]
)
def test_an_attribute_in_an_unknown_format_is_refused_not_guessed(claim, value):
    with pytest.raises(ClaimProblem) as problem:
        ClaimMapping().read({**SPID_CLAIMS, claim: value})
    assert problem.value.reason == f"attribute_invalid:{claim}"
