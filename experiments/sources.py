"""Where the transactions are read from: a typed `Source` parsed from a URL, credentials redacted.

Experiments, arms, assignments, uploads and settings always stay in the local DuckDB store; a
source only says where the `transactions` table (with the store's column names, or a mapping
`[source.columns]`) lives. Supported URLs:

* `duckdb:///path/to/file.duckdb` - a DuckDB file; `duckdb://` alone is the store itself;
* `spark://HOST:PORT` - a Spark Connect server (a cluster, Databricks);
* `spark+local://N` - Spark in local mode with N threads (tests, one machine);
* `clickhouse://USER:PASSWORD@HOST:PORT/DATABASE` - a ClickHouse server (clickhouse-connect);
* `chdb:///path` - embedded ClickHouse (chDB) over a directory.

The text form of a `Source` (`str`, `repr`, `redacted`) never shows a password: pages and logs
print `redacted()`. No engine is imported here: parsing a URL is cheap and testable anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from experiments.i18n.text import Text

__all__ = [
    "OPTIONAL_COLUMNS",
    "SOURCE_COLUMNS",
    "EngineKind",
    "Source",
    "SourceError",
    "parse_source",
]

EngineKind = Literal["duckdb", "spark", "spark_local", "clickhouse", "chdb"]
# The columns of the store's transactions table a source must provide (or map): what the
# metrics read. order_id, channel and upload_id are not read.
SOURCE_COLUMNS = ("customer_id", "ts", "amount", "margin", "discount")
# read when the source has them: the Design page's channel filter (a source without one
# offers no channels)
OPTIONAL_COLUMNS = ("channel",)
_SCHEMES: dict[str, EngineKind] = {
    "duckdb": "duckdb",
    "spark": "spark",
    "sc": "spark",  # Spark Connect's own scheme
    "spark+local": "spark_local",
    "clickhouse": "clickhouse",
    "chdb": "chdb",
}
_DEFAULT_PORTS = {"spark": 15002, "clickhouse": 8123}
_REDACTED = "***"


class SourceError(ValueError):
    """A source URL or column mapping that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Source:
    """A parsed source of transactions.

    Attributes:
        kind: the engine ('duckdb', 'spark', 'spark_local', 'clickhouse', 'chdb').
        path: duckdb / chdb: the file or directory; None for duckdb = the store itself.
        host: spark / clickhouse: the server's host name.
        port: spark / clickhouse: the server's port (defaults 15002 and 8123).
        database: clickhouse: the database holding `transactions`.
        user: clickhouse: the user name (shown; it is not a secret).
        password: clickhouse: the password; never part of any text form (`repr=False`).
        threads: spark_local: the number of local threads N.
        table: the transactions table's name in the source.
        columns: store column name -> the source's column name, for the names that differ.
    """

    kind: EngineKind
    path: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    threads: int | None = None
    table: str = "transactions"
    columns: Mapping[str, str] = field(default_factory=dict)

    def redacted(self) -> str:
        """The URL with the password replaced by ***: the only form for pages and logs."""
        if self.kind == "duckdb":
            return f"duckdb://{self.path or ''}"
        if self.kind == "chdb":
            return f"chdb://{self.path}"
        if self.kind == "spark_local":
            return f"spark+local://{self.threads}"
        if self.kind == "spark":
            return f"spark://{self.host}:{self.port}"
        secret = f":{_REDACTED}" if self.password else ""
        return f"clickhouse://{self.user}{secret}@{self.host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        return self.redacted()

    def column(self, name: str) -> str:
        """The source's column for a store column name."""
        return self.columns.get(name, name)


def _port(text: str, parts: object) -> int | None:
    try:
        return parts.port  # type: ignore[attr-defined]
    except ValueError:
        raise SourceError(Text("source.url.port", url=repr(text))) from None


def _scheme_list() -> str:
    return ", ".join(f"{s}://" for s in _SCHEMES)


def _redact_text(url: str) -> str:
    """The URL as typed, any password replaced, for error messages."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    credentials, _, rest = tail.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}:{_REDACTED}@{rest}" if ":" in credentials else url


def parse_source(url: str, columns: Mapping[str, str] | None = None) -> Source:
    """Parse a source URL and an optional column mapping (`[source.columns]` of the settings).

    Args:
        url: one of the forms of the module docstring.
        columns: store column name -> source column name, for the names that differ.

    Raises:
        SourceError: an unknown scheme, a missing part, a bad port or thread count, or a mapping
            of a column the metrics do not read. The message never contains the password.
    """
    text = url.strip()
    shown = _redact_text(text)
    scheme, sep, _ = text.partition("://")
    if not sep:
        raise SourceError(Text("source.url.not_url", url=repr(shown), schemes=_scheme_list()))
    kind = _SCHEMES.get(scheme.lower())
    if kind is None:
        raise SourceError(
            Text("source.url.unknown", scheme=repr(scheme), url=repr(shown), schemes=_scheme_list())
        )
    mapping = _mapping(columns or {})
    try:
        parts = urlsplit(text)
    except ValueError as error:  # e.g. an unclosed IPv6 bracket: say so, never a traceback
        raise SourceError(Text("source.url.invalid", url=repr(shown), error=error)) from None
    if kind in ("duckdb", "chdb"):
        if parts.netloc:
            raise SourceError(Text("source.url.local_path", url=repr(shown), scheme=scheme))
        path = unquote(parts.path) if parts.path.strip("/") else None
        if kind == "chdb" and path is None:
            raise SourceError(Text("source.url.chdb_dir", url=repr(shown)))
        return Source(kind, path=path, columns=mapping)
    if kind == "spark_local":
        threads_text = parts.netloc
        if not threads_text.isdigit() or int(threads_text) < 1 or parts.path not in ("", "/"):
            raise SourceError(Text("source.url.spark_local", url=repr(shown)))
        return Source(kind, threads=int(threads_text), columns=mapping)
    host = parts.hostname
    if not host:
        raise SourceError(Text("source.url.no_host", url=repr(shown), scheme=scheme))
    port = _port(shown, parts) or _DEFAULT_PORTS[kind]
    if kind == "spark":
        if parts.username or parts.password:
            raise SourceError(Text("source.url.spark_credentials", url=repr(shown)))
        return Source(kind, host=host, port=port, columns=mapping)
    database = unquote(parts.path.strip("/"))
    if not database or "/" in database:
        raise SourceError(Text("source.url.one_database", url=repr(shown)))
    if not parts.username:
        raise SourceError(Text("source.url.no_user", url=repr(shown)))
    return Source(
        kind,
        host=host,
        port=port,
        database=database,
        user=unquote(parts.username),
        password=unquote(parts.password) if parts.password is not None else None,
        columns=mapping,
    )


def _mapping(columns: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for store_name, source_name in columns.items():
        if store_name not in SOURCE_COLUMNS:
            raise SourceError(
                Text(
                    "source.columns.unknown",
                    name=repr(store_name),
                    columns=", ".join(SOURCE_COLUMNS),
                )
            )
        if not isinstance(source_name, str) or not source_name.strip():
            raise SourceError(Text("source.columns.empty", name=repr(store_name)))
        out[store_name] = source_name.strip()
    return out
