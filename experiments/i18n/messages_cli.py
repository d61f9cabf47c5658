"""Catalogue texts for the command line's human messages.

Keys: ``cli.``; JSON output stays locale-neutral (numbers as numbers, field names unchanged).
The English texts are the command line's own words from before it spoke Russian, so a script
reading the English output sees what it always saw.

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    "cli.error": {"ru": "ошибка: {message}", "en": "error: {message}"},
    "cli.interrupted": {
        "ru": "прервано: незавершённый шаг ничего не записал",
        "en": "interrupted: nothing was written by the unfinished step",
    },
    "cli.new_store": {
        "ru": "внимание: базы {path} не было; там создана новая база.",
        "en": "note: there was no store at {path}; created a new store there.",
    },
    "cli.no_experiment": {
        "ru": "нет эксперимента с номером или названием {name}; список: "
        "`python -m experiments list`",
        "en": "no experiment with id or name {name}; `python -m experiments list` shows them",
    },
    "cli.cap_both": {
        "ru": "укажите либо --cap, либо --no-cap, но не оба",
        "en": "give either --cap or --no-cap, not both",
    },
    "cli.demo_own_data": {
        "ru": "В базе ваши собственные данные (загрузки или эксперименты): `demo` заменит их "
        "все демо-данными. Добавьте --yes, чтобы заменить, или укажите другой файл через --db.",
        "en": "The store holds your own data (uploads or experiments): `demo` would replace all "
        "of it with the demo. Add --yes to replace it, or use --db with another file.",
    },
    "cli.list.empty": {"ru": "Экспериментов пока нет.", "en": "No experiments yet."},
    "cli.mark.demo": {"ru": "демо", "en": "demo"},
    "cli.mark.archived": {"ru": "в архиве", "en": "archived"},
    "cli.status.draft": {"ru": "черновик", "en": "draft"},
    "cli.status.running": {"ru": "идёт", "en": "running"},
    "cli.status.completed": {"ru": "завершён", "en": "completed"},
    "cli.delete.confirm": {
        "ru": "эксперимент {id} {name} будет удалён вместе с назначениями и результатами "
        "безвозвратно; запустите ещё раз с --yes, чтобы подтвердить",
        "en": "this deletes experiment {id} {name} with its assignments and results for good; "
        "run again with --yes to confirm",
    },
    "cli.archive.archived": {
        "ru": "Эксперимент {id} {name} перенесён в архив.",
        "en": "Experiment {id} {name} is archived.",
    },
    "cli.archive.restored": {
        "ru": "Эксперимент {id} {name} возвращён из архива.",
        "en": "Experiment {id} {name} is back from the archive.",
    },
    "cli.uploads.empty": {"ru": "Загрузок пока нет.", "en": "No uploads yet."},
    "cli.assignments.none": {
        "ru": "у эксперимента {name} ещё нет назначений (статус {status}); сначала запустите его",
        "en": "experiment {name} has no assignments yet (status {status}); start it first",
    },
    "cli.assignments.out": {
        "ru": "--out должен оканчиваться на .csv или .xlsx, а не {name}",
        "en": "--out must end in .csv or .xlsx, not {name}",
    },
    "cli.assignments.written": {
        "ru": "{customers} эксперимента {name} записаны в {path}",
        "en": "{customers} of {name} written to {path}",
    },
    "cli.report.out": {
        "ru": "--out должен указывать на файл .html, а не {name}",
        "en": "--out must name an .html file, not {name}",
    },
    "cli.cannot_write": {
        "ru": "не удалось записать {path}: {reason}",
        "en": "cannot write {path}: {reason}",
    },
    "cli.report.written": {
        "ru": "Отчёт по {name} ({horizon}) записан в {path}",
        "en": "Wrote the report for {name} ({horizon}) to {path}",
    },
    "cli.report.file_horizon": {"ru": "файл результатов кампании", "en": "campaign result file"},
    "cli.report.horizon": {
        "ru": {
            "one": "горизонт {count} день",
            "few": "горизонт {count} дня",
            "many": "горизонт {count} дней",
            "other": "горизонт {count} дня",
        },
        "en": {"one": "{count}-day horizon", "other": "{count}-day horizon"},
    },
    "cli.analyze.header": {
        "ru": {
            "one": "{name}: горизонт {count} день, данные по {last}",
            "few": "{name}: горизонт {count} дня, данные по {last}",
            "many": "{name}: горизонт {count} дней, данные по {last}",
            "other": "{name}: горизонт {count} дня, данные по {last}",
        },
        "en": {
            "one": "{name}: {count}-day horizon, data to {last}",
            "other": "{name}: {count}-day horizon, data to {last}",
        },
    },
    "cli.analyze.status": {"ru": "статус: {status}", "en": "status: {status}"},
    "cli.analyze.rule": {
        "ru": "Правило вердикта зафиксировано при дизайне: {rule}.",
        "en": "Verdict rule fixed at design: {rule}.",
    },
    "cli.analyze.exploratory": {
        "ru": {
            "one": "Исследовательский вид: {differences}. Вердикты следуют правилу (срок "
            "{count} день).",
            "few": "Исследовательский вид: {differences}. Вердикты следуют правилу (срок "
            "{count} дня).",
            "many": "Исследовательский вид: {differences}. Вердикты следуют правилу (срок "
            "{count} дней).",
            "other": "Исследовательский вид: {differences}. Вердикты следуют правилу (срок "
            "{count} дня).",
        },
        "en": {
            "one": "Exploratory view: {differences}. The verdicts follow the rule "
            "(read at {count} days).",
            "other": "Exploratory view: {differences}. The verdicts follow the rule "
            "(read at {count} days).",
        },
    },
    "cli.warning_kind.srm": {"ru": "перекос групп (SRM)", "en": "srm"},
    "cli.warning_kind.imbalance": {"ru": "дисбаланс групп", "en": "imbalance"},
    "cli.warning_kind.short_window": {"ru": "короткое окно", "en": "short_window"},
    "cli.warning_kind.data": {"ru": "данные", "en": "data"},
    "cli.warning_kind.insufficient_data": {"ru": "мало данных", "en": "insufficient_data"},
    "cli.warning_kind.discount_estimated": {
        "ru": "оценка затрат на скидку",
        "en": "discount_estimated",
    },
    "cli.money_effects": {"ru": "денежные эффекты: {label}", "en": "money effects: {label}"},
    "cli.srm": {
        "ru": "SRM, p-значение: {p}  (перекос: {mismatch})",
        "en": "SRM p-value: {p}  (mismatch: {mismatch})",
    },
    "cli.yes": {"ru": "да", "en": "True"},
    "cli.no": {"ru": "нет", "en": "False"},
    "cli.arm_line": {
        "ru": "{arm:>16}  n={n}  наблюдается={observed}  {means}",
        "en": "{arm:>16}  n={n}  observed={observed}  {means}",
    },
    "cli.effect_line": {
        "ru": "{arm:>16} {metric:>16} {method:>6}  разница={diff}  ДИ=[{low}, {high}]  p_скорр={p}",
        "en": "{arm:>16} {metric:>16} {method:>6}  diff={diff}  CI=[{low}, {high}]  p_adj={p}",
    },
    "cli.effect_missing": {
        "ru": "{arm:>16} {metric:>16} {method:>6}  мало данных: {note}",
        "en": "{arm:>16} {metric:>16} {method:>6}  insufficient data: {note}",
    },
    "cli.warning": {
        "ru": "предупреждение ({kind}): {message}",
        "en": "warning ({kind}): {message}",
    },
    "cli.insufficient": {"ru": "мало данных: {note}", "en": "insufficient data: {note}"},
    # -- stats: what is in the store (English: the JSON field names, as always) ------------
    "cli.stats.customers": {"ru": "клиентов", "en": "customers"},
    "cli.stats.transactions": {"ru": "транзакций", "en": "transactions"},
    "cli.stats.experiments": {"ru": "экспериментов", "en": "experiments"},
    "cli.stats.first_ts": {"ru": "первая транзакция", "en": "first_ts"},
    "cli.stats.last_ts": {"ru": "последняя транзакция", "en": "last_ts"},
    "cli.stats.revenue": {"ru": "выручка", "en": "revenue"},
    "cli.stats.buyers": {"ru": "покупателей", "en": "buyers"},
    "cli.stats.repeat_buyers": {"ru": "купили повторно", "en": "repeat_buyers"},
    "cli.stats.repeat_share": {"ru": "доля повторных", "en": "repeat_share"},
    "cli.stats.campaign_result_rows": {
        "ru": "строк итогов кампаний",
        "en": "campaign_result_rows",
    },
    "cli.stats.uploads": {"ru": "загрузок", "en": "uploads"},
    # -- settings ----------------------------------------------------------------------------
    "cli.settings.store": {"ru": "настройка магазина", "en": "store setting"},
    "cli.settings.default": {"ru": "по умолчанию", "en": "default"},
    "cli.settings.margin_rate": {"ru": "маржинальность", "en": "margin rate"},
    "cli.settings.currency": {"ru": "валюта", "en": "currency"},
    "cli.settings.both": {
        "ru": "укажите либо {option}, либо {reset}, но не оба",
        "en": "give either {option} or {reset}, not both",
    },
    # -- uploads -----------------------------------------------------------------------------
    "cli.uploads.status.loaded": {"ru": "загружено", "en": "loaded"},
    "cli.uploads.status.failed": {"ru": "ошибка", "en": "failed"},
    "cli.uploads.status.removed": {"ru": "удалено", "en": "removed"},
    # -- register ----------------------------------------------------------------------------
    "cli.register.sent_on_date": {
        "ru": "--sent-on {value}: это не дата (ГГГГ-ММ-ДД)",
        "en": "--sent-on {value} is not a date (YYYY-MM-DD)",
    },
    "cli.register.sent_on_future": {
        "ru": "--sent-on {value}: дата в будущем",
        "en": "--sent-on {value} is in the future",
    },
    "cli.register.pair": {
        "ru": "{option} ожидает ГРУППА=ЗНАЧЕНИЕ, а получено {item}",
        "en": "{option} wants ARM=VALUE, got {item}",
    },
    "cli.register.not_number": {
        "ru": "{option} {item}: {value} — не число",
        "en": "{option} {item}: {value} is not a number",
    },
    "cli.register.negative": {
        "ru": "{option} {item}: значение не может быть отрицательным",
        "en": "{option} {item}: the value cannot be negative",
    },
    "cli.register.nothing": {
        "ru": "{file}: ничего не зарегистрировано. {problems}",
        "en": "{file}: nothing registered. {problems}",
    },
    "cli.register.unknown_arms": {
        "ru": "в {file} нет групп {names}; группы файла: {arms}",
        "en": "no arm {names} in {file}; its arms are: {arms}",
    },
    "cli.register.bad_kind": {
        "ru": "--arm-kind {arm}={kind}: типы групп — {kinds}",
        "en": "--arm-kind {arm}={kind}: kinds are {kinds}",
    },
    "cli.register.not_discount": {
        "ru": "--discount {arm}: у группы тип «{kind}», а не скидка",
        "en": "--discount {arm}: the arm is {kind}, not a discount",
    },
    "cli.register.no_fixed_cost": {
        "ru": "--cost {arm}: у группы типа «{kind}» нет фиксированных затрат на клиента "
        "(затраты на скидку — это процент скидки: используйте --discount)",
        "en": "--cost {arm}: a {kind} arm has no fixed cost per customer "
        "(a discount's cost is the percent off: use --discount)",
    },
    "cli.register.discount": {"ru": ", скидка {percent}", "en": ", {percent} off"},
    "cli.register.done": {
        "ru": "Зарегистрирован эксперимент {name} (№ {id}): {customers}, список отправлен "
        "{sent_on}, группы: {arms}.",
        "en": "Registered {name} (experiment {id}): {customers} sent on {sent_on}, arms {arms}.",
    },
    # -- load, demo, progress -----------------------------------------------------------------
    "cli.source.reading": {
        "ru": "транзакции читаются из {source}",
        "en": "reading transactions from {source}",
    },
    "cli.out_of_memory": {
        "ru": "DuckDB не хватило памяти ({detail}). Увеличьте или снимите ограничение: "
        "LOYALTY_LAB_DUCKDB_MEMORY=4GB (или пусто — по умолчанию DuckDB, 80% памяти).",
        "en": "DuckDB ran out of memory ({detail}). Raise or remove the limit: "
        "LOYALTY_LAB_DUCKDB_MEMORY=4GB (or empty for DuckDB's default, 80% of the RAM).",
    },
    "cli.allocation": {
        "ru": "--allocation ожидает ГРУППА=ВЕС, а получено {item}",
        "en": "--allocation wants ARM=WEIGHT, got {item}",
    },
    "cli.until_date": {
        "ru": "--until {value}: это не дата (ГГГГ-ММ-ДД)",
        "en": "--until {value} is not a date (YYYY-MM-DD)",
    },
    "cli.currency_code": {
        "ru": "{value} — не код валюты ISO 4217 (RUB, EUR)",
        "en": "{value} is not an ISO 4217 currency code (RUB, EUR)",
    },
    # -- analyze and analyze-file: the diagnostic lines --------------------------------------
    "cli.file_effect_line": {
        "ru": "{arm:>24} {metric:>14} {method:>6}  разница={diff}  ДИ=[{low}, {high}]"
        "  p={p}  p_скорр={p_adjusted}",
        "en": "{arm:>24} {metric:>14} {method:>6}  diff={diff}  CI=[{low}, {high}]"
        "  p={p}  p_adj={p_adjusted}",
    },
    "cli.file_effect_missing": {
        "ru": "{arm:>24} {metric:>14} {method:>6}  мало данных: {note}",
        "en": "{arm:>24} {metric:>14} {method:>6}  insufficient data: {note}",
    },
    # -- clv ---------------------------------------------------------------------------------
    "cli.clv.source": {
        "ru": "прогноз CLV по группам пока не читает источник ({source}): запустите его по базе "
        "или без --experiment для модели по всей базе",
        "en": "the per-arm CLV projection does not read a source yet ({source}): run it on the "
        "store, or without --experiment for the store-wide fit",
    },
    "cli.clv.arm": {
        "ru": "{arm:>20} ({kind}) n={n}  фактическая маржа на клиента={observed}  прогноз CLV "
        "на {months} мес.={projected}  разница с контролем={difference} [{low}, {high}]  "
        "{message}",
        "en": "{arm:>20} ({kind}) n={n}  observed margin/customer={observed}  projected "
        "{months}-month CLV={projected}  vs control={difference} [{low}, {high}]  {message}",
    },
    "cli.clv.check": {
        "ru": "{indent:>20}   проверка на последних {days} дн.: прогноз разницы с "
        "контролем={predicted}  факт={actual} [{low}, {high}]  {outcome}",
        "en": "{indent:>20}   check on the last {days} days: predicted vs control={predicted}"
        "  actual={actual} [{low}, {high}]  {outcome}",
    },
    "cli.clv.passed": {"ru": "пройдена", "en": "passed"},
    "cli.clv.failed": {"ru": "не пройдена", "en": "failed"},
    "cli.clv.until": {"ru": "история до", "en": "until"},
    "cli.clv.time_unit": {"ru": "единица времени", "en": "time_unit"},
    "cli.clv.unit.weeks": {"ru": "неделя", "en": "weeks"},
    "cli.clv.unit.days": {"ru": "день", "en": "days"},
    "cli.clv.customers": {"ru": "клиентов", "en": "customers"},
    "cli.clv.repeat_customers": {"ru": "с повторной покупкой", "en": "repeat_customers"},
    "cli.clv.converged": {"ru": "модель сошлась", "en": "converged"},
    "cli.clv.bgnbd": {"ru": "модель BG/NBD", "en": "bgnbd"},
    "cli.clv.gamma_gamma": {"ru": "модель Gamma-Gamma", "en": "gamma_gamma"},
    "cli.clv.mean": {"ru": "средний CLV за {months} мес.", "en": "mean {months}-month CLV"},
    "cli.clv.median": {"ru": "медианный CLV", "en": "median CLV"},
    "cli.clv.p90": {"ru": "90-й процентиль CLV", "en": "90th percentile CLV"},
    "cli.clv.total": {"ru": "CLV всей базы", "en": "total CLV"},
    "cli.clv.purchases": {
        "ru": "дней с покупкой впереди (в среднем)",
        "en": "mean purchase days ahead",
    },
    "cli.clv.alive": {
        "ru": "вероятность, что клиент ещё с вами",
        "en": "mean probability still active",
    },
    "cli.clv.margin_rate": {"ru": "маржинальность", "en": "margin rate"},
}
