"""experiments.ingest.columns: the fields of each kind and the one synonym list guessed by."""

from __future__ import annotations

import pytest

from experiments import ingest
from experiments.ingest import columns, reading
from experiments.store import StoreError


def test_every_synonym_is_written_as_a_normalized_header_could_match_it():
    """A synonym with a capital, a space or 'ё' can never match: headers are normalized first."""
    unreachable = [
        (field, alias)
        for field, aliases in columns.SYNONYMS.items()
        for alias in aliases
        if columns.normalize_header(alias) != alias
    ]
    assert unreachable == []


def test_synonyms_name_only_known_fields_and_no_word_means_two_fields_of_one_kind():
    known = {f.name for fields in columns.FIELDS.values() for f in fields}
    assert set(columns.SYNONYMS) <= known
    for kind, fields in columns.FIELDS.items():
        names = {f.name for f in fields}
        owners: dict[str, str] = {}
        for field, aliases in columns.SYNONYMS.items():
            for alias in aliases if field in names else ():
                assert owners.setdefault(alias, field) == field, (kind, alias)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Номер карты", "customer_id"), ("Дата/время", "ts"), ("Сумма чека, руб.", "amount")],
)
def test_the_package_guesses_from_the_one_list(header, expected):
    assert ingest.guess_mapping("transactions", [header]) == {header: expected}
    assert ingest.SYNONYMS is columns.SYNONYMS and ingest.FIELDS is columns.FIELDS


def test_public_names_stay_importable_from_the_package():
    """Other modules import these from experiments.ingest; the split must not move them."""
    for name in ingest.__all__:
        assert hasattr(ingest, name), name
    assert ingest.HEAD_BYTES == reading.HEAD_BYTES


# -- mapping -----------------------------------------------------------------------------------
def test_parse_mapping_splits_on_last_equals_and_refuses_bad_items():
    assert ingest.parse_mapping(["Клиент=customer_id", "a=b=amount", " x = - "]) == {
        "Клиент": "customer_id",
        "a=b": "amount",
        "x": "-",
    }
    for bad in (["amount"], ["=amount"], ["col="], ["a=ts", "a=amount"]):
        with pytest.raises(ingest.MappingError, match="map"):
            ingest.parse_mapping(bad)
    assert issubclass(ingest.MappingError, StoreError)


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [
        (
            "transactions",
            ["Клиент", "Дата покупки", "Сумма", "Номер чека", "Магазин", "Скидка"],
            {
                "Клиент": "customer_id",
                "Дата покупки": "ts",
                "Сумма": "amount",
                "Номер чека": "order_id",
                "Магазин": "channel",
                "Скидка": "discount",
            },
        ),
        (
            "transactions",
            ["customer_id", "date", "number_of_cds", "dollar_value"],
            {"customer_id": "customer_id", "date": "ts", "dollar_value": "amount"},
        ),
        (
            "transactions",
            ["Client", "DATE", "Total", "Gross Margin"],
            {"Client": "customer_id", "DATE": "ts", "Total": "amount", "Gross Margin": "margin"},
        ),
        ("results", ["recency", "channel", "segment", "visit"], {"segment": "arm"}),
        ("results", ["клиент", "группа", "покупка"], {"клиент": "customer_id", "группа": "arm"}),
        ("customers", ["ID клиента", "Пол"], {"ID клиента": "customer_id"}),
    ],
)
def test_guess_mapping_reads_english_and_russian_headers(kind, columns, expected):
    assert ingest.guess_mapping(kind, columns) == expected
