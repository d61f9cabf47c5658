"""Columns: the fields each kind of file has, header synonyms, guesses and explicit mappings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from experiments.escape import quoted
from experiments.i18n.text import PerLanguage, Text, joined
from experiments.ingest import assignments, customers, results, transactions
from experiments.ingest.model import IGNORE, FieldSpec, Kind, Problem, problem
from experiments.store import StoreError

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "transactions": transactions.FIELDS,
    "customers": customers.FIELDS,
    "results": results.FIELDS,
    "assignments": assignments.FIELDS,
}

# Header words per field, English and Russian, written as `normalize_header` leaves them: the
# one list the Data page, the CLI and assignment lists guess columns from.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id", "customer", "customerid", "cust_id", "client", "client_id", "clientid",
        "user_id", "userid", "user", "member_id", "member", "card", "card_id", "card_number",
        "loyalty_id", "buyer_id", "contact_id", "id_клиента", "клиент", "код_клиента",
        "клиент_id", "покупатель", "id_покупателя", "номер_карты", "карта", "пользователь",
        "карта_клиента", "дисконтная_карта", "карта_лояльности", "номер_карты_клиента",
    ),
    "ts": (
        "ts", "date", "datetime", "timestamp", "time", "order_date", "purchase_date",
        "transaction_date", "created_at", "date_time", "дата", "дата_покупки", "дата_и_время",
        "время", "дата_чека", "дата_заказа", "дата_время",
    ),
    "amount": (
        "amount", "sum", "total", "revenue", "sales", "dollar_value", "order_total",
        "order_amount", "purchase_amount", "value", "сумма", "сумма_покупки", "сумма_чека",
        "выручка", "стоимость", "сумма_заказа", "оборот",
    ),
    "order_id": (
        "order_id", "order", "orderid", "order_number", "receipt", "receipt_id", "check_id",
        "transaction_id", "invoice", "invoice_id", "номер_заказа", "заказ", "чек", "номер_чека",
        "id_заказа", "id_чека",
    ),
    "margin": ("margin", "gross_margin", "gross_profit", "profit", "маржа", "валовая_прибыль"),
    "channel": ("channel", "store", "shop", "store_id", "канал", "магазин", "точка_продаж"),
    "discount": (
        "discount", "discount_amount", "discount_value", "скидка", "сумма_скидки", "скидка_руб",
    ),
    "arm": (
        "arm", "group", "segment", "variant", "treatment", "cohort", "test_group", "ab_group",
        "experiment_group", "группа", "вариант", "сегмент", "ветка", "группа_теста",
    ),
    "arm_kind": ("arm_kind", "kind", "lever", "тип", "тип_группы", "рычаг", "механика"),
    "code": ("code", "coupon", "coupon_code", "promo_code", "promocode", "промокод", "купон",
             "код_купона"),
    "discount_pct": ("discount_pct", "discount_percent", "percent_off", "скидка_процент",
                     "процент_скидки", "скидка"),
    "redemption_share": ("redemption_share", "redemption", "доля_погашения"),
    "gift_cost": ("gift_cost", "стоимость_подарка", "подарок_руб"),
    "minutes": ("minutes", "минуты", "минут_на_контакт"),
    "hourly_cost": ("hourly_cost", "стоимость_часа", "час_руб"),
    "custom_cost": ("custom_cost", "cost_per_customer", "cost", "стоимость_на_клиента",
                    "затраты_на_клиента"),
}  # fmt: skip


# -- mapping ---------------------------------------------------------------------------------
class MappingError(StoreError, ValueError):
    """A malformed --map item; the CLI prints the message and exits 2."""


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """Parse ``SOURCE=FIELD`` pairs from the command line into {source column: field}.

    The last ``=`` separates, so a column name may itself contain ``=``. ``SOURCE=-`` leaves
    a column out. Raises MappingError (a StoreError and ValueError) naming the bad item.
    """
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.rpartition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise MappingError(
                Text("ingest.map.bad", item=quoted(item), example="Клиент=customer_id")
            )
        if source in mapping and mapping[source] != target:
            raise MappingError(
                Text(
                    "ingest.map.twice",
                    column=quoted(source),
                    first=mapping[source],
                    second=target,
                )
            )
        mapping[source] = target
    return mapping


def normalize_header(header: str) -> str:
    """A header as `SYNONYMS` writes it: lower case, ё as е, runs of other characters as _."""
    text = header.strip().lower().replace("ё", "е").lstrip("\ufeff")
    return re.sub(r"[^0-9a-zа-я]+", "_", text).strip("_")


def guess_mapping(kind: Kind, columns: Iterable[str]) -> dict[str, str]:
    """Guess {column: field} from English and Russian headers; each field at most once."""
    allowed = {f.name for f in FIELDS[kind]}
    lookup = {
        alias: name for name, aliases in SYNONYMS.items() if name in allowed for alias in aliases
    }
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    columns = list(columns)
    for exact in (True, False):
        for column in columns:
            if column in guessed:
                continue
            key = normalize_header(column)
            name = lookup.get(key)
            if name is None and not exact:
                head = key.split("_")[0]
                name = lookup.get(head)
            if name and name not in taken:
                guessed[column] = name
                taken.add(name)
    return guessed


def resolve_mapping(
    kind: Kind,
    columns: tuple[str, ...],
    mapping: dict[str, str] | None,
    file_name: str,
    optional: tuple[str, ...] = (),
) -> tuple[dict[str, str], list[Problem]]:
    """Merge explicit choices over the guesses and check them against the file and the kind."""
    problems: list[Problem] = []
    explicit = {source: target or IGNORE for source, target in (mapping or {}).items()}
    unknown = [source for source in explicit if source not in columns]
    if unknown:
        problems.append(
            problem(
                "unknown_column",
                Text(
                    "ingest.map.unknown_column",
                    unknown=", ".join(quoted(u) for u in unknown),
                    file=file_name,
                    columns=", ".join(columns),
                ),
            )
        )
    fields = {f.name for f in FIELDS[kind]}
    if kind == "transactions":
        bad = sorted({t for t in explicit.values() if t not in fields and t != IGNORE})
        if bad:
            problems.append(
                problem(
                    "unknown_field",
                    Text(
                        "ingest.map.unknown_field",
                        unknown=", ".join(bad),
                        fields=", ".join(sorted(fields)),
                        ignore=IGNORE,
                    ),
                )
            )
    targets = Counter(t for t in explicit.values() if t in fields)
    doubled = [t for t, n in targets.items() if n > 1]
    if doubled:
        problems.append(
            problem(
                "duplicate_mapping",
                Text("ingest.duplicate_mapping", fields=_field_names(doubled)),
            )
        )
    chosen = {s: t for s, t in explicit.items() if s in columns}
    for source, target in guess_mapping(kind, columns).items():
        if source not in chosen and target not in chosen.values():
            chosen[source] = target
    mapped = set(chosen.values())
    missing = [f.name for f in FIELDS[kind] if f.required and f.name not in mapped | set(optional)]
    if missing:
        hint: object = ""
        if len(columns) == 1:
            hint = Text("ingest.one_column", column=quoted(columns[0][:60]))
        problems.append(
            problem(
                "missing_column",
                Text(
                    "ingest.missing_column",
                    fields=_field_names(missing),
                    file=file_name,
                    columns=", ".join(c[:40] for c in columns),
                    hint=hint,
                ),
            )
        )
    return chosen, problems


def _field_names(names: list[str]) -> PerLanguage:
    """Fields in a message: their own names in English (what --map takes), as people say them
    in Russian ('Сумма', 'Дата и время')."""
    from experiments.i18n.catalogue import t

    return PerLanguage(", ".join(names), ", ".join(f"«{t(f'field.{n}', 'ru')}»" for n in names))


def case_duplicates(
    kind: Kind, columns: tuple[str, ...], chosen: dict[str, str], file_name: str
) -> list[Problem]:
    """Attribute / result-field names that differ only in letter case ('Spend' and 'spend'):
    the store and its queries treat them as one name, so the file is refused, naming them."""
    if kind == "transactions":
        return []
    known = {f.name for f in FIELDS[kind]}
    names = [
        chosen.get(column, column)
        for column in columns
        if chosen.get(column) not in known and chosen.get(column) != IGNORE
    ]
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.casefold(), []).append(name)
    clashes = [
        PerLanguage(" and ".join(map(quoted, group)), " и ".join(map(quoted, group)))
        for group in groups.values()
        if len(group) > 1
    ]
    if not clashes:
        return []
    return [
        problem(
            "duplicate_column",
            Text("ingest.case.duplicates", file=file_name, clashes=joined(clashes[:5], "; ")),
        )
    ]
