"""The session's language and the message catalogue: every key in both languages, the same
placeholders, CLDR plural forms."""

from __future__ import annotations

import re
import threading

import pytest

from experiments import catalogue, config, decision, design, ingest
from experiments.i18n import (
    GLOSSARY,
    LANGUAGES,
    MESSAGES,
    Formatter,
    MissingMessage,
    glossary,
    plural_category,
    resolve_language,
    t,
)
from experiments.i18n.catalogue import PLURAL_CATEGORIES, placeholders


# -- resolve_language --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("explicit", "browser", "expected"),
    [
        ("ru", "en-US", "ru"),  # the link's / sidebar's choice wins over the browser
        ("en", "ru-RU", "en"),
        ("RU", None, "ru"),
        (" en ", "ru", "en"),
        (None, "ru-RU", "ru"),  # no choice: the browser's locale
        (None, "ru", "ru"),
        (None, "ru_RU", "ru"),
        (None, "en-GB", "en"),
        ("", "ru-RU", "ru"),  # an empty ?lang= is no choice
        ("de", "ru-RU", "ru"),  # a language we do not have is ignored, not an error
        (["ru"], "en-US", "en"),  # not a string: ignored
        (None, "uk-UA,ru;q=0.9,en;q=0.8", "ru"),  # Accept-Language: first one we have
        (None, "de-DE", "en"),  # neither: English
        (None, None, "en"),
        (None, "", "en"),
        (None, 42, "en"),
    ],
)
def test_resolve_language_explicit_then_browser_then_english(explicit, browser, expected):
    assert resolve_language(explicit, browser) == expected


def test_two_sessions_resolve_their_own_language_at_the_same_time():
    # nothing process-wide: concurrent sessions in two languages never see each other's
    results: dict[str, list[str]] = {"ru": [], "en": []}
    barrier = threading.Barrier(2)

    def session(lang: str, browser: str) -> None:
        barrier.wait()
        for _ in range(200):
            chosen = resolve_language(None, browser)
            results[lang].append(t("verdict.ship", chosen))

    threads = [
        threading.Thread(target=session, args=("ru", "ru-RU")),
        threading.Thread(target=session, args=("en", "en-US")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results["ru"]) == {"внедрять"}
    assert set(results["en"]) == {"ship"}


# -- the catalogue ----------------------------------------------------------------------------
def _templates(key: str, lang: str) -> list[str]:
    entry = MESSAGES[key][lang]
    return [entry] if isinstance(entry, str) else list(entry.values())


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_a_text_in_both_languages(key):
    assert set(MESSAGES[key]) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert all(template.strip() for template in _templates(key, lang)), (key, lang)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_use_the_same_placeholders(key):
    found = {lang: [placeholders(x) for x in _templates(key, lang)] for lang in LANGUAGES}
    first = found["en"][0]
    for lang in LANGUAGES:
        for names in found[lang]:
            assert names == first, (key, lang, names, first)


@pytest.mark.parametrize("key", sorted(k for k, v in MESSAGES.items() if isinstance(v["ru"], dict)))
def test_plural_messages_have_every_cldr_category_and_show_the_count(key):
    for lang in LANGUAGES:
        entry = MESSAGES[key][lang]
        assert isinstance(entry, dict), (key, lang)
        assert tuple(entry) == PLURAL_CATEGORIES[lang], (key, lang)
        assert all("{count}" in template for template in entry.values()), (key, lang)


def test_russian_text_is_russian_and_english_text_has_no_cyrillic():
    latin_in_both = {
        "app.title",
        "glossary.cuped.term",
        "glossary.bg_nbd.term",
        "lang.en",
        "text.joined",  # messages joined in the language they are rendered in: no words
        "cli.clv.params_sep",  # '; ' in ru (decimal commas), ', ' in en: no words
        "upload.message.assignments",  # two counted nouns, the words are theirs
    }
    for key in MESSAGES:
        en = " ".join(_templates(key, "en"))
        ru = " ".join(_templates(key, "ru"))
        if key != "lang.ru":
            assert not any("а" <= ch.lower() <= "я" for ch in en), key
        if key not in latin_in_both and not key.startswith("decision.headline"):
            assert any("а" <= ch.lower() <= "я" for ch in ru), key


def test_the_catalogue_covers_what_the_pages_need_first():
    keys = set(MESSAGES)
    # verdicts and the 'check the data' label of decision.py
    assert {f"verdict.{v}" for v in decision.VERDICTS} | {"verdict.check_data"} <= keys
    assert {f"arm_kind.{kind}" for kind in design.ARM_KINDS} <= keys
    assert {f"metric.{m.name}" for m in catalogue.METRICS} <= keys
    assert {f"guardrail.{g}" for g in design.GUARDRAILS} <= keys
    assert {f"correction.{c}" for c in config.CORRECTIONS} <= keys
    fields = {spec.name for specs in ingest.FIELDS.values() for spec in specs}
    assert {f"field.{f}" for f in fields} | {f"field.{f}.help" for f in fields} <= keys


def test_english_labels_match_what_the_domain_says_today():
    # the English catalogue is today's text, so translating a page changes nothing in English
    for verdict, label in decision.VERDICT_LABELS.items():
        assert t(f"verdict.{verdict}", "en") == label
    assert t("verdict.check_data", "en") == decision.BLOCKED_LABEL
    for metric in catalogue.METRICS:
        assert t(f"metric.{metric.name}", "en") == metric.label


def test_mapping_form_fields_read_as_people_say_them():
    assert [t(f"field.{f}", "ru") for f in ("customer_id", "ts", "amount")] == [
        "Клиент",
        "Дата и время",
        "Сумма",
    ]
    assert [t(f"field.{f}", "en") for f in ("customer_id", "ts", "amount")] == [
        "Customer",
        "Date and time",
        "Amount",
    ]


def test_glossary_has_every_term_in_both_languages():
    required = {"cuped", "correction", "always_valid", "chance_best", "smd", "salt"}
    required |= {"kaplan_meier", "bg_nbd"}
    assert required <= set(GLOSSARY)
    assert len(set(GLOSSARY)) == len(GLOSSARY)
    for term in GLOSSARY:
        for lang in LANGUAGES:
            text = t(f"glossary.{term}.text", lang)
            assert t(f"glossary.{term}.term", lang)
            sentences = text.count(". ") + 1
            assert 20 < len(text) < 400 and sentences <= 2, (term, lang, text)
    assert t("glossary.bg_nbd.term", "ru") == "BG/NBD и Gamma-Gamma"
    assert "Холма" in t("glossary.correction.term", "ru")
    assert "Benjamini-Hochberg" in t("glossary.correction.term", "en")


# -- t() -----------------------------------------------------------------------------------------
def test_t_inserts_values():
    assert t("decision.headline", "ru", arm="подарок", parts="+5 ₽", verdict="внедрять") == (
        "подарок: +5 ₽; внедрять"
    )
    assert t("decision.matchup.beats", "en", lever="gift", other="discount", diff="RUB 5") == (
        "gift beats discount by RUB 5 net value per customer"
    )


def test_t_fails_loudly_on_a_missing_key_a_missing_value_and_an_unused_value():
    with pytest.raises(MissingMessage, match=r"no message 'verdict\.shipp' in 'ru'"):
        t("verdict.shipp", "ru")
    with pytest.raises(KeyError, match="arm"):
        t("decision.headline", "en", parts="x", verdict="ship")
    with pytest.raises(TypeError, match="does not use colour"):
        t("verdict.ship", "en", colour="red")
    with pytest.raises(TypeError, match="needs a numeric count"):
        t("count.customers", "ru")
    with pytest.raises(TypeError, match="needs a numeric count"):
        t("count.customers", "ru", count="5")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        t("count.customers", "de", count=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "category", "ru", "en"),
    [
        (1, "one", "1 клиент", "1 customer"),
        (2, "few", "2 клиента", "2 customers"),
        (5, "many", "5 клиентов", "5 customers"),
        (11, "many", "11 клиентов", "11 customers"),
        (21, "one", "21 клиент", "21 customers"),
        (22, "few", "22 клиента", "22 customers"),
        (25, "many", "25 клиентов", "25 customers"),
        (1.5, "other", "1,5 клиента", "1.5 customers"),
        (0, "many", "0 клиентов", "0 customers"),
        (111, "many", "111 клиентов", "111 customers"),
        (1234, "few", "1\u00a0234 клиента", "1,234 customers"),  # CLDR groups with U+00A0
    ],
)
def test_plural_forms(count, category, ru, en):
    assert plural_category(count, "ru") == category
    assert t("count.customers", "ru", count=count) == ru
    assert t("count.customers", "en", count=count) == en


@pytest.mark.parametrize(
    ("count", "days", "orders", "arms"),
    [
        (1, "1 день", "1 заказ", "1 группа"),
        (2, "2 дня", "2 заказа", "2 группы"),
        (5, "5 дней", "5 заказов", "5 групп"),
        (21, "21 день", "21 заказ", "21 группа"),
        (1.5, "1,5 дня", "1,5 заказа", "1,5 группы"),
    ],
)
def test_other_russian_nouns(count, days, orders, arms):
    assert t("count.days", "ru", count=count) == days
    assert t("count.orders", "ru", count=count) == orders
    assert t("count.arms", "ru", count=count) == arms


def test_a_plural_sentence_agrees_with_its_number():
    f = Formatter("ru")
    ru = t(
        "decision.reason.needed_customers", "ru", diff="+120 ₽", arm="Подарок", power="80 %",
        arm_count=f.count(21, "customers"), control_count=f.count(1500, "customers"),
    )  # fmt: skip
    assert "ещё примерно на 21 клиент в группе «Подарок» и 1\u00a0500 клиентов в контроле" in ru
    en = t(
        "decision.reason.needed_customers", "en", diff="RUB 5", arm="Gift", power="80%",
        arm_count=Formatter("en").count(1, "customers"),
        control_count=Formatter("en").count(8, "customers"),
    )  # fmt: skip
    assert en.startswith("If the true difference is the RUB 5 seen, extending the test by about")
    assert "about 1 customer in «Gift» and 8 customers in the control" in en


def test_glossary_pairs_in_order():
    ru, en = glossary("ru"), glossary("en")
    assert len(ru) == len(en) == len(GLOSSARY)
    assert ru[0] == (
        "CUPED",
        "Поправка на то, как клиенты покупали до эксперимента. Сравнение групп становится "
        "точнее — тот же ответ при меньшем числе клиентов, — а сам эффект не меняется.",
    )
    assert [term for term, _ in en][:3] == [
        "CUPED",
        "Holm / Benjamini-Hochberg correction",
        "Always-valid interval",
    ]


@pytest.mark.parametrize(
    ("count", "ru"),
    [
        (1, "1 клиент распределён"),
        (3, "3 клиента распределены"),
        (21, "21 клиент распределён"),
        (25, "25 клиентов распределены"),
    ],
)
def test_a_data_warning_agrees_with_its_number(count, ru):
    assert t("warning.assigned_after_data_end", "ru", count=count).startswith(
        f"{ru} после последней транзакции в базе"
    )
    english = t("warning.assigned_after_data_end", "en", count=count)
    assert english.startswith(f"{count} customer{'' if count == 1 else 's'} w")


def _russian_texts() -> list[tuple[str, str]]:
    """Every Russian template (plural forms each) with its key."""
    out = []
    for key, entry in MESSAGES.items():
        ru = entry["ru"]
        for text in ru.values() if isinstance(ru, dict) else [ru]:
            out.append((key, text))
    return out


def test_no_russian_interval_is_followed_by_another_do():
    """#12: '… от {low} до {high} до поправки' read the second 'до' as 'up to'."""
    import re

    after = re.compile(r"от \{low\} до \{high\}[^.;{]*\bдо\b")
    bad = [key for key, text in _russian_texts() if after.search(text)]
    assert not bad, bad


def test_russian_names_one_term_per_concept():
    """#12: the levers are 'механики' (not 'рычаги'); the correction 'поправка Холма' (not
    'Holm'); the data's margin and the store's rate are not both 'маржинальность'."""
    texts = _russian_texts()
    assert not [k for k, text in texts if "рычаг" in text.lower()]
    assert not [k for k, text in texts if "поправка Holm" in text]
    assert not [k for k, text in texts if "маржинальность" in text]
    assert t("cli.clv.margin_rate", "ru") != t("cli.settings.margin_rate", "ru")
    assert t("cli.clv.margin_rate", "en") != t("cli.settings.margin_rate", "en")


def test_net_value_is_chisty_dokhod_everywhere_in_russian():
    """#12: net value is «чистый доход» in every case, never «чистая ценность», «чистая
    выручка» or «нетто»; every message whose English says 'net value' says it."""
    import re

    other = re.compile(r"чист\w+\s+(?:ценност|выручк|прибыл)|нетто", re.IGNORECASE)
    texts = _russian_texts()
    assert not [(k, text) for k, text in texts if other.search(text)]
    dokhod = re.compile(r"чист\w+\s+доход", re.IGNORECASE)
    for key in MESSAGES:
        if "net value" in " ".join(_templates(key, "en")).lower().replace("\n", " "):
            assert dokhod.search(" ".join(_templates(key, "ru"))), key


# -- #12.5: every count meets its noun in the form Babel's CLDR rule gives ------------------------
def _cldr_ru(n: int) -> str:
    """Russian's CLDR plural rule for whole numbers, written out independently of our code."""
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


@pytest.mark.parametrize(
    ("noun", "forms"),
    [
        ("customers", ("клиент", "клиента", "клиентов")),
        ("transactions", ("транзакция", "транзакции", "транзакций")),
        ("orders", ("заказ", "заказа", "заказов")),
        ("days", ("день", "дня", "дней")),
        ("arms", ("группа", "группы", "групп")),
        ("rows", ("строка", "строки", "строк")),
    ],
)
def test_every_count_from_0_to_200_takes_babel_s_form(noun, forms):
    from babel import Locale

    rule = Locale("ru").plural_form
    for n in range(201):
        assert rule(n) == _cldr_ru(n), n  # Babel's rule is the one we write down
        word = dict(zip(("one", "few", "many"), forms, strict=True))[rule(n)]
        assert t(f"count.{noun}", "ru", count=n) == f"{n} {word}", n


def _sample_values(key: str) -> dict[str, object]:
    return {name: "X" for name in placeholders(" ".join(_templates(key, "en"))) if name != "count"}


@pytest.mark.parametrize("key", sorted(k for k, v in MESSAGES.items() if isinstance(v["ru"], dict)))
def test_a_plural_message_picks_the_form_babel_names_for_0_to_200(key):
    from babel import Locale

    rule = Locale("ru").plural_form
    values = _sample_values(key)
    for n in range(201):
        expected = MESSAGES[key]["ru"][rule(n)].format(count=n, **values)  # type: ignore[index]
        assert t(key, "ru", count=n, **values) == expected, (key, n)


# a count placeholder followed by a noun in one fixed form ('{customers} клиентов'): wrong for
# 1, 21, 2-4 ...; such a message must be a plural one with {count}
_COUNT_NAMES = (
    r"(?:n|count|rows|customers|replicates|iterations|days|orders|arms|assigned|bootstrap)"
)
_FIXED_NOUN = re.compile(
    r"\{" + _COUNT_NAMES + r"\}\s+(?:из\s+\{\w+\}\s+)?"
    r"(?:клиент|строк|заказ|групп|дн(?:ей|я)\b|день|повтор|итерац|транзакц|бутстрэп-повтор)"
)


def test_no_russian_count_meets_a_noun_in_a_fixed_form():
    fixed = [(k, text) for k, text in _russian_texts() if _FIXED_NOUN.search(text)]
    fixed = [(k, text) for k, text in fixed if not isinstance(MESSAGES[k]["ru"], dict)]
    assert not fixed, fixed
