"""The leak check of the load tests (benchmarks/locust/canaries.py): another resident's codice fiscale
or name on a page is found; the resident's own household is not a leak."""

from benchmarks.locust.canaries import Canaries, Resident


def test_the_canary_check_finds_another_residents_code_and_name_but_not_the_household():
    people = {
        "RSSMRA80A01F205X": "Mario Rossi",
        "RSSGLI82B41F205Y": "Giulia Rossi",
        "VRDLCU75C10F205Z": "Luca Verdi",
    }
    canaries = Canaries(people)
    mario = Resident("RSSMRA80A01F205X", "Mario", "Rossi", frozenset({"RSSGLI82B41F205Y"}))

    assert canaries.leaks(mario, "<p>Mario Rossi RSSMRA80A01F205X, Giulia Rossi RSSGLI82B41F205Y</p>") == []
    assert canaries.leaks(mario, "<td>VRDLCU75C10F205Z</td>") == ["VRDLCU75C10F205Z"]
    assert canaries.leaks(mario, "<span>Sig. Luca Verdi</span>") == ["Luca Verdi"]
