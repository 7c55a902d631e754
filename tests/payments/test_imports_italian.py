"""Files as Italian offices save them from a spreadsheet: every way of writing accepted gives the same
result as the clean file; what cannot be read without guessing is refused with what to change."""

import string
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fascicolo.imports import services as import_services
from fascicolo.imports.models import ImportJob
from payments.models import DebtPosition, ReportingFlow
from payments.reconciliation import CSV_FIELDS, FlowFileError, parse_flow_csv
from payments.tabular import FileFormatError, parse_amount, parse_date, read_table
from payments.tari import FIELDS, import_roll, parse_roll
from tests.payments.clerks import login_clerk
from tests.payments.factories import RESIDENT_A, RESIDENT_B

DEBTORS = [("F", RESIDENT_A), ("F", RESIDENT_B), ("G", "01199250158"), ("G", "08911820960")]


def roll_rows(count):
    """(roll id, type, code, name, address, tari cents, tefa cents, installments, due date) rows."""
    start = date.today() + timedelta(days=40)
    return [
        (
            f"R{n:06d}",
            *DEBTORS[n % len(DEBTORS)],
            f"Debitore {n}",
            f"Via Roma {n}, Milano",
            1_000 + n * 137 % 250_000,
            n * 7 % 5_000,
            (0, 2, 4, 12)[n % 4],
            start + timedelta(days=n % 60),
        )
        for n in range(count)
    ]


def euro(cents, mark=".", grouped=False):
    euros, rest = divmod(cents, 100)
    whole = f"{euros:,}".replace(",", "." if mark == "," else ",") if grouped else str(euros)
    return f"{whole}{mark}{rest:02d}"


def write_roll(rows, italian):
    """The clean file (comma, point, ISO dates, LF) or its twin saved the Italian Excel way (semicolon,
    decimal comma with thousands points, 31/03/2027, spaces in the header, BOM, CRLF)."""
    sep, mark, newline = (";", ",", "\r\n") if italian else (",", ".", "\n")
    header = (sep + " ").join(FIELDS) if italian else sep.join(FIELDS)
    lines = [header]
    for roll_id, kind, code, name, address, tari, tefa, installments, due in rows:
        due_text = due.strftime("%d/%m/%Y") if italian else due.isoformat()
        address_text = f'"{address}"' if sep in address else address
        lines.append(
            sep.join(
                [
                    roll_id,
                    kind,
                    code,
                    name,
                    address_text,
                    euro(tari, mark, italian),
                    euro(tefa, mark),
                    str(installments),
                    due_text,
                ]
            )
        )
    text = newline.join(lines) + newline
    return ("\ufeff" + text).encode() if italian else text.encode()


@pytest.mark.django_db
def test_a_roll_saved_the_italian_excel_way_imports_like_its_clean_twin():
    rows = roll_rows(240)
    clean, italian = import_roll(write_roll(rows, False), 2026), import_roll(write_roll(rows, True), 2027)
    assert clean.errors == italian.errors == [] and clean.created == italian.created == 240

    def projection(year):
        positions = DebtPosition.objects.filter(iupd__contains=f"-TARI-{year}-").order_by("iupd")
        return [
            (
                p.iupd.rsplit("-", 1)[1],
                p.debtor_fiscal_code,
                p.debtor_name,
                p.debtor_address,
                [
                    (
                        o.installment_number,
                        o.due_date,
                        o.amount_cents,
                        [(t.index, t.amount_cents) for t in o.transfers.all()],
                    )
                    for o in p.options.all()
                ],
            )
            for p in positions.prefetch_related("options__transfers")
        ]

    assert projection(2026) == projection(2027)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    separator=st.sampled_from([",", ";"]),
    mark=st.sampled_from([".", ","]),
    grouped=st.booleans(),
    italian_dates=st.booleans(),
    header_spaces=st.booleans(),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    blank_tail=st.booleans(),
    declare=st.booleans(),
)
def test_every_accepted_way_of_writing_a_roll_parses_to_the_same_lines(
    separator, mark, grouped, italian_dates, header_spaces, bom, newline, blank_tail, declare
):
    rows = roll_rows(12)
    expected, errors = parse_roll(write_roll(rows, False))
    assert errors == []
    lines = [(separator + (" " if header_spaces else "")).join(FIELDS)]
    for roll_id, kind, code, name, address, tari, tefa, installments, due in rows:
        amounts = [euro(tari, mark, grouped), euro(tefa, mark)]
        amounts = [f'"{a}"' if separator in a else a for a in amounts]
        address = f'"{address}"' if separator in address else address
        due_text = due.strftime("%d/%m/%Y") if italian_dates else due.isoformat()
        lines.append(separator.join([roll_id, kind, code, name, address, *amounts, str(installments), due_text]))
    if blank_tail:
        lines.append(separator * (len(FIELDS) - 1))
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    dialect = {"separator": separator, "decimal_mark": mark} if declare else {}
    assert parse_roll(text.encode(), **dialect) == (expected, [])


@given(st.integers(0, 10**9), st.sampled_from([".", ","]), st.booleans(), st.booleans())
def test_an_amount_parses_back_to_its_cents(cents, mark, grouped, euro_sign):
    text = euro(cents, mark, grouped)
    if cents % 10 == 0 and not grouped:
        text = text[:-1]  # one decimal, as a spreadsheet's General format writes 182,4
    if euro_sign:
        text = f"€ {text}"
    assert parse_amount(text, mark) == cents


@given(st.integers(0, 999_999), st.integers(0, 999), st.sampled_from([".", ","]), st.sampled_from([".", ","]))
def test_an_amount_with_a_group_of_three_after_one_separator_is_never_guessed(whole, three, separator, mark):
    with pytest.raises(ValueError, match="ambiguo"):
        parse_amount(f"{whole}{separator}{three:03d}", mark)


@given(st.text(alphabet=string.digits + ".,-€ ", max_size=12), st.sampled_from([".", ","]))
def test_any_amount_is_either_refused_or_read_exactly(text, mark):
    try:
        cents = parse_amount(text, mark, signed=True)
    except ValueError:
        return
    cleaned = text.replace("€", "").strip().replace("." if mark == "," else ",", "")
    whole, _, decimals = cleaned.partition(mark)
    assert len(decimals) <= 2 and cents == int(whole) * 100 + (1 if not whole.startswith("-") else -1) * int(
        decimals.ljust(2, "0") or 0
    )


def test_the_examples_of_the_issue():
    with pytest.raises(ValueError, match="ambiguo"):
        parse_amount("1.230")
    assert parse_amount("182,40", ",") == 18_240 and parse_amount("1.230,00", ",") == 123_000
    assert parse_date("31/03/2027") == date(2027, 3, 31) == parse_date("2027-03-31")
    with pytest.raises(ValueError, match="due cifre"):
        parse_date("31/03/27")


def test_files_refused_as_a_whole_say_what_to_change():
    with pytest.raises(FileFormatError, match="UTF-8"):
        read_table(",".join(FIELDS).encode("utf-16"), FIELDS)
    with pytest.raises(FileFormatError, match="Windows-1252"):
        read_table((",".join(FIELDS) + "\nR1,F,X,Niccolò,,1,0,0,2027-01-01\n").encode("cp1252"), FIELDS)
    with pytest.raises(FileFormatError, match="intestazione"):
        read_table(b"roll;debtor\n", FIELDS)
    mixed = ";".join(FIELDS) + "\nR1;F;X;A;;182,40;1;0;x\nR2;F;X;A;;182.40;1;0;x\n"
    with pytest.raises(FileFormatError, match=r"riga 2.*riga 3"):
        read_table(mixed, FIELDS, ("tari", "tefa"))
    lines, errors = parse_roll(mixed.encode())
    assert lines == [] and len(errors) == 1 and errors[0][0] == 1


@pytest.mark.django_db
def test_a_tari_amount_1_230_is_refused_not_imported_as_1_23():
    due = (date.today() + timedelta(days=40)).isoformat()
    text = ",".join(FIELDS) + f"\nH1,F,{RESIDENT_A},Anna,,1.230,0.00,0,{due}\n"
    report = import_roll(text.encode(), 2026)
    assert report.created == 0 and report.errors[0][0] == 2 and "ambiguo" in report.errors[0][1]


FLOW_ROW = "2026-11-20SIMPSPIT01-0001,{dt},SIMPSPIT01,TRN1,{day},{iuv},IUR-1,1,{amount},0,{day}"


def test_a_flow_saved_the_italian_way_parses_like_the_clean_one():
    iuv = "01000000000000144"
    clean = (
        ",".join(CSV_FIELDS)
        + "\n"
        + FLOW_ROW.format(dt="2026-11-20T10:00:00+01:00", day="2026-11-20", iuv=iuv, amount="1230.50")
    )
    italian = (
        "\ufeff"
        + "; ".join(CSV_FIELDS)
        + "\r\n"
        + FLOW_ROW.replace(",", ";").format(dt="20/11/2026 10:00", day="20/11/2026", iuv=iuv, amount="1.230,50")
        + "\r\n"
    )
    assert parse_flow_csv(clean.encode()) == parse_flow_csv(italian.encode())


def test_a_flow_with_an_iuv_a_spreadsheet_damaged_is_refused_with_the_reason():
    text = (
        ",".join(CSV_FIELDS)
        + "\n"
        + FLOW_ROW.format(dt="2026-11-20T10:00:00+01:00", day="2026-11-20", iuv="1000000000000144", amount="10.00")
    )
    with pytest.raises(FlowFileError, match=r"riga 2: IUV .*17 cifre.*Testo"):
        parse_flow_csv(text)


@pytest.mark.django_db
def test_a_flow_upload_with_spaces_in_the_header_is_imported_not_a_500(client):
    login_clerk(client)
    text = (
        ", ".join(CSV_FIELDS)
        + "\n"
        + FLOW_ROW.format(dt="2026-11-20T10:00:00+01:00", day="2026-11-20", iuv="01000000000000144", amount="10.00")
    )
    response = client.post(reverse("admin:payments_import_flows"), {"file": SimpleUploadedFile("f.csv", text.encode())})
    assert response.status_code == 302
    assert import_services.run(ImportJob.objects.get().pk) == ImportJob.Status.DONE  # what the worker does
    assert ReportingFlow.objects.count() == 1
    bad = client.post(reverse("admin:payments_import_flows"), {"file": SimpleUploadedFile("f.csv", b"flow;iuv\n1;2\n")})
    job = ImportJob.objects.latest("pk")
    assert import_services.run(job.pk) == ImportJob.Status.FAILED
    assert "intestazione" in client.get(bad["Location"]).content.decode()


@pytest.mark.django_db
def test_a_tari_upload_refused_as_a_whole_says_so_once(client):
    login_clerk(client)
    data = (",".join(FIELDS) + "\nR1,F,X,Niccolò,,1,0,0,2027-01-01\n").encode("cp1252")
    response = client.post(
        reverse("admin:payments_import_tari"), {"file": SimpleUploadedFile("r.csv", data), "year": "2026"}
    )
    import_services.run(ImportJob.objects.get().pk)  # what the worker does
    page = client.get(response["Location"]).content.decode()
    assert page.count("Windows-1252") == 1 and DebtPosition.objects.count() == 0
