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
        "прямого окна механик. Ничего не читается, пока вы не нажмёте кнопку.",
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
    # -- opening and reading a source (experiments/source_engine.py); {error}: the driver's --
    "source.engine.unreachable": {
        "ru": "Источник {source} недоступен: {reason}. Проверьте хост и порт (и что сервер "
        "запущен); ничего не изменено.",
        "en": "Cannot reach the source {source}: {reason}. Check the host and port (and that "
        "the server is running); nothing was changed.",
    },
    "source.engine.package": {
        "ru": "Для чтения {source} нужен пакет Python {package}, он не установлен: {install}",
        "en": "Reading {source} needs the Python package {package}, which is not installed: "
        "{install}",
    },
    "source.engine.cannot_open": {
        "ru": "Не удалось открыть источник {source}: {error}",
        "en": "Cannot open the source {source}: {error}",
    },
    "source.engine.cannot_read": {
        "ru": "Не удалось прочитать источник {source}: {error}",
        "en": "Cannot read the source {source}: {error}",
    },
    "source.engine.on": {"ru": "Источник {source}: {error}", "en": "On {source}: {error}"},
    # -- a source URL or column mapping that cannot be used (experiments/sources.py) --------
    "source.url.port": {
        "ru": "Порт в {url} — не число от 1 до 65535.",
        "en": "The port of {url} is not a number from 1 to 65535.",
    },
    "source.url.not_url": {
        "ru": "{url} — не адрес источника: ожидается схема://..., одна из {schemes}",
        "en": "{url} is not a source URL: expected scheme://..., one of {schemes}",
    },
    "source.url.unknown": {
        "ru": "Неизвестный тип источника {scheme} в {url}: используйте один из {schemes}",
        "en": "Unknown source type {scheme} in {url}: use one of {schemes}",
    },
    "source.url.invalid": {
        "ru": "{url} — некорректный адрес источника: {error}.",
        "en": "{url} is not a valid source address: {error}.",
    },
    "source.url.local_path": {
        "ru": "{url}: источник {scheme} — локальный путь, записывается {scheme}:///путь "
        "(три косые черты)",
        "en": "{url}: a {scheme} source is a local path, written {scheme}:///path (three slashes)",
    },
    "source.url.chdb_dir": {
        "ru": "{url}: для chdb нужна папка: chdb:///путь/к/папке",
        "en": "{url}: chdb needs a directory: chdb:///path/to/dir",
    },
    "source.url.spark_local": {
        "ru": "{url}: локальный Spark записывается spark+local://N, где N >= 1 потоков",
        "en": "{url}: Spark in local mode is spark+local://N with N >= 1 threads",
    },
    "source.url.no_host": {
        "ru": "{url}: не указан хост ({scheme}://ХОСТ:ПОРТ...)",
        "en": "{url}: the host is missing ({scheme}://HOST:PORT...)",
    },
    "source.url.spark_credentials": {
        "ru": "{url}: учётные данные Spark Connect задаются в секретах настроек, а не в адресе",
        "en": "{url}: Spark Connect credentials go in the settings' secrets, not the URL",
    },
    "source.url.one_database": {
        "ru": "{url}: укажите одну базу: clickhouse://ПОЛЬЗОВАТЕЛЬ:ПАРОЛЬ@ХОСТ:ПОРТ/БАЗА",
        "en": "{url}: name one database: clickhouse://USER:PASSWORD@HOST:PORT/DB",
    },
    "source.url.no_user": {
        "ru": "{url}: не указан пользователь: clickhouse://ПОЛЬЗОВАТЕЛЬ:ПАРОЛЬ@ХОСТ...",
        "en": "{url}: the user is missing: clickhouse://USER:PASSWORD@HOST...",
    },
    "source.columns.unknown": {
        "ru": "[source.columns]: {name} — не тот столбец, который читают метрики; "
        "сопоставьте что-то из {columns}",
        "en": "[source.columns]: {name} is not a column the metrics read; map some of {columns}",
    },
    "source.columns.empty": {
        "ru": "[source.columns]: для {name} нужно имя столбца",
        "en": "[source.columns]: {name} needs a column name",
    },
}
