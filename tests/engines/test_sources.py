"""Source URLs: every supported form parses to a typed record; bad ones get a clear error;
no text form ever shows the password."""

from __future__ import annotations

import pytest

from experiments.sources import Source, SourceError, parse_source


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("duckdb://", Source("duckdb")),
        ("duckdb:///data/shop.duckdb", Source("duckdb", path="/data/shop.duckdb")),
        ("spark://10.0.0.5:15002", Source("spark", host="10.0.0.5", port=15002)),
        ("spark://spark.internal", Source("spark", host="spark.internal", port=15002)),
        ("spark+local://2", Source("spark_local", threads=2)),
        (
            "clickhouse://reader:s3cret@ch.internal:8443/retail",
            Source("clickhouse", host="ch.internal", port=8443, database="retail",
                   user="reader", password="s3cret"),
        ),
        ("chdb:///var/lib/chdb", Source("chdb", path="/var/lib/chdb")),
    ],
)  # fmt: skip
def test_every_supported_url_parses(url, expected):
    assert parse_source(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "not a source URL"),
        ("/data/shop.duckdb", "not a source URL"),
        ("postgres://u:p@h/db", "Unknown source type 'postgres'"),
        ("duckdb://data/shop.duckdb", "three slashes"),
        ("chdb://", "needs a directory"),
        ("spark+local://0", "N >= 1"),
        ("spark+local://two", "N >= 1"),
        ("spark://:15002", "host is missing"),
        ("spark://host:99999", "port"),
        ("spark://u:p@host:15002", "secrets"),
        ("clickhouse://reader:pw@ch:8123", "name one database"),
        ("clickhouse://ch:8123/retail", "user is missing"),
        ("clickhouse://reader:pw@ch:port/retail", "port"),
        ("clickhouse://reader:pw@[::1/retail", "not a valid source address"),
    ],
)
def test_bad_urls_are_refused_with_what_to_fix(url, message):
    with pytest.raises(SourceError, match=message) as caught:
        parse_source(url)
    assert "pw@" not in str(caught.value) and ":p@" not in str(caught.value)


def test_the_password_is_never_in_a_text_form():
    source = parse_source("clickhouse://reader:s3cret@ch.internal:8123/retail")
    assert source.password == "s3cret"
    for text in (str(source), repr(source), source.redacted(), f"{source}"):
        assert "s3cret" not in text
    assert source.redacted() == "clickhouse://reader:***@ch.internal:8123/retail"
    with pytest.raises(SourceError) as caught:
        parse_source("mysql://reader:s3cret@ch.internal:8123/retail")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["duckdb://", "duckdb:///data/x.duckdb", "spark://h:15002", "spark+local://4",
            "chdb:///tmp/ch", "clickhouse://reader@h:9000/retail"],
)  # fmt: skip
def test_the_redacted_form_parses_back_to_the_same_source(url):
    assert parse_source(parse_source(url).redacted()) == parse_source(url)


def test_a_column_mapping_names_the_sources_columns():
    source = parse_source("spark+local://1", {"customer_id": "card_no", "ts": " sold_at "})
    assert source.column("customer_id") == "card_no"
    assert source.column("ts") == "sold_at"
    assert source.column("amount") == "amount"
    with pytest.raises(SourceError, match="'channel' is not a column the metrics read"):
        parse_source("spark+local://1", {"channel": "x"})
    with pytest.raises(SourceError, match="needs a column name"):
        parse_source("spark+local://1", {"amount": " "})
