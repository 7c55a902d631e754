"""Every character the register accepts in names and places is drawn in the certificate PDF; the
register refuses the others with a message that names them."""

import io
import re
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from registry.certificates.models import Certificate, StampExemption
from registry.certificates.rendering import build_pdf
from registry.models import Address, Person
from registry.names import (
    PERSON_NAME_CHARACTERS,
    PLACE_NAME_CHARACTERS,
    TYPED_FORMS,
    clean_name,
    validate_person_name,
    validate_place_name,
)
from registry.seeding import NATIONALITIES, STREETS
from tests.dossier.factories import make_family

_BFCHAR = re.compile(r"beginbfchar(.*?)endbfchar", re.DOTALL)
_BFRANGE = re.compile(r"beginbfrange(.*?)endbfrange", re.DOTALL)
_HEX = re.compile(r"<([0-9a-fA-F]+)>")


def drawn_characters(pdf_bytes):
    """{character: font} for every character the PDF's text draws with a real glyph.

    Read independently of WeasyPrint: each font's ToUnicode CMap says which glyph (CID, identity-mapped
    to the glyph id) stands for which text; fontTools opens the embedded font program and says whether
    that glyph exists and has an outline. A character drawn with .notdef (glyph 0) or with a glyph
    the font lacks is not in the result.
    """
    drawn = {}
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert descendant["/CIDToGIDMap"] == "/Identity"
            program = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
            glyph_order, glyphs = program.getGlyphOrder(), program["glyf"]
            for gid, text in _to_unicode(font["/ToUnicode"].get_object().get_data().decode("ascii")):
                has_outline = 0 < gid < len(glyph_order) and (
                    text.isspace() or glyphs[glyph_order[gid]].numberOfContours
                )
                if has_outline and len(text) == 1:
                    drawn[text] = str(font["/BaseFont"]).split("+", 1)[-1]
    return drawn


def _to_unicode(cmap):
    """(glyph id, text) pairs of a ToUnicode CMap (bfchar and bfrange sections)."""
    for block in _BFCHAR.findall(cmap):
        values = _HEX.findall(block)
        for source, target in zip(values[::2], values[1::2], strict=True):
            yield int(source, 16), bytes.fromhex(target).decode("utf-16-be")
    for block in _BFRANGE.findall(cmap):
        for line in block.strip().splitlines():
            start, end, target = (int(value, 16) for value in _HEX.findall(line)[:3])
            for offset in range(end - start + 1):
                yield start + offset, chr(target + offset)


def chunks(characters, size):
    text = "".join(sorted(characters - {" "}))
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.django_db
def test_every_accepted_character_is_drawn_in_the_certificate_pdf():
    # The household certificate shows the members' names and birthplaces and the address: every
    # accepted character goes into one of them (names are at most 100 characters).
    family = make_family()
    people = [family[key] for key in ("head", "spouse", "minor", "adult_child")]
    names, places = chunks(PERSON_NAME_CHARACTERS, 60), chunks(PLACE_NAME_CHARACTERS, 90)
    for index, name in enumerate(names):
        person = people[index % len(people)]
        if index < len(people):
            person.family_name = name
        else:
            person.given_name = name
        validate_person_name(name)
        person.save()
    for person, place in zip(people, places, strict=False):
        validate_place_name(place)
        Person.objects.filter(pk=person.pk).update(birth_place=place)
    Address.objects.filter(pk=family["household"].address_id).update(street=places[-1])
    user = get_user_model().objects.create_user("glyphs")
    certificate = Certificate.objects.create(
        kind="stato_famiglia", holder=family["head"], requested_by=user,
        exemption=StampExemption.SEPARATION, stamp_duty_cents=0,
    )  # fmt: skip

    drawn = drawn_characters(build_pdf(certificate))

    missing = sorted(set(PLACE_NAME_CHARACTERS) - {" "} - drawn.keys())
    assert missing == [], f"not drawn: {missing}"


def test_the_checker_sees_a_missing_glyph():
    from fascicolo.documents.pdf import render_html_to_pdf

    drawn = drawn_characters(
        render_html_to_pdf('<html lang="it"><head><title>.</title></head><body>Aé李</body></html>')
    )
    assert "A" in drawn and "é" in drawn and "李" not in drawn


# Neither accepted nor turned into an accepted character by clean_name (apostrophes, Ţ, spaces,
# combining marks that compose with the letter before them, compatibility forms such as the Ångström
# sign that NFC turns into Å).
OUTSIDE = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="".join(PLACE_NAME_CHARACTERS | TYPED_FORMS)
).filter(
    lambda char: not char.isspace() and not unicodedata.combining(char) and unicodedata.normalize("NFC", char) == char
)


@given(st.text(alphabet=sorted(PERSON_NAME_CHARACTERS), max_size=40), OUTSIDE)
@settings(deadline=None)
def test_characters_outside_the_set_are_refused_and_named(name, bad):
    validate_person_name(name)
    validate_place_name(name)
    for validate in (validate_person_name, validate_place_name):
        with pytest.raises(ValidationError) as excinfo:
            validate(name + bad)
        assert excinfo.value.code == "unsupported_characters"
        assert f"U+{ord(bad):04X}" in excinfo.value.messages[0]


def test_the_refusal_speaks_italian_and_english():
    with pytest.raises(ValidationError) as excinfo:
        validate_person_name("Wang 王")
    assert excinfo.value.messages == ["Il nome contiene caratteri che l'anagrafe non accetta: «王» (U+738B)."]
    with pytest.raises(ValidationError) as excinfo:
        validate_place_name("Via ☃")
    with translation.override("en"):
        english = excinfo.value.messages
    assert english == ["The place contains characters the registry does not accept: «☃» (U+2603)."]


def test_typed_variants_of_accepted_characters_are_accepted():
    validate_person_name("D’Angelo")  # typographic apostrophe, stored as '
    validate_person_name("Nicolo\u0300")  # an NFD accent, stored composed
    validate_person_name("Ştefănescu Ţurcanu")  # cedilla forms: Ş kept (Turkish too), Ţ stored as Ț
    assert clean_name("Ţurcanu ţ") == "Țurcanu ț" and clean_name("Şahin") == "Şahin"
    validate_place_name("Piazza 1° Maggio, 12/A (Sesto S. Giovanni)")
    with pytest.raises(ValidationError):
        validate_person_name("Piazza 1")  # digits belong to places, not to people's names


def test_the_demo_data_stays_inside_the_set():
    for nationality in NATIONALITIES:
        for name in (*nationality.male_names, *nationality.female_names, *nationality.family_names):
            validate_person_name(name)
        validate_place_name(nationality.place.name)
    for toponym, street, _postal_code in STREETS:
        validate_place_name(f"{toponym} {street}")
