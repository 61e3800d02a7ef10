"""Historic import, file by file: what is read, what is refused, and why (the reasons a
supervisor reads on the import page)."""

import codecs
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from seizures.imports import vocab
from seizures.imports.choices import ImportLayout
from seizures.imports.reader import IDS_COLUMNS, FileRefused, open_source

HEADER = ";".join(IDS_COLUMNS)
ROW = (
    "Americas;South America;Ecuador;Guayas;Guayaquil;2019-03-14;Cocaine;12;Kilogram;"
    "Luggage;Airport;Air;Colombia;Ecuador;Spain;Unknown"
)


def _rows(data: bytes) -> tuple:
    source = open_source(io.BytesIO(data))
    return source, list(source.rows)


def _refusal(data: bytes) -> str:
    with pytest.raises(FileRefused) as refused:
        _rows(data)
    return refused.value.message


def test_it_reads_an_ids_extract_with_the_header_on_line_1_and_rows_from_line_2():
    source, rows = _rows(f"{HEADER}\n{ROW}\n{ROW}\n".encode())
    assert source.layout == ImportLayout.IDS
    assert source.total_rows == 2
    assert [line for line, _cells in rows] == [2, 3]
    assert rows[0][1][6] == "Cocaine"


def test_a_quoted_cell_with_a_line_break_keeps_the_line_numbers_of_the_next_rows_right():
    quoted = ROW.replace("Luggage", '"In a bag\nbehind the seats"')
    _source, rows = _rows(f"{HEADER}\n{quoted}\n{ROW}\n".encode())
    assert [line for line, _cells in rows] == [2, 4]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (HEADER.replace(";", "|").encode() + b"\n", "vertical bars"),
        (b"name\tdate\tamount\n", "tabs"),
        (b"just one column\n", "single column"),
        (b"REGION;COUNTRY;PLACE;AMOUNT\n", "SEIZURE_DATE, DRUG_NAME, DRUG_UNIT"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file (.xls)"),
        (b"%PDF-1.7\n", "PDF"),
        (b"PK\x03\x04garbage", "damaged ZIP"),
    ],
    ids=["empty", "blank", "bars", "tabs", "one-column", "missing", "xls", "pdf", "zip"],
)
def test_a_malformed_file_is_refused_with_a_reason_that_says_what_is_wrong(data, expected):
    assert expected in _refusal(data)


def test_a_header_naming_a_column_twice_is_refused():
    assert "COUNTRY" in _refusal(f"{HEADER};COUNTRY\n".encode())


def test_a_comma_separated_ids_extract_is_read_with_a_note():
    source, rows = _rows((HEADER + "\n" + ROW).replace(";", ",").encode())
    assert source.layout == ImportLayout.IDS
    assert "commas" in source.notes[0]
    assert rows[0][1][2] == "Ecuador"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16"],
)
def test_unicode_files_are_read_without_a_note(encode):
    source, rows = _rows(encode(f"{HEADER}\n{ROW.replace('Guayaquil', 'Guayaquíl')}\n"))
    assert source.notes == []
    assert source.columns[0] == "REGION"
    assert rows[0][1][4] == "Guayaquíl"


def test_a_windows_1252_file_is_read_as_such_and_the_page_says_so():
    data = f"{HEADER}\n{ROW.replace('Colombia', 'Côte d’Ivoire')}\n".encode("cp1252")
    source, rows = _rows(data)
    assert "Windows-1252" in source.notes[0]
    assert rows[0][1][12] == "Côte d’Ivoire"


def test_bytes_that_no_windows_code_page_has_fall_back_to_latin_1():
    source, _rows_ = _rows(f"{HEADER}\n{ROW}\n".encode() + b"\x81\x8d;x\n")
    assert "Latin-1" in source.notes[0]


def test_a_text_file_with_nul_bytes_is_refused_as_binary():
    assert "binary" in _refusal(f"{HEADER}\n{ROW}\n".encode() + b"\x00\x00")


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_workbook_formula_is_read_as_its_text_never_evaluated():
    data = _xlsx(
        [
            ["seizure", "date", "substance", "quantity", "unit"],
            ["A", "2019-01-02", "Heroin", "=2*3", "kg"],
        ]
    )
    source, rows = _rows(data)
    assert source.layout == ImportLayout.TEMPLATE
    assert rows == [(2, ["A", "2019-01-02", "Heroin", "=2*3", "kg"])]


def test_workbook_dates_and_numbers_arrive_as_plain_text():
    import datetime as dt

    data = _xlsx(
        [
            ["seizure", "date", "substance", "quantity", "unit"],
            ["A", dt.datetime(2019, 1, 2), "Heroin", 0.1, "kg"],
        ]
    )
    _source, rows = _rows(data)
    assert rows[0][1][1:4] == ["2019-01-02", "Heroin", "0.1"]


# --- the words of historic files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Netherlands (Kingdom of the)", "NL"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Côte d'Ivoire", "CI"),
        ("COTE D IVOIRE", "CI"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("United States of America", "US"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Viet Nam", "VN"),
        ("Ecuador", "EC"),
        ("ec", "EC"),
        ("ECU", "EC"),
        ("Republic of Korea", "KR"),
    ],
)
def test_countries_are_found_by_english_name_un_name_or_iso_code(name, code):
    assert vocab.country_code(name) == code


def test_a_name_that_is_no_country_is_not_guessed():
    assert vocab.country_code("Narnia") is None
    assert vocab.country_code("Unknown") is None


@pytest.mark.parametrize(
    ("name", "substance"),
    [
        ("Cocaine hydrochloride", "cocaine"),
        ("Cocaine-type", "cocaine"),
        ("Cocaine base", "cocaine_base"),
        ("Crack", "cocaine_base"),
        ("Heroin", "heroin"),
        ("Cannabis herb", "cannabis_herb"),
        ("Marijuana", "cannabis_herb"),
        ("Cannabis resin", "cannabis_resin"),
        ("Hashish", "cannabis_resin"),
        ("Methamphetamine", "methamphetamine"),
        ("Amphetamine", "amphetamine"),
        ("Ecstasy", "mdma"),
        ("MDMA", "mdma"),
        ("Tramadol", "tramadol"),
        ("Captagon", "captagon"),
        ("Acetic anhydride", "acetic_anhydride"),
        ("Potassium permanganate", "kmno4"),
    ],
)
def test_free_text_drug_names_map_to_substances(name, substance):
    assert vocab.substance_of(name) == substance


def test_an_unlisted_drug_is_not_mapped_to_a_listed_one():
    assert vocab.substance_of("Diazepam") is None


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("Gram", ("g", Decimal(1))),
        ("Kilogram", ("kg", Decimal(1))),
        ("Ton", ("t", Decimal(1))),
        ("Milligram", ("g", Decimal("0.001"))),
        ("Litre", ("l", Decimal(1))),
        ("Millilitre", ("ml", Decimal(1))),
        ("Tablet", ("tablet", Decimal(1))),
        ("Pound", ("kg", Decimal("0.45359237"))),
        ("Unit", (vocab.COUNT, Decimal(1))),
    ],
)
def test_units_of_historic_files_map_to_the_apps_units(unit, expected):
    assert vocab.unit_of(unit) == expected


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2019-03-14", (2019, 3, 14)),
        ("14/03/2019", (2019, 3, 14)),
        ("14.03.2019", (2019, 3, 14)),
        ("14-03-2019", (2019, 3, 14)),
        ("4/3/2019", (2019, 3, 4)),
        ("14 March 2019", (2019, 3, 14)),
        ("14-Mar-19", (2019, 3, 14)),
    ],
)
def test_a_date_without_a_time_is_read_day_first_and_stored_at_local_noon(text, day):
    from zoneinfo import ZoneInfo

    from seizures.imports.normalise import parse_when

    zone = ZoneInfo("America/Guayaquil")
    assert parse_when(text, "SEIZURE_DATE", zone) == datetime.datetime(*day, 12, tzinfo=zone)


@pytest.mark.parametrize("text", ["31/02/2019", "14/13/2019", "00.03.2019", "14/03-2019"])
def test_a_day_that_does_not_exist_is_rejected_with_the_way_to_write_it(text):
    from zoneinfo import ZoneInfo

    from seizures.imports.normalise import Rejected, parse_when

    with pytest.raises(Rejected) as rejected:
        parse_when(text, "SEIZURE_DATE", ZoneInfo("America/Guayaquil"))
    assert "2024-03-14" in rejected.value.message
