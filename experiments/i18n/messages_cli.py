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
    "cli.horizon_invalid": {
        "ru": "--horizon {value}: горизонт должен быть целым числом дней больше 0 и не больше "
        "{most}",
        "en": "--horizon {value}: the horizon must be a whole number of days above 0 and at "
        "most {most}",
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
    "cli.mark.split_assumed": {"ru": "деление принято равным", "en": "equal split assumed"},
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
    "cli.set_split.done": {
        "ru": "Плановое деление эксперимента {id} {name}: {plan}. Проверка размеров групп "
        "сравнивает их с ним.",
        "en": "Experiment {id} {name} now has the planned split {plan}; the sample-ratio check "
        "compares the arm sizes with it.",
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
        "ru": "{arm:>16} {metric:>16} {method:>6}  разница={diff}  ДИ от {low} до {high}  "
        "p с поправкой={p}",
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
    "cli.settings.margin_rate": {"ru": "ставка маржи", "en": "margin rate"},
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
        "ru": "{option} ожидает ГРУППА=ВЕС с положительным весом, а получено {item}",
        "en": "{option} wants ARM=WEIGHT with a positive weight, got {item}",
    },
    "cli.split.results_only": {
        "ru": "--split задаёт плановое деление файла итогов; для загрузки «{kind}» оно не нужно",
        "en": "--split gives the planned split of a results file; loading {kind} takes none",
    },
    "cli.until_date": {
        "ru": "--until {value}: это не дата (ГГГГ-ММ-ДД)",
        "en": "--until {value} is not a date (YYYY-MM-DD)",
    },
    # -- analyze and analyze-file: the diagnostic lines --------------------------------------
    "cli.file_effect_line": {
        "ru": "{arm:>24} {metric:>14} {method:>6}  разница={diff}  ДИ от {low} до {high}"
        "  p={p}  p с поправкой={p_adjusted}",
        "en": "{arm:>24} {metric:>14} {method:>6}  diff={diff}  CI=[{low}, {high}]"
        "  p={p}  p_adj={p_adjusted}",
    },
    "cli.file_effect_missing": {
        "ru": "{arm:>24} {metric:>14} {method:>6}  мало данных: {note}",
        "en": "{arm:>24} {metric:>14} {method:>6}  insufficient data: {note}",
    },
    # -- clv ---------------------------------------------------------------------------------
    "cli.clv.arm": {
        "ru": "{arm:>20} ({kind}) n={n}  фактическая маржа на клиента={observed}  прогноз CLV "
        "на {months} мес.={projected}  разница с контролем={difference} (от {low} до {high})  "
        "{message}",
        "en": "{arm:>20} ({kind}) n={n}  observed margin/customer={observed}  projected "
        "{months}-month CLV={projected}  vs control={difference} [{low}, {high}]  {message}",
    },
    "cli.clv.check": {
        "ru": "{indent:>20}   проверка на последних {days} дн.: прогноз разницы с "
        "контролем={predicted}  факт={actual} (от {low} до {high})  {outcome}",
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
    "cli.clv.margin_rate": {"ru": "маржа в данных", "en": "margin in the data"},
    "cli.clv.params_sep": {"ru": "; ", "en": ", "},  # decimal commas in ru: not ", "
    # -- argparse: the help of every command and option (`--help` in the run's language) --
    "cli.help.description": {
        "ru": "Loyalty Lab: эксперименты с программой лояльности на ваших собственных транзакциях, "
        "в деньгах.",
        "en": "Loyalty Lab: loyalty experiments on your own transactions, in money.",
    },
    "cli.help.db": {
        "ru": "файл базы (по умолчанию: ${env} или {path})",
        "en": "store file (default: ${env} or {path})",
    },
    "cli.help.source": {
        "ru": "читать транзакции по адресу URL: duckdb:///ФАЙЛ, spark://ХОСТ:ПОРТ, spark+local://N,"
        " clickhouse://ПОЛЬЗОВАТЕЛЬ@ХОСТ:ПОРТ/БАЗА (пароль в $LOYALTY_LAB_SOURCE_PASSWORD или"
        " [source] password в .streamlit/secrets.toml), chdb:///ПАПКА (по умолчанию: "
        "$LOYALTY_LAB_SOURCE, иначе [source] url в .streamlit/secrets.toml, иначе сама база)",
        "en": "read the transactions from URL: duckdb:///FILE, spark://HOST:PORT, spark+local://N, "
        "clickhouse://USER@HOST:PORT/DB (password in $LOYALTY_LAB_SOURCE_PASSWORD or [source]"
        " password in .streamlit/secrets.toml), chdb:///DIR (default: $LOYALTY_LAB_SOURCE, "
        "else [source] url in .streamlit/secrets.toml, else the store itself)",
    },
    "cli.help.lang": {
        "ru": "язык сообщений и отчёта: ru или en (по умолчанию: $LOYALTY_LAB_LANG, затем язык "
        "системы $LC_ALL / $LC_MESSAGES / $LANG, затем английский); --json одинаков на обоих",
        "en": "language of the human messages and the report: ru or en (default: $LOYALTY_LAB_LANG,"
        " then the system locale $LC_ALL / $LC_MESSAGES / $LANG, then English); --json is the"
        " same in both",
    },
    "cli.help.experiment": {
        "ru": "название эксперимента или его номер, если эксперимента с таким названием нет",
        "en": "experiment name, or its id when no experiment has that name",
    },
    "cli.help.experiment_id_or_name": {
        "ru": "номер или название эксперимента",
        "en": "experiment id or name",
    },
    "cli.help.json": {
        "ru": "вывод для программ (JSON), одинаковый на всех языках",
        "en": "machine-readable output (JSON), the same in every language",
    },
    "cli.help.cap": {
        "ru": "обрезать денежные метрики по общему 99-му процентилю: оценивается разница "
        "винзоризованных средних, а не разница в деньгах (по умолчанию выключено)",
        "en": "winsorise money metrics at the pooled 99th percentile: estimates the winsorised mean"
        " difference, not the money difference (default: off)",
    },
    "cli.help.no_cap": {
        "ru": "не обрезать денежные метрики (по умолчанию)",
        "en": "do not cap money metrics (default)",
    },
    "cli.help.horizon": {
        "ru": "по умолчанию — горизонт эксперимента",
        "en": "default: the experiment's",
    },
    "cli.help.no_covariate": {
        "ru": "без строк CUPED",
        "en": "no CUPED rows",
    },
    "cli.help.correction": {
        "ru": "по умолчанию — поправка правила дизайна (Холма, если при дизайне не выбрана другая)",
        "en": "default: the design rule's (holm unless the design chose otherwise)",
    },
    "cli.help.confidence": {
        "ru": "уровень доверия интервалов: 90, 95 или 99 (по умолчанию — из правила дизайна)",
        "en": "confidence level of the intervals, 90, 95 or 99 (default: the design rule's)",
    },
    "cli.help.demo": {
        "ru": "заменить содержимое базы демо-данными (с фиксированным seed)",
        "en": "replace the store's contents with the seeded demo data set",
    },
    "cli.help.demo.customers": {
        "ru": "сколько клиентов создать (по умолчанию {default})",
        "en": "how many customers to generate (default {default})",
    },
    "cli.help.seed": {
        "ru": "seed генератора случайных чисел (по умолчанию {default})",
        "en": "seed of the random numbers (default {default})",
    },
    "cli.help.demo.yes": {
        "ru": "заменить и базу, в которой есть ваши собственные данные",
        "en": "replace a store that holds your own data too",
    },
    "cli.help.load": {
        "ru": "загрузить файл транзакций, клиентов или итогов кампании",
        "en": "load a transactions, customers or campaign results file",
    },
    "cli.help.load.kind": {
        "ru": "что в файле: transactions (транзакции), customers (клиенты) или results (итоги "
        "кампании)",
        "en": "what the file holds: transactions, customers or results",
    },
    "cli.help.file": {
        "ru": "файл",
        "en": "the file",
    },
    "cli.help.load.map": {
        "ru": "сопоставить столбец файла полю (можно повторять), например --map Клиент=customer_id",
        "en": "map a column of the file to a field (repeatable), e.g. --map Client=customer_id",
    },
    "cli.help.load.experiment": {
        "ru": "итоги кампании: эксперимент, к которому их привязать (номер или название; новое "
        "название создаёт эксперимент)",
        "en": "campaign results: the experiment to attach to (id or name; a new name creates it)",
    },
    "cli.help.load.valid_rows": {
        "ru": "загрузить корректные строки файла с ошибками в строках, а остальные отложить",
        "en": "load the valid rows of a file with row errors and set the others aside",
    },
    "cli.help.load.set_aside": {
        "ru": "записать незагруженные строки (без клиента, строки итогов, ошибки) в этот файл",
        "en": "write the rows not loaded (no customer, totals rows, errors) to this file",
    },
    "cli.help.split": {
        "ru": "плановое деление по группам, ГРУППА=ВЕС, для каждой группы (например "
        "--split Контроль=8 --split Подарок=1 --split Скидка=1; веса нормируются); без него "
        "деление считается равным. С ним сравниваются размеры групп (проверка перекоса)",
        "en": "the planned split, ARM=WEIGHT for every arm (e.g. --split control=8 --split "
        "gift=1 --split discount=1; weights are normalised); without it the split is taken "
        "as equal. The arm sizes are checked against it (sample-ratio check)",
    },
    "cli.help.register": {
        "ru": "зарегистрировать список «клиент → группа», распределённый в другой системе",
        "en": "register a customer -> arm list randomized elsewhere",
    },
    "cli.help.register.file": {
        "ru": "CSV (любой разделитель, UTF-8 или Windows-1251), XLSX или Parquet",
        "en": "CSV (any delimiter, UTF-8 or Windows-1251), XLSX or Parquet",
    },
    "cli.help.register.name": {
        "ru": "название эксперимента",
        "en": "experiment name",
    },
    "cli.help.register.sent_on": {
        "ru": "день отправки списка",
        "en": "day the list was sent",
    },
    "cli.help.register.map": {
        "ru": "сопоставить столбец полю customer_id, arm, arm_kind, code или полю затрат (можно "
        "повторять)",
        "en": "map a column to customer_id, arm, arm_kind, code or a cost field (repeatable)",
    },
    "cli.help.register.arm_kind": {
        "ru": "что получила группа (можно повторять); по умолчанию — столбец arm_kind файла, иначе "
        "custom",
        "en": "what the arm got (repeatable); default: the file's arm_kind column, else custom",
    },
    "cli.help.register.cost": {
        "ru": "фиксированные затраты на клиента для подарка, контакта (за контакт) или другой "
        "механики",
        "en": "fixed cost per customer of a gift, outreach (per contact) or custom arm",
    },
    "cli.help.register.discount": {
        "ru": "процент скидки",
        "en": "percent off",
    },
    "cli.help.register.control": {
        "ru": "контрольная группа (по умолчанию определяется сама)",
        "en": "the control arm (default: detected)",
    },
    "cli.help.register.metric": {
        "ru": "основная метрика (по умолчанию {default})",
        "en": "primary metric (default {default})",
    },
    "cli.help.register.horizon": {
        "ru": "горизонт в днях (по умолчанию {default})",
        "en": "horizon in days (default {default})",
    },
    "cli.help.register.hypothesis": {
        "ru": "гипотеза эксперимента",
        "en": "the experiment's hypothesis",
    },
    "cli.help.delete": {
        "ru": "удалить эксперимент вместе с назначениями и итогами",
        "en": "delete an experiment with its assignments and results",
    },
    "cli.help.delete.yes": {
        "ru": "подтвердить: удаление нельзя отменить",
        "en": "confirm: the deletion cannot be undone",
    },
    "cli.help.set_split": {
        "ru": "задать плановое деление эксперимента из файла итогов или зарегистрированного "
        "списка (деление запущенного дизайна задано при запуске)",
        "en": "set the planned split of an experiment made from a results file or a registered "
        "list (a designed experiment's split was fixed at launch)",
    },
    "cli.help.set_split.weights": {
        "ru": "ГРУППА=ВЕС для каждой группы (например Контроль=9 Рассылка=1; веса нормируются)",
        "en": "ARM=WEIGHT for every arm (e.g. control=9 mailing=1; weights are normalised)",
    },
    "cli.help.archive": {
        "ru": "перенести эксперимент в архив (он сохранится, но не будет мешать)",
        "en": "archive an experiment (kept, out of the way)",
    },
    "cli.help.archive.undo": {
        "ru": "вернуть его из архива",
        "en": "bring it back from the archive",
    },
    "cli.help.stats": {
        "ru": "что лежит в базе",
        "en": "what is in the store",
    },
    "cli.help.list": {
        "ru": "список экспериментов",
        "en": "list experiments",
    },
    "cli.help.uploads": {
        "ru": "история загрузок",
        "en": "upload history",
    },
    "cli.help.remove_upload": {
        "ru": "удалить строки загрузки и её запись в истории",
        "en": "remove an upload's rows and its audit entry",
    },
    "cli.help.remove_upload.id": {
        "ru": "номер загрузки (см. uploads)",
        "en": "the upload's number (see uploads)",
    },
    "cli.help.analyze_file": {
        "ru": "эффекты по файлу итогов (столбец группы + метрики)",
        "en": "effects from a results file (arm column + metrics)",
    },
    "cli.help.analyze_file.file": {
        "ru": ".csv, .parquet или .xlsx, одна строка на клиента",
        "en": ".csv, .parquet or .xlsx, one row per customer",
    },
    "cli.help.analyze_file.arm": {
        "ru": "столбец с названием группы",
        "en": "column with the arm label",
    },
    "cli.help.analyze_file.control": {
        "ru": "название контрольной группы",
        "en": "label of the control arm",
    },
    "cli.help.analyze_file.metric": {
        "ru": "столбец метрики (можно повторять); без типа он угадывается: только 0/1 — binary",
        "en": "metric column (repeatable); kind guessed when omitted: only 0/1 -> binary",
    },
    "cli.help.analyze_file.covariate": {
        "ru": "столбец периода до эксперимента для CUPED",
        "en": "pre-period column for CUPED",
    },
    "cli.help.analyze_file.correction": {
        "ru": "поправка на множественные сравнения (по умолчанию {default})",
        "en": "multiple-testing correction (default {default})",
    },
    "cli.help.analyze_file.allocation": {
        "ru": "плановое распределение для проверки SRM (можно повторять); по умолчанию поровну",
        "en": "planned split for the SRM test (repeatable); default: equal across arms",
    },
    "cli.help.analyze_file.alpha": {
        "ru": "уровень значимости (по умолчанию {default})",
        "en": "significance level (default {default})",
    },
    "cli.help.analyze": {
        "ru": "эффекты эксперимента по данным базы",
        "en": "effects of an experiment from the store",
    },
    "cli.help.assignments": {
        "ru": "выгрузить список «клиент → группа» эксперимента",
        "en": "export an experiment's customer -> arm list",
    },
    "cli.help.assignments.out": {
        "ru": "ФАЙЛ.csv или ФАЙЛ.xlsx (страница называет его <эксперимент>-assignments.csv)",
        "en": "FILE.csv or FILE.xlsx (the page names it <experiment>-assignments.csv)",
    },
    "cli.help.assignments.sep": {
        "ru": "разделитель CSV",
        "en": "CSV separator",
    },
    "cli.help.clv": {
        "ru": "CLV по моделям BG/NBD + Gamma-Gamma для всей базы или для эксперимента",
        "en": "BG/NBD + Gamma-Gamma CLV of the store, or of an experiment",
    },
    "cli.help.clv.until": {
        "ru": "конец периода обучения (по умолчанию — последний день)",
        "en": "calibration cutoff (default: last day)",
    },
    "cli.help.clv.months": {
        "ru": "горизонт CLV в месяцах",
        "en": "CLV horizon in months",
    },
    "cli.help.clv.experiment": {
        "ru": "прогноз CLV по группам этого эксперимента (номер или название)",
        "en": "project per-arm CLV of this experiment (id or name)",
    },
    "cli.help.clv.bootstrap": {
        "ru": "число бутстрэп-повторов для интервалов групп (по умолчанию — как на странице "
        "«Результаты»)",
        "en": "replicates for the arm CIs (default: the Results page's)",
    },
    "cli.help.report": {
        "ru": "записать автономный HTML-отчёт по эксперименту",
        "en": "write the self-contained HTML report of an experiment",
    },
    "cli.help.report.out": {
        "ru": "файл отчёта .html",
        "en": "the report's .html file",
    },
    "cli.help.report.currency": {
        "ru": "код валюты ISO 4217 (по умолчанию — валюта из настроек базы, иначе {default})",
        "en": "ISO 4217 code of the money (default: the store's currency setting, else {default})",
    },
    "cli.help.report.base_url": {
        "ru": "адрес, по которому коллеги открывают приложение, для ссылки отчёта на живой вид (по "
        "умолчанию: [share] base_url в .streamlit/secrets.toml, иначе $LOYALTY_LAB_BASE_URL)",
        "en": "where colleagues open the app, for the report's live-view link (default: [share] "
        "base_url in .streamlit/secrets.toml, else $LOYALTY_LAB_BASE_URL)",
    },
    "cli.help.settings": {
        "ru": "показать или изменить настройки базы (ставка маржи, валюта)",
        "en": "show or set the store's settings (margin rate, currency)",
    },
    "cli.help.settings.margin_rate": {
        "ru": "доля валовой маржи в цене до скидки для транзакций без столбца маржи, 0 < RATE < 1 "
        "(0.35, 0,35 или 35%%); по умолчанию {default}",
        "en": "gross margin share of the pre-discount price for transactions without a margin "
        "column, 0 < RATE < 1 (0.35, 0,35 or 35%%); default {default}",
    },
    "cli.help.settings.reset_margin_rate": {
        "ru": "вернуть ставку маржи по умолчанию",
        "en": "back to the default margin rate",
    },
    "cli.help.settings.currency": {
        "ru": "код валюты данных базы по ISO 4217 (RUB, EUR, USD, KZT); по умолчанию {default}",
        "en": "ISO 4217 code of the store's money (RUB, EUR, USD, KZT); default {default}",
    },
    "cli.help.settings.reset_currency": {
        "ru": "вернуть валюту по умолчанию",
        "en": "back to the default currency",
    },
    # -- argparse's own words (usage, errors), by their English text ----------------------
    "cli.argparse.0": {
        "ru": "использование: ",
        "en": "usage: ",
    },
    "cli.argparse.1": {
        "ru": "позиционные аргументы",
        "en": "positional arguments",
    },
    "cli.argparse.2": {
        "ru": "параметры",
        "en": "options",
    },
    "cli.argparse.3": {
        "ru": "показать эту справку и выйти",
        "en": "show this help message and exit",
    },
    "cli.argparse.4": {
        "ru": "%(prog)s: ошибка: %(message)s\n",
        "en": "%(prog)s: error: %(message)s\n",
    },
    "cli.argparse.5": {
        "ru": "не хватает обязательных аргументов: %s",
        "en": "the following arguments are required: %s",
    },
    "cli.argparse.6": {
        "ru": "недопустимое значение: %(value)r (выберите из %(choices)s)",
        "en": "invalid choice: %(value)r (choose from %(choices)s)",
    },
    "cli.argparse.7": {
        "ru": "аргумент %(argument_name)s: %(message)s",
        "en": "argument %(argument_name)s: %(message)s",
    },
    "cli.argparse.8": {
        "ru": "неизвестные аргументы: %s",
        "en": "unrecognized arguments: %s",
    },
    "cli.argparse.9": {
        "ru": "нужно одно значение",
        "en": "expected one argument",
    },
    "cli.argparse.10": {
        "ru": "недопустимое значение %(type)s: %(value)r",
        "en": "invalid %(type)s value: %(value)r",
    },
    "cli.argparse.11": {
        "ru": "неоднозначный параметр: %(option)s подходит к %(matches)s",
        "en": "ambiguous option: %(option)s could match %(matches)s",
    },
    "cli.confidence_invalid": {
        "ru": "--confidence {value}: уровень доверия — один из {offered} (в процентах)",
        "en": "--confidence {value}: the confidence level must be one of {offered} (percent)",
    },
    "cli.os.no_folder": {"ru": "папки {folder} нет", "en": "there is no folder {folder}"},
    "cli.os.not_a_folder": {
        "ru": "в пути {folder} есть файл, а не папка",
        "en": "part of {folder} is a file, not a folder",
    },
    "cli.os.no_permission": {
        "ru": "нет прав на запись в {folder}",
        "en": "no permission to write in {folder}",
    },
    "cli.os.is_folder": {
        "ru": "это папка, а не файл (папка {folder})",
        "en": "that is a folder, not a file (in {folder})",
    },
    "cli.os.disk_full": {
        "ru": "диск с папкой {folder} заполнен",
        "en": "the disk of {folder} is full",
    },
    "cli.os.read_only": {
        "ru": "папка {folder} доступна только для чтения",
        "en": "{folder} is read-only",
    },
    "cli.currency_invalid": {
        "ru": "--currency {value}: это не код валюты ISO 4217 (например, RUB, EUR, USD или KZT)",
        "en": "--currency {value}: not an ISO 4217 currency code (such as RUB, EUR, USD or KZT)",
    },
}
