"""Catalogue texts for the Data page: uploads, the mapping form, store settings.

Keys: ``data.``, ``upload.``, ``store.``, and ``ingest.`` (the messages of experiments/ingest
returned as `experiments.i18n.text.Text`: their English is the domain's wording, checked by
tests/test_ingest_text.py).

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
The English texts are the page's as they were before #12 (its English tests pin them).
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    # -- store settings (experiments/store/settings.py) --------------------------------------------
    "store.margin_rate": {"ru": "Маржинальность", "en": "Margin rate"},
    "store.margin_rate.caption": {
        "ru": "Маржинальность **{rate}** ({source}). Валовая маржа как доля цены до скидки — для "
        "транзакций без столбца маржи; с ней считается каждый чистый доход, если эксперимент не "
        "задаёт свою.",
        "en": "Margin rate **{rate}** ({source}). Gross margin as a share of the price before "
        "discount, for transactions without a margin column; every net value is computed with "
        "it unless an experiment sets its own.",
    },
    "store.source.store": {"ru": "задана для этого магазина", "en": "set for this store"},
    "store.source.default": {"ru": "по умолчанию", "en": "the default"},
    "store.margin_rate.help": {
        "ru": "Доля от 0 до 1: 0,35, 0.35 или 35%.",
        "en": "A share between 0 and 1: 0.35, 0,35 or 35%.",
    },
    "store.currency": {"ru": "Валюта", "en": "Currency"},
    "store.currency.caption": {
        "ru": "Валюта **{currency}** ({source}): в ней показаны суммы на всех страницах, в "
        "отчётах и выгрузках. Суммы не пересчитываются — укажите валюту, в которой ваши данные.",
        "en": "Currency **{currency}** ({source}): every page, report and export shows amounts "
        "in it. Amounts are never converted: set the currency your data is in.",
    },
    "store.currency.help": {
        "ru": "Код ISO 4217: RUB, EUR, USD, KZT, BYN, UZS...",
        "en": "An ISO 4217 code: RUB, EUR, USD, KZT, BYN, UZS...",
    },
    "store.currency.other": {"ru": "другая: {code}", "en": "other: {code}"},
    "store.save": {"ru": "Сохранить настройки магазина", "en": "Save store settings"},
    "store.saved": {
        "ru": "Маржинальность {rate}, валюта {currency}: их используют все расчёты чистого "
        "дохода и отчёты с этого момента.",
        "en": "Margin rate set to {rate}, currency {currency}: every net value and report uses "
        "them from now on.",
    },
    "store.error.margin_rate": {
        "ru": "Маржинальность — доля от 0 до 1 (например, 0,35 или 35% при валовой марже 35%), "
        "а не {value}. Ничего не изменено.",
        "en": "The margin rate must be a share between 0 and 1 (e.g. 0.35 or 35% for a 35% "
        "gross margin), not {value}. Nothing was changed.",
    },
    "store.error.currency": {
        "ru": "Валюта — код ISO 4217, например RUB, EUR, USD или KZT, а не {value}. Ничего не "
        "изменено.",
        "en": "The currency must be an ISO 4217 code such as RUB, EUR, USD or KZT, not {value}. "
        "Nothing was changed.",
    },
    "store.error.unknown": {
        "ru": "Настройки магазина {name} нет; настройки: {settings}.",
        "en": "There is no store setting {name}; the settings are {settings}.",
    },
    # the planned split of a list or a result file (experiment.planned_split): nothing written
    "split.unknown_arms": {
        "ru": "В плановом делении (--split) есть группы, которых нет в файле: {names}. "
        "Группы файла: {arms}. Ничего не загружено.",
        "en": "The planned split (--split) names arms the file does not have: {names}. The "
        "file's arms are: {arms}. Nothing was loaded.",
    },
    "split.missing_arms": {
        "ru": "В плановом делении (--split) нет веса для групп: {names}. Укажите вес каждой "
        "группы файла ({arms}) или не указывайте --split (деление будет равным). Ничего не "
        "загружено.",
        "en": "The planned split (--split) gives no weight for: {names}. Give every arm of the "
        "file a weight ({arms}), or leave --split out for an equal split. Nothing was loaded.",
    },
    "split.not_positive": {
        "ru": "Вес группы в плановом делении (--split) должен быть положительным числом: "
        "{names}. Ничего не загружено.",
        "en": "A weight of the planned split (--split) must be a positive number: {names}. "
        "Nothing was loaded.",
    },
    "split.existing": {
        "ru": "У эксперимента {name} уже есть плановое деление (задано при создании или "
        "регистрации); --split задаёт его только новому эксперименту из файла итогов. "
        "Деление эксперимента из файла итогов или списка меняет команда set-split {name} "
        "ГРУППА=ВЕС. Ничего не загружено.",
        "en": "The experiment {name} already has its planned split (set when it was designed "
        "or registered); --split only sets it for a new experiment made from a results "
        "file. The split of a results-file or registered experiment is changed with set-split "
        "{name} ARM=WEIGHT. Nothing was loaded.",
    },
    # the planned split of an existing experiment (experiment.set_planned_split, set-split,
    # the Results page): nothing changed
    "split.set.unknown_arms": {
        "ru": "В плановом делении есть группы, которых нет в эксперименте: {names}. Группы "
        "эксперимента: {arms}. Ничего не изменено.",
        "en": "The planned split names arms the experiment does not have: {names}. Its arms "
        "are: {arms}. Nothing was changed.",
    },
    "split.set.missing_arms": {
        "ru": "В плановом делении нет веса для групп: {names}. Укажите вес каждой группы "
        "эксперимента ({arms}). Ничего не изменено.",
        "en": "The planned split gives no weight for: {names}. Give every arm of the "
        "experiment a weight ({arms}). Nothing was changed.",
    },
    "split.set.not_positive": {
        "ru": "Вес группы в плановом делении должен быть положительным числом: {names}. "
        "Ничего не изменено.",
        "en": "A weight of the planned split must be a positive number: {names}. Nothing was "
        "changed.",
    },
    "split.set.frozen": {
        "ru": "Плановое деление эксперимента {name} задано при запуске: по нему распределены "
        "клиенты, и его нельзя изменить. Задать деление можно только эксперименту из файла "
        "итогов или зарегистрированного списка. Ничего не изменено.",
        "en": "The planned split of {name} was fixed at launch: customers were randomized by "
        "it, so it cannot be changed. Only an experiment made from a results file or a "
        "registered list takes a split. Nothing was changed.",
    },
    # the planned split on the pages (pages/_ui.split_weight_inputs, split_editor)
    "split.page.weight": {"ru": "Вес группы {arm}", "en": "Weight of {arm}"},
    "split.page.shares": {
        "ru": "Плановое деление: {plan}.",
        "en": "Planned split: {plan}.",
    },
    "split.page.unequal": {
        "ru": "Группы планировались неравными (задать плановое деление)",
        "en": "The arms were planned unequal (give the planned split)",
    },
    "split.page.unequal.help": {
        "ru": "Без этого деление считается равным, и проверка размеров групп сравнивает "
        "группы с равным делением.",
        "en": "Without it the split is taken as equal, and the sample-ratio check compares "
        "the arm sizes with an equal split.",
    },
    "split.page.title": {
        "ru": "Настоящее плановое деление",
        "en": "The real planned split",
    },
    "split.page.caption": {
        "ru": "Деление не было задано и принято равным. Укажите, как группы планировались "
        "(например 9 к 1 для контрольной группы в 10 %): проверка размеров групп будет "
        "сравнивать их с ним.",
        "en": "No split was given, so an equal one is assumed. Give the split the arms were "
        "planned with (e.g. 9 to 1 for a 10% holdout): the sample-ratio check compares the "
        "arm sizes with it.",
    },
    "split.page.save": {"ru": "Сохранить деление", "en": "Save the split"},
    "split.page.saved": {
        "ru": "Плановое деление эксперимента {name} сохранено: {plan}.",
        "en": "The planned split of {name} is saved: {plan}.",
    },
    "split.page.unknown_arms": {
        "ru": "В плановом делении есть группы, которых нет: {names}. Группы: {arms}.",
        "en": "The planned split names arms that do not exist: {names}. The arms: {arms}.",
    },
    "split.page.missing_arms": {
        "ru": "Укажите вес каждой группы; нет веса для: {names}.",
        "en": "Give every arm a weight; none for: {names}.",
    },
    "split.page.not_positive": {
        "ru": "Вес группы должен быть больше нуля: {names}. Укажите положительный вес "
        "(веса нормируются: 9 и 1 — это 90 % и 10 %).",
        "en": "An arm's weight must be more than zero: {names}. Give a positive weight "
        "(weights are normalised: 9 and 1 are 90% and 10%).",
    },
    # the store's refusals (StoreError.key): said in the run's or the session's language
    "store.error.no_upload": {
        "ru": "Загрузки {upload_id} нет. Список загрузок: `python -m experiments uploads`.",
        "en": "There is no upload {upload_id}. `python -m experiments uploads` lists them.",
    },
    "store.error.no_experiment": {
        "ru": "Эксперимента с номером {experiment_id} нет. Список экспериментов: "
        "`python -m experiments list`.",
        "en": "There is no experiment with id {experiment_id}. `python -m experiments list` "
        "shows them.",
    },
    "store.error.not_result_field": {
        "ru": "Это не числовые поля итогов этого эксперимента: {fields}.",
        "en": "Not a numeric result field of this experiment: {fields}.",
    },
    "store.error.disk_full": {
        "ru": "Диск с базой (или с временными файлами DuckDB рядом с ней) заполнен, поэтому "
        "ничего не загружено. Освободите место и загрузите файл снова.",
        "en": "The disk holding the store (or DuckDB's temporary files next to it) is full, so "
        "nothing was loaded. Free some space there and load the file again.",
    },
    "store.error.out_of_memory": {
        "ru": "Загрузке не хватило памяти, поэтому ничего не загружено. Закройте другие "
        "программы или разделите файл на части и загрузите их по очереди.",
        "en": "The load ran out of memory, so nothing was loaded. Close other programs, or split "
        "the file into smaller parts and load them one by one.",
    },
    "store.error.load_refused": {
        "ru": "База отказалась принять загрузку, ничего не загружено: {reason}",
        "en": "The store refused the load, so nothing was loaded: {reason}",
    },
    "store.error.cannot_open": {
        "ru": "Не удаётся открыть базу {path}: {reason}",
        "en": "Cannot open the store {path}: {reason}",
    },
    "store.error.newer_schema": {
        "ru": "У базы {path} версия схемы {version}, новее, чем у этой версии Loyalty Lab "
        "({ours}). Обновите Loyalty Lab, чтобы открыть её.",
        "en": "The store {path} has schema version {version}, newer than this Loyalty Lab "
        "({ours}). Upgrade Loyalty Lab to open it.",
    },
    # -- upload ------------------------------------------------------------------------------------
    "upload.kind": {"ru": "Что в файле?", "en": "What is in the file?"},
    "upload.kind.transactions": {"ru": "транзакции", "en": "transactions"},
    "upload.kind.customers": {"ru": "клиенты", "en": "customers"},
    "upload.kind.results": {"ru": "итоги кампании", "en": "results"},
    "upload.kind.transactions.help": {
        "ru": "Одна строка на заказ: клиент, дата, сумма (номер чека, маржа, канал и скидка — по "
        "желанию).",
        "en": "One row per order: customer, date, amount (order id, margin, channel, discount "
        "optional).",
    },
    "upload.kind.customers.help": {
        "ru": "Одна строка на клиента: столбец с номером клиента и любые атрибуты (город, "
        "уровень, ...).",
        "en": "One row per customer: an id column plus any attributes (city, tier, ...).",
    },
    "upload.kind.results.help": {
        "ru": "Выгрузка итогов кампании: одна строка на клиента со столбцом группы и столбцами "
        "результатов (например, из сервиса рассылок или CRM). Номера клиентов не обязательны.",
        "en": "A campaign result export: one row per customer with an arm/group column and "
        "outcome columns (e.g. an e-mail service or CRM export). Customer ids are optional.",
    },
    "upload.file": {
        "ru": "CSV (запятая, точка с запятой или табуляция; UTF-8 или Windows-1251), XLSX или "
        "Parquet",
        "en": "CSV (comma, semicolon or tab; UTF-8 or Windows-1251), XLSX or Parquet",
    },
    "upload.reading": {"ru": "Читаем файл...", "en": "Reading the file..."},
    "upload.nothing_loaded": {
        "ru": "Ничего не загружено. {reason}",
        "en": "Nothing was loaded. {reason}",
    },
    "upload.out_of_memory": {"ru": "Не хватило памяти.", "en": "Out of memory."},
    "upload.detected": {
        "ru": "Распознано: {format} · {columns}",
        "en": "Detected: {format} · {columns}",
    },
    "upload.columns_count": {
        "ru": {
            "one": "{count} столбец",
            "few": "{count} столбца",
            "many": "{count} столбцов",
            "other": "{count} столбца",
        },
        "en": {"one": "{count} columns", "other": "{count} columns"},
    },
    "upload.format.csv": {
        "ru": "CSV, `{encoding}`, разделитель — {delimiter}, десятичный знак — {decimal}",
        "en": "CSV, {encoding}, {delimiter}-separated, decimal {decimal}",
    },
    "upload.delimiter.tab": {"ru": "табуляция", "en": "tab"},
    "upload.delimiter.comma": {"ru": "запятая", "en": "comma"},
    "upload.delimiter.semicolon": {"ru": "точка с запятой", "en": "semicolon"},
    "upload.decimal.comma": {"ru": "запятая", "en": "comma"},
    "upload.decimal.point": {"ru": "точка", "en": "point"},
    "upload.columns": {"ru": "Столбцы", "en": "Columns"},
    "upload.experiment": {"ru": "Эксперимент", "en": "Experiment"},
    "upload.experiment.help": {
        "ru": "Итоги привязываются к этому эксперименту: выберите спроектированный или "
        "зарегистрированный здесь (его группы и затраты применятся) или введите новое имя, "
        "чтобы создать эксперимент из файла.",
        "en": "Results attach to this experiment: pick one designed or registered here (its "
        "arms and costs apply), or type a new name to create one from the file.",
    },
    "upload.load": {"ru": "Проверить и загрузить", "en": "Validate and load"},
    "upload.set_aside_download": {
        "ru": "Скачать отложенные строки: {rows} (CSV)",
        "en": "Download the {rows} rows set aside (CSV)",
    },
    "upload.all_or_nothing": {
        "ru": "Загрузка — всё или ничего. Если названные ниже строки не стоит исправлять, "
        "загрузите остальные, а эти скачайте, чтобы разобраться позже.",
        "en": "Loading is all-or-nothing. If the rows named below are not worth fixing, load "
        "the others and download these to look at later.",
    },
    "upload.load_valid": {
        "ru": "Загрузить верные строки, остальные скачать",
        "en": "Load the valid rows, download the rest",
    },
    "upload.problems.severity": {"ru": "важность", "en": "severity"},
    "upload.problems.problem": {"ru": "проблема", "en": "problem"},
    "upload.problems.count": {"ru": "затронуто строк", "en": "rows affected"},
    "upload.problems.rows": {"ru": "номера строк (первые)", "en": "row numbers (first ones)"},
    "upload.severity.error": {"ru": "ошибка", "en": "error"},
    "upload.severity.warning": {"ru": "предупреждение", "en": "warning"},
    # LoadResult.summary() in Russian (the English is the domain's own sentence)
    "upload.summary.already": {
        "ru": "{file} уже загружен {when} (загрузка {upload}); ничего не загружено.",
        "en": "{file} was already loaded on {when} (upload {upload}); nothing loaded.",
    },
    "upload.summary.failed": {
        "ru": "{file}: ничего не загружено. {first}{more}",
        "en": "{file}: nothing loaded. {first}{more}",
    },
    "upload.summary.more": {
        "ru": {
            "one": " (и ещё {count} проблема)",
            "few": " (и ещё {count} проблемы)",
            "many": " (и ещё {count} проблем)",
            "other": " (и ещё {count} проблемы)",
        },
        "en": {"one": " (+{count} more problem)", "other": " (+{count} more problems)"},
    },
    "upload.summary.loaded": {
        "ru": "Загружено из {file}: {rows} ({kind}), загрузка {upload}",
        "en": "Loaded {rows} {kind} rows from {file} as upload {upload}",
    },
    "upload.summary.experiment": {"ru": " (эксперимент {id})", "en": " (experiment {id})"},
    "upload.summary.new_experiment": {
        "ru": " (новый эксперимент {id})",
        "en": " (new experiment {id})",
    },
    "upload.summary.set_aside": {
        "ru": ", отложено строк: {rows}",
        "en": ", {rows} rows set aside",
    },
    "upload.summary.warnings": {"ru": "; предупреждения: {items}", "en": "; warnings: {items}"},
    # a load's warnings with their counts: the load's summary and the upload history
    # (i18n.readback.warning_text); rows set aside are named by ingest.aside.*
    "upload.warning.negative_amount": {
        "ru": {
            "one": "{count} возврат (отрицательная сумма, сохранён)",
            "few": "{count} возврата (отрицательные суммы, сохранены)",
            "many": "{count} возвратов (отрицательные суммы, сохранены)",
            "other": "{count} возврата (отрицательные суммы, сохранены)",
        },
        "en": {
            "one": "{count} refund (negative amount, kept)",
            "other": "{count} refunds (negative amounts, kept)",
        },
    },
    "upload.warning.formula_text": {
        "ru": {
            "one": "{count} ячейка, похожая на формулу, сохранена как текст",
            "few": "{count} ячейки, похожие на формулы, сохранены как текст",
            "many": "{count} ячеек, похожих на формулы, сохранены как текст",
            "other": "{count} ячейки, похожие на формулы, сохранены как текст",
        },
        "en": {
            "one": "{count} formula-like cell kept as text",
            "other": "{count} formula-like cells kept as text",
        },
    },
    "upload.warning.single_arm": {"ru": "только одна группа", "en": "only one group"},
    "upload.warning.unknown_arm": {
        "ru": {
            "one": "{count} группа, которой нет в эксперименте",
            "few": "{count} группы, которых нет в эксперименте",
            "many": "{count} групп, которых нет в эксперименте",
            "other": "{count} группы, которых нет в эксперименте",
        },
        "en": {
            "one": "{count} arm label not in the experiment",
            "other": "{count} arm labels not in the experiment",
        },
    },
    "upload.warning.ambiguous_dates": {
        "ru": "неоднозначный формат дат",
        "en": "ambiguous date format",
    },
    "upload.warning.other": {"ru": "предупреждение «{code}»: {count}", "en": "{code}: {count}"},
    # -- history -----------------------------------------------------------------------------------
    "data.demo_upload": {
        "ru": "Загрузка #{upload} — это **демо-данные** (синтетические клиенты и "
        "демо-эксперимент), а не ваши данные. Удалите её ниже вместе с экспериментом, когда "
        "загрузите свои.",
        "en": "Upload #{upload} is the **demo data set** (synthetic customers and the demo "
        "experiment), not your data. Remove it below, with its experiment, once you have "
        "loaded your own.",
    },
    "data.kind.demo": {"ru": "демо (синтетические)", "en": "demo (synthetic)"},
    "data.history.upload_id": {"ru": "№ загрузки", "en": "#"},
    "data.history.file": {"ru": "файл", "en": "file"},
    "data.history.kind": {"ru": "тип", "en": "kind"},
    "data.history.rows": {"ru": "строк", "en": "rows"},
    "data.history.loaded": {"ru": "загружено", "en": "loaded"},
    "data.history.status": {"ru": "статус", "en": "status"},
    "data.history.message": {"ru": "сообщение", "en": "message"},
    "data.remove.label": {
        "ru": "#{upload} {file} ({rows}, загружено {date})",
        "en": "#{upload} {file} ({rows} rows, {date})",
    },
    "data.remove.choice": {"ru": "Загрузка", "en": "Upload"},
    "data.remove.button": {"ru": "Удалить загрузку", "en": "Remove upload"},
    "data.remove.confirm": {
        "ru": "Удалить {upload}? Её строки уйдут из базы навсегда.{what}",
        "en": "Remove {upload}? Its rows leave the store for good.{what}",
    },
    "data.remove.demo_note": {
        "ru": " Это демо-данные: их эксперимент удалится вместе с ними.",
        "en": " It is the demo data set: its experiment goes with it.",
    },
    "data.remove.yes": {"ru": "Да, удалить", "en": "Yes, remove it"},
    "data.remove.cancel": {"ru": "Отмена", "en": "Cancel"},
    "data.removed": {
        "ru": "Загрузка {upload} удалена вместе с её строками{experiment}.",
        "en": "Removed upload {upload}{experiment}.",
    },
    "data.removed.experiment": {
        "ru": " и созданным ею экспериментом",
        "en": " and the experiment it created",
    },
    # -- the page-level messages of pages/_ui.py that the Data page shows ------------------------
    "upload.temp_full": {
        "ru": "**{file} не удалось сохранить для чтения:** временная папка {folder} заполнена "
        "или недоступна для записи ({reason}). Освободите там место или запустите приложение с "
        "TMPDIR, указывающей на диск побольше.",
        "en": "**{file} could not be saved for reading:** the temporary folder {folder} is full "
        "or not writable ({reason}). Free space there, or start the app with TMPDIR pointing at "
        "a larger disk.",
    },
    # -- experiments/ingest: where a finding is, and the row findings (rules.KEYED) ---------------
    "ingest.where.column": {"ru": "столбце {column}", "en": "column {column}"},
    "ingest.where.file": {"ru": "файле", "en": "the file"},
    "ingest.where_.column": {"ru": "Столбец {column}", "en": "Column {column}"},
    "ingest.where_.file": {"ru": "Файл", "en": "The file"},
    "ingest.at.one": {"ru": " в строке {rows}{more}", "en": " in row {rows}{more}"},
    "ingest.at.other": {"ru": " в строках {rows}{more}", "en": " in rows {rows}{more}"},
    "ingest.more": {"ru": " и ещё {number}", "en": " and {number} more"},
    "ingest.eg": {"ru": " (например, {examples})", "en": " (e.g. {examples})"},
    "ingest.row.empty_id": {
        "ru": {
            "one": (
                "{count} строка с пустым номером клиента в {where}{at}. Он нужен в каждой строке."
            ),
            "few": (
                "{count} строки с пустым номером клиента в {where}{at}. Он нужен в каждой строке."
            ),
            "many": (
                "{count} строк с пустым номером клиента в {where}{at}. Он нужен в каждой строке."
            ),
            "other": (
                "{count} строки с пустым номером клиента в {where}{at}. Он нужен в каждой строке."
            ),
        },
        "en": {
            "one": "{count} row has an empty customer id in {where}{at}. Every row needs one.",
            "other": "{count} rows have an empty customer id in {where}{at}. Every row needs one.",
        },
    },
    "ingest.row.bad_date": {
        "ru": {
            "one": (
                "{count} дату в {where} не удалось прочитать{at}{eg}. Пишите ГГГГ-ММ-ДД или "
                "ДД.ММ.ГГГГ (можно со временем); невозможные даты вроде 30 февраля не "
                "принимаются."
            ),
            "few": (
                "{count} даты в {where} не удалось прочитать{at}{eg}. Пишите ГГГГ-ММ-ДД или "
                "ДД.ММ.ГГГГ (можно со временем); невозможные даты вроде 30 февраля не "
                "принимаются."
            ),
            "many": (
                "{count} дат в {where} не удалось прочитать{at}{eg}. Пишите ГГГГ-ММ-ДД или "
                "ДД.ММ.ГГГГ (можно со временем); невозможные даты вроде 30 февраля не "
                "принимаются."
            ),
            "other": (
                "{count} даты в {where} не удалось прочитать{at}{eg}. Пишите ГГГГ-ММ-ДД или "
                "ДД.ММ.ГГГГ (можно со временем); невозможные даты вроде 30 февраля не "
                "принимаются."
            ),
        },
        "en": {
            "one": (
                "{count} date in {where} could not be read{at}{eg}. Use YYYY-MM-DD or DD.MM.YYYY "
                "(with optional time); impossible dates such as 30 February are refused."
            ),
            "other": (
                "{count} dates in {where} could not be read{at}{eg}. Use YYYY-MM-DD or DD.MM.YYYY "
                "(with optional time); impossible dates such as 30 February are refused."
            ),
        },
    },
    "ingest.row.bad_amount": {
        "ru": {
            "one": "{count} сумма в {where} — не число{at}{eg}.",
            "few": "{count} суммы в {where} — не числа{at}{eg}.",
            "many": "{count} сумм в {where} — не числа{at}{eg}.",
            "other": "{count} суммы в {where} — не числа{at}{eg}.",
        },
        "en": {
            "one": "{count} amount in {where} is not a number{at}{eg}.",
            "other": "{count} amounts in {where} are not a number{at}{eg}.",
        },
    },
    "ingest.row.bad_number": {
        "ru": {
            "one": (
                "{count} значение в {where} — не число{at}{eg}. Оставьте ячейку пустой, если "
                "значение неизвестно."
            ),
            "few": (
                "{count} значения в {where} — не числа{at}{eg}. Оставьте ячейку пустой, если "
                "значение неизвестно."
            ),
            "many": (
                "{count} значений в {where} — не числа{at}{eg}. Оставьте ячейку пустой, если "
                "значение неизвестно."
            ),
            "other": (
                "{count} значения в {where} — не числа{at}{eg}. Оставьте ячейку пустой, если "
                "значение неизвестно."
            ),
        },
        "en": {
            "one": (
                "{count} value in {where} is not a number{at}{eg}. Leave the cell blank when "
                "unknown."
            ),
            "other": (
                "{count} values in {where} are not a number{at}{eg}. Leave the cell blank when "
                "unknown."
            ),
        },
    },
    "ingest.row.future_date": {
        "ru": {
            "one": (
                "{count} дата в {where} — в будущем{at}{eg}: проверьте формат даты (день и месяц "
                "перепутаны?) или выгрузку."
            ),
            "few": (
                "{count} даты в {where} — в будущем{at}{eg}: проверьте формат даты (день и месяц "
                "перепутаны?) или выгрузку."
            ),
            "many": (
                "{count} дат в {where} — в будущем{at}{eg}: проверьте формат даты (день и месяц "
                "перепутаны?) или выгрузку."
            ),
            "other": (
                "{count} даты в {where} — в будущем{at}{eg}: проверьте формат даты (день и месяц "
                "перепутаны?) или выгрузку."
            ),
        },
        "en": {
            "one": (
                "{count} date in {where} is in the future{at}{eg}: check the date format (day and "
                "month swapped?) or the export."
            ),
            "other": (
                "{count} dates in {where} are in the future{at}{eg}: check the date format (day "
                "and month swapped?) or the export."
            ),
        },
    },
    "ingest.row.negative_amount": {
        "ru": {
            "one": "{count} отрицательная сумма в {where}{at} сохранена как возврат.",
            "few": "{count} отрицательные суммы в {where}{at} сохранены как возвраты.",
            "many": "{count} отрицательных сумм в {where}{at} сохранены как возвраты.",
            "other": "{count} отрицательные суммы в {where}{at} сохранены как возвраты.",
        },
        "en": {
            "one": "{count} negative amount in {where}{at} kept as refund.",
            "other": "{count} negative amounts in {where}{at} kept as refunds.",
        },
    },
    "ingest.row.duplicate_order_id": {
        "ru": {
            "one": (
                "{count} строка с повторяющимся номером чека в {where}{at}{eg}. Номера чеков "
                "должны быть уникальны: сложите строки чека в одну или не сопоставляйте номер "
                "чека."
            ),
            "few": (
                "{count} строки с повторяющимся номером чека в {where}{at}{eg}. Номера чеков "
                "должны быть уникальны: сложите строки чека в одну или не сопоставляйте номер "
                "чека."
            ),
            "many": (
                "{count} строк с повторяющимся номером чека в {where}{at}{eg}. Номера чеков "
                "должны быть уникальны: сложите строки чека в одну или не сопоставляйте номер "
                "чека."
            ),
            "other": (
                "{count} строки с повторяющимся номером чека в {where}{at}{eg}. Номера чеков "
                "должны быть уникальны: сложите строки чека в одну или не сопоставляйте номер "
                "чека."
            ),
        },
        "en": {
            "one": (
                "{count} rows share an order id in {where}{at}{eg}. Order ids must be unique: sum "
                "the lines of an order into one row, or leave the order id unmapped."
            ),
            "other": (
                "{count} rows share an order id in {where}{at}{eg}. Order ids must be unique: sum "
                "the lines of an order into one row, or leave the order id unmapped."
            ),
        },
    },
    "ingest.row.set_aside_no_customer": {
        "ru": {
            "one": (
                "{count} строка без номера клиента в {where}{at} (чеки без карты лояльности?) "
                "отложена: скачайте её ниже."
            ),
            "few": (
                "{count} строки без номера клиента в {where}{at} (чеки без карты лояльности?) "
                "отложены: скачайте их ниже."
            ),
            "many": (
                "{count} строк без номера клиента в {where}{at} (чеки без карты лояльности?) "
                "отложены: скачайте их ниже."
            ),
            "other": (
                "{count} строки без номера клиента в {where}{at} (чеки без карты лояльности?) "
                "отложены: скачайте их ниже."
            ),
        },
        "en": {
            "one": (
                "{count} row without a customer id in {where}{at} (receipts without a loyalty "
                "card?) set aside: download them below."
            ),
            "other": (
                "{count} rows without a customer id in {where}{at} (receipts without a loyalty "
                "card?) set aside: download them below."
            ),
        },
    },
    "ingest.row.nothing_left": {
        "ru": {
            "one": (
                "В {file} не осталось строк для загрузки: {count} строка "
                "данных отложена: {reasons}."
            ),
            "few": (
                "В {file} не осталось строк для загрузки: все {count} строки "
                "данных отложены: {reasons}."
            ),
            "many": (
                "В {file} не осталось строк для загрузки: все {count} строк "
                "данных отложены: {reasons}."
            ),
            "other": (
                "В {file} не осталось строк для загрузки: все {count} строки "
                "данных отложены: {reasons}."
            ),
        },
        "en": {
            "one": (
                "No row of {file} is left to load: its {count} data row was set aside: {reasons}."
            ),
            "other": (
                "No row of {file} is left to load: all {count} data rows were set aside: {reasons}."
            ),
        },
    },
    "ingest.aside.no_customer": {
        "ru": {
            "one": "{count} строка без номера клиента",
            "few": "{count} строки без номера клиента",
            "many": "{count} строк без номера клиента",
            "other": "{count} строки без номера клиента",
        },
        "en": {
            "one": "{count} row without a customer id",
            "other": "{count} rows without a customer id",
        },
    },
    "ingest.aside.totals_row": {
        "ru": {
            "one": "{count} строка итогов",
            "few": "{count} строки итогов",
            "many": "{count} строк итогов",
            "other": "{count} строки итогов",
        },
        "en": {"one": "{count} totals row", "other": "{count} totals rows"},
    },
    "ingest.aside.already_stored": {
        "ru": {
            "one": "{count} заказ уже есть в базе без изменений (выгрузка пересекается с прежней)",
            "few": "{count} заказа уже есть в базе без изменений (выгрузка пересекается с прежней)",
            "many": (
                "{count} заказов уже есть в базе без изменений (выгрузка пересекается с прежней)"
            ),
            "other": (
                "{count} заказа уже есть в базе без изменений (выгрузка пересекается с прежней)"
            ),
        },
        "en": {
            "one": "{count} order already in the store unchanged (an overlapping export)",
            "other": "{count} orders already in the store unchanged (an overlapping export)",
        },
    },
    "ingest.aside.empty_id": {
        "ru": {
            "one": "{count} строка с пустым номером клиента",
            "few": "{count} строки с пустым номером клиента",
            "many": "{count} строк с пустым номером клиента",
            "other": "{count} строки с пустым номером клиента",
        },
        "en": {
            "one": "{count} row with an empty customer id",
            "other": "{count} rows with an empty customer id",
        },
    },
    "ingest.aside.bad_date": {
        "ru": {
            "one": "{count} нечитаемая дата",
            "few": "{count} нечитаемые даты",
            "many": "{count} нечитаемых дат",
            "other": "{count} нечитаемые даты",
        },
        "en": {
            "one": "{count} date that could not be read",
            "other": "{count} dates that could not be read",
        },
    },
    "ingest.aside.bad_amount": {
        "ru": {
            "one": "{count} сумма не число",
            "few": "{count} суммы не числа",
            "many": "{count} сумм не числа",
            "other": "{count} суммы не числа",
        },
        "en": {
            "one": "{count} amount that is not a number",
            "other": "{count} amounts that are not a number",
        },
    },
    "ingest.aside.bad_number": {
        "ru": {
            "one": "{count} значение не число",
            "few": "{count} значения не числа",
            "many": "{count} значений не числа",
            "other": "{count} значения не числа",
        },
        "en": {
            "one": "{count} value that is not a number",
            "other": "{count} values that are not a number",
        },
    },
    "ingest.aside.future_date": {
        "ru": {
            "one": "{count} дата в будущем",
            "few": "{count} даты в будущем",
            "many": "{count} дат в будущем",
            "other": "{count} даты в будущем",
        },
        "en": {"one": "{count} date in the future", "other": "{count} dates in the future"},
    },
    "ingest.aside.ancient_date": {
        "ru": {
            "one": "{count} дата до 1900 года",
            "few": "{count} даты до 1900 года",
            "many": "{count} дат до 1900 года",
            "other": "{count} даты до 1900 года",
        },
        "en": {"one": "{count} date before 1900", "other": "{count} dates before 1900"},
    },
    "ingest.aside.implausible_amount": {
        "ru": {
            "one": "{count} неправдоподобно большая сумма",
            "few": "{count} неправдоподобно большие суммы",
            "many": "{count} неправдоподобно больших сумм",
            "other": "{count} неправдоподобно большие суммы",
        },
        "en": {
            "one": "{count} implausibly large amount",
            "other": "{count} implausibly large amounts",
        },
    },
    "ingest.aside.duplicate_order_id": {
        "ru": {
            "one": "{count} строка с повторным номером заказа",
            "few": "{count} строки с повторным номером заказа",
            "many": "{count} строк с повторным номером заказа",
            "other": "{count} строки с повторным номером заказа",
        },
        "en": {
            "one": "{count} row with a repeated order id",
            "other": "{count} rows with a repeated order id",
        },
    },
    "ingest.aside.order_id_already_stored": {
        "ru": {
            "one": "{count} заказ уже есть в базе с другими данными",
            "few": "{count} заказа уже есть в базе с другими данными",
            "many": "{count} заказов уже есть в базе с другими данными",
            "other": "{count} заказа уже есть в базе с другими данными",
        },
        "en": {
            "one": "{count} order already in the store with different data",
            "other": "{count} orders already in the store with different data",
        },
    },
    "ingest.aside.cell_too_long": {
        "ru": {
            "one": "{count} слишком длинная ячейка",
            "few": "{count} слишком длинные ячейки",
            "many": "{count} слишком длинных ячеек",
            "other": "{count} слишком длинные ячейки",
        },
        "en": {"one": "{count} cell too long", "other": "{count} cells too long"},
    },
    "ingest.aside.other": {
        "ru": {
            "one": "{count} строка с проблемой «{code}»",
            "few": "{count} строки с проблемой «{code}»",
            "many": "{count} строк с проблемой «{code}»",
            "other": "{count} строки с проблемой «{code}»",
        },
        "en": {
            "one": "{count} row with problem '{code}'",
            "other": "{count} rows with problem '{code}'",
        },
    },
    "ingest.aside.more": {
        "ru": {
            "one": "и ещё {count} строка по другим причинам",
            "few": "и ещё {count} строки по другим причинам",
            "many": "и ещё {count} строк по другим причинам",
            "other": "и ещё {count} строки по другим причинам",
        },
        "en": {
            "one": "and {count} more row for other reasons",
            "other": "and {count} more rows for other reasons",
        },
    },
    "ingest.aside.unknown": {"ru": "причина не указана", "en": "no reason recorded"},
    "ingest.row.single_arm": {
        "ru": "{where}: в нём только одна группа, сравнивать не с чем.",
        "en": "{where} has only one group label: there is nothing to compare against.",
    },
    "ingest.duplicate_mapping": {
        "ru": "На поле {fields} сопоставлено несколько столбцов; одному полю — один столбец.",
        "en": "Several columns are mapped to {fields}; map one column per field.",
    },
    "ingest.missing_column": {
        "ru": "В {file} нет столбца для обязательных полей: {fields}. Найдены столбцы: "
        "{columns}. Сопоставьте их в форме выше (или `--map COLUMN=FIELD` в командной "
        "строке).{hint}",
        "en": "No column for required field(s) {fields} in {file}. Columns found: {columns}. "
        "Map them with --map COLUMN=FIELD (or on the Data page).{hint}",
    },
    "ingest.one_column": {
        "ru": " Найден только один столбец ({column}): возможно, в файле другой разделитель, "
        "не запятая, точка с запятой или табуляция, — выгрузите CSV с одним из них.",
        "en": " Only one column was found ({column}): the file may use a delimiter other than "
        "comma, semicolon or tab — export it as CSV with one of those.",
    },
    # -- the progress lines of a load, the demo and a bootstrap (the page's bar, the CLI); the
    # store's own lines (Reading rows, Checking rows, ...) are plain English, matched to these by
    # their English text (i18n.text.progress_text): the store has no languages
    "progress.reading_head": {
        "ru": "Читаем начало файла",
        "en": "Reading the file's beginning",
    },
    "progress.hashing": {"ru": "Считаем контрольную сумму", "en": "Hashing"},
    "progress.hashing_converting": {
        "ru": "Считаем контрольную сумму и перекодируем в UTF-8",
        "en": "Hashing and converting to UTF-8",
    },
    "progress.reading_rows": {"ru": "Читаем строки", "en": "Reading rows"},
    "progress.checking_rows": {"ru": "Проверяем строки", "en": "Checking rows"},
    "progress.saving_transactions": {"ru": "Сохраняем транзакции", "en": "Saving transactions"},
    "progress.committing": {"ru": "Записываем", "en": "Committing"},
    "progress.done": {"ru": "Готово", "en": "Done"},
    "progress.demo_chunk": {
        "ru": "создано клиентов: {done} из {customers}, транзакций: {transactions}",
        "en": "{done} of {customers} customers, {transactions} transactions generated",
    },
    "progress.demo_committing": {"ru": "записываем", "en": "committing"},
    "progress.demo_done": {"ru": "готово", "en": "done"},
    "progress.bootstrap": {
        "ru": "Бутстрэп: повтор {number} из {bootstrap}",
        "en": "Bootstrap replicate {number}/{bootstrap}",
    },
    # -- the demo's one line (experiments/demo.py); the values are counted nouns (count.*) ------
    "demo.summary": {
        "ru": "Демо-данные: {customers}, {transactions} (с {first} по {last}); эксперимент "
        "{name}: {audience}, {arms}. Истинные эффекты механик заложены заранее и сохранены в "
        "базе, чтобы с ними можно было сверить анализ (демо-набор № {seed}).",
        "en": "Demo data: {customers}, {transactions} ({first} to {last}), experiment {name} "
        "with {audience} in {arms}; true effects in known_effects (seed {seed}).",
    },
    "demo.file_name": {
        "ru": "демо-данные ({customers}, набор № {seed})",
        "en": "demo ({customers} customers, seed {seed})",
    },
    # -- what the upload history stores in English, read back (experiments/i18n/readback.py) ----
    "upload.message.assignments": {
        "ru": "{customers}, {arms}",
        "en": "{customers} customers in {arms} arms",
    },
}
