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
    "source.partial": {
        "en": "On a source, the CLV projection is not computed yet; the analysis below is "
        "complete.",
        "ru": "В источнике пока не считается прогноз CLV; анализ ниже полный.",
    },
    "source.error": {
        "en": "The transactions cannot be read from the source: {message}",
        "ru": "Не удалось прочитать транзакции из источника: {message}",
    },
}
