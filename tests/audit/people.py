"""Registry people for the admin and audit tests, with valid codici fiscali, one or thousands."""

import itertools
from datetime import date, timedelta

from codicefiscale import codicefiscale as _lib

from registry.codicefiscale import MONTH_LETTERS
from registry.models import Person

_counter = itertools.count(1)
_CONSONANTS = "BCDFGHJKLMNPQRSTVZ"


def fiscal_code_for(family_name, given_name, sex, birth_date, serial):
    """A well-formed code whose name letters come from ``serial`` (unique per serial < 18**6)."""
    letters = []
    for _ in range(6):
        serial, digit = divmod(serial, len(_CONSONANTS))
        letters.append(_CONSONANTS[digit])
    day = birth_date.day + (40 if sex == "F" else 0)
    body = f"{''.join(letters)}{birth_date:%y}{MONTH_LETTERS[birth_date.month - 1]}{day:02d}F205"
    return body + _lib.encode_cin(body)


def serial_letters(serial):
    """``serial`` as six letters (0 → "AAAAAA", 27 → "AAAABB"): names take no digits (registry.names)."""
    letters = []
    for _ in range(6):
        serial, digit = divmod(serial, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(reversed(letters)).lower().capitalize()


def person_fields(serial, family_name=None, given_name=None, **fields):
    sex = fields.pop("sex", "F" if serial % 2 else "M")
    birth_date = fields.pop("birth_date", date(1950, 1, 1) + timedelta(days=serial * 7 % 27000))
    family_name = family_name or f"Cognome{serial_letters(serial)}"
    given_name = given_name or ("Maria" if sex == "F" else "Mario")
    return {
        "fiscal_code": fiscal_code_for(family_name, given_name, sex, birth_date, serial),
        "family_name": family_name,
        "given_name": given_name,
        "sex": sex,
        "birth_date": birth_date,
        "birth_place": "Milano",
        "birth_place_code": "F205",
        "birth_province": "MI",
        **fields,
    }


def make_person(**fields):
    return Person.objects.create(**person_fields(next(_counter) + 100_000, **fields))


def bulk_people(count, start=0, batch_size=5000):
    """``count`` people with distinct names ("CognomeAaaaab"…) in a few INSERTs."""
    people = (Person(**person_fields(start + i)).normalise_names() for i in range(count))
    return Person.objects.bulk_create(people, batch_size=batch_size)
