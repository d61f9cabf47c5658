"""Catalogue texts for reading transactions from a source (a warehouse, #11).

Keys: ``source.``. Same rules as experiments/i18n/messages.py: one entry per key,
``{"ru": ..., "en": ...}``, the same placeholders in both languages.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    "source.reading": {
        "en": "Transactions are read from {source}.",
        "ru": "Транзакции читаются из источника {source}.",
    },
    "source.predictions_cells": {
        "en": "On a source the model's summary comes back as groups of identical customers "
        "with their counts, not one row per customer, so there is no per-customer download.",
        "ru": "Из источника сводка для модели приходит группами одинаковых клиентов с их "
        "числом, а не строкой на клиента, поэтому выгрузки по клиентам нет.",
    },
    "source.rows_ask": {
        "en": "The assignment needs one row per audience customer: {rows} rows would come "
        "back from {source}. Nothing is read until you agree.",
        "ru": "Для распределения нужна строка на каждого клиента аудитории: из источника "
        "{source} придёт строк: {rows}. Ничего не читается, пока вы не согласитесь.",
    },
    "source.rows_confirm": {
        "en": "Read {rows} rows and preview the assignment",
        "ru": "Прочитать строки ({rows}) и показать распределение",
    },
    "source.cells_ask": {
        "en": "The fit brings back {rows} rows from {source}: one per distinct customer "
        "summary (frequency, recency, age, mean spend), nearly one per repeat customer. "
        "Nothing is read until you press the button.",
        "ru": "Для подбора модели из источника {source} придёт строк: {rows} — по одной на "
        "каждую различную сводку клиента (частота, давность, возраст, средний чек), почти "
        "по строке на повторного покупателя. Ничего не читается, пока вы не нажмёте кнопку.",
    },
    "source.projection_ask": {
        "en": "The projection brings back at most {rows} rows from {source}: one per group of "
        "identical customers of the experiment, nearly one per customer who bought after the "
        "levers' direct window. Nothing is read until you press the button.",
        "ru": "Для прогноза из источника {source} придёт не больше строк: {rows} — по одной на "
        "группу одинаковых клиентов эксперимента, почти по строке на клиента, купившего после "
        "прямого окна рычагов. Ничего не читается, пока вы не нажмёте кнопку.",
    },
    "source.cli_cells": {
        "en": "the CLV fit brings back one row per distinct customer summary from {source} "
        "(nearly one per repeat customer)",
        "ru": "для подбора CLV из источника {source} придёт по строке на каждую различную "
        "сводку клиента (почти по строке на повторного покупателя)",
    },
    "source.error": {
        "en": "The transactions cannot be read from the source: {message}",
        "ru": "Не удалось прочитать транзакции из источника: {message}",
    },
}
