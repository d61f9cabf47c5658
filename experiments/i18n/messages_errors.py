"""Catalogue texts of the domain's refusals (issue #12): the errors and problems that were plain
English f-strings inside a Russian run.

Keys: ``sheet.`` (experiments/sheet.py, a workbook beyond a limit or unreadable), ``ingest.file.``
(experiments/ingest: a file that cannot be read at all), ``store.error.`` (experiments/store and the
domain modules that raise `StoreError`), ``source.check.`` (experiments/source_engine.py: the
source's tables and columns), ``clv.error.`` (`ClvFitError`), ``design.error.`` (`DesignError`
and the design's `StoreError`), ``share.`` (a report link's check) and ``access.`` (the sign-in
form). Their English is the wording the domain had before, which its English tests pin.

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
tests/test_i18n_errors.py keeps new English f-string refusals out of experiments/.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    # -- a workbook (experiments/sheet.py) -------------------------------------------------------
    "sheet.limits": {
        "ru": "строк — не больше {rows}, столбцов — не больше {columns}, данных листа после "
        "распаковки — не больше {megabytes} МБ",
        "en": "at most {rows} rows, {columns} columns and {megabytes} MB of sheet data once "
        "unzipped",
    },
    "sheet.workbook_too_big": {
        "ru": "после распаковки в книге больше данных, чем допустимо ({limits}). Сохраните лист "
        "как CSV или разделите его на части.",
        "en": "The workbook unpacks to more sheet data than the limit ({limits}). Export the "
        "sheet as CSV, or split it.",
    },
    "sheet.part_too_big": {
        "ru": "её часть {part} после распаковки занимает {size} МБ, больше допустимых {limit} МБ: "
        "Excel таких книг не сохраняет. Сохраните её как CSV.",
        "en": "its part {part} unpacks to {size} MB, beyond {limit} MB: not a workbook Excel "
        "writes. Export it as CSV.",
    },
    "sheet.sheet_too_big": {
        "ru": "её первый лист после распаковки занимает {size} МБ, больше допустимого ({limits}). "
        "Сохраните лист как CSV или разделите его на части.",
        "en": "its first sheet unpacks to {size} MB of XML, beyond the limit ({limits}). Export "
        "the sheet as CSV, or split it.",
    },
    "sheet.unreadable": {
        "ru": "это не книга Excel в формате XLSX или она повреждена ({detail})",
        "en": "it is not a readable XLSX workbook ({detail})",
    },
    "sheet.too_many_columns": {
        "ru": "в строке {row} заполнен столбец номер {column}, больше допустимого ({limits}).",
        "en": "row {row} has a cell in column {column}, beyond the limit ({limits}).",
    },
    "sheet.too_many_rows": {
        "ru": "строк с данными на первом листе больше, чем {rows}, а это больше допустимого "
        "({limits}). Сохраните лист как CSV или разделите его на части.",
        "en": "the first sheet has more than {rows} data rows, beyond the limit ({limits}). "
        "Export it as CSV, or split it.",
    },
    # -- a file that cannot be read (experiments/ingest) ----------------------------------------
    "ingest.file.missing": {"ru": "Файла {path} нет.", "en": "There is no file {path}."},
    "ingest.file.empty": {
        "ru": "Файл {file} пуст: загружать нечего.",
        "en": "{file} is empty: there is nothing to load.",
    },
    "ingest.file.too_large": {
        "ru": "Файл {file} занимает {size} МБ, а можно не больше {limit} МБ. Разделите его на "
        "части.",
        "en": "{file} is {size} MB; the limit is {limit} MB. Split the file.",
    },
    "ingest.file.too_many_columns": {
        "ru": "В файле {file} столбцов: {columns}, а читается не больше {limit}. Столько не "
        "нужно ни одной выгрузке: уберите лишние столбцы или разделите файл.",
        "en": "{file} has {columns} columns; at most {limit} are read. No export needs that "
        "many: leave out the columns you do not need, or split the file.",
    },
    "ingest.file.line_too_long": {
        "ru": "Строка {line} файла {file} длиной {length} знаков, а строка может быть не длиннее "
        "{row_limit} (ячейка — {cell_limit}). Это точно выгрузка таблицы? Проверьте кавычки "
        "около этой строки.",
        "en": "Line {line} of {file} is {length} characters long; a row may be at most "
        "{row_limit} (and a cell {cell_limit}). Is this a table export? Check the quotes around "
        "that line.",
    },
    "ingest.file.xls": {
        "ru": "Файл {file} — книга старого формата Excel (.xls). Сохраните её как .xlsx или CSV.",
        "en": "{file} is an old Excel .xls workbook. Save it as .xlsx or CSV.",
    },
    "ingest.file.mixed_encoding": {
        "ru": "В файле {file} смешаны кодировки UTF-8 и Windows-1251 (строка {line} не в той "
        "кодировке, что строки до неё), поэтому часть текста сохранилась бы искажённой. "
        "Сохраните его заново как CSV в UTF-8.",
        "en": "{file} mixes UTF-8 and Windows-1251 text (line {line} is not in the encoding of "
        "the lines before it), so some text would be stored garbled. Save it again as CSV UTF-8.",
    },
    "ingest.file.binary": {
        "ru": "Файл {file} не похож на CSV, XLSX или Parquet (в нём двоичные данные). Выгрузите "
        "данные в CSV (UTF-8) или XLSX.",
        "en": "{file} does not look like a CSV, XLSX or Parquet file (it contains binary data). "
        "Export the data as CSV (UTF-8) or XLSX.",
    },
    "ingest.file.header_only": {
        "ru": {
            "one": "В файле {file} есть заголовок ({count} столбец), но нет строк с данными.",
            "few": "В файле {file} есть заголовок ({count} столбца), но нет строк с данными.",
            "many": "В файле {file} есть заголовок ({count} столбцов), но нет строк с данными.",
            "other": "В файле {file} есть заголовок ({count} столбца), но нет строк с данными.",
        },
        "en": {
            "one": "{file} has a header ({count} column) but no data rows.",
            "other": "{file} has a header ({count} columns) but no data rows.",
        },
    },
    "ingest.file.xlsx_unreadable": {
        "ru": "Не удалось прочитать файл {file}: {reason} Сохраните его заново в Excel или "
        "выгрузите в CSV.",
        "en": "{file} could not be read: {reason} Save it again from Excel, or export CSV.",
    },
    "ingest.file.xlsx_beyond_limit": {
        "ru": "Не удалось прочитать файл {file}: {reason}",
        "en": "{file} could not be read: {reason}",
    },
    "ingest.file.sheet_empty": {
        "ru": "Файл {file}: первый лист пуст.",
        "en": "{file}: the first sheet is empty.",
    },
    "ingest.file.sheet_no_rows": {
        "ru": "Файл {file}: на первом листе нет строк с данными.",
        "en": "{file}: the first sheet has no data rows.",
    },
    "ingest.file.nested": {
        "ru": "В файле {file} есть вложенные столбцы {columns} (списки, структуры или словари). "
        "Loyalty Lab читает простые столбцы с текстом, числами и датами: разверните их или не "
        "включайте при сохранении файла.",
        "en": "{file} has nested column(s) {columns} (lists, structs or maps). Loyalty Lab reads "
        "flat columns of text, numbers and dates: flatten them or leave them out when saving "
        "the file.",
    },
    "ingest.file.parquet_unreadable": {
        "ru": "Файл {file} — не читаемый файл Parquet или он повреждён ({detail}).",
        "en": "{file} is not a readable Parquet file ({detail}).",
    },
    "ingest.file.no_rows": {"ru": "В файле {file} нет строк.", "en": "{file} has no rows."},
    "ingest.file.unreadable_as": {
        "ru": "Не удалось прочитать файл {file} как {format}: {detail}",
        "en": "{file} could not be read as {format}: {detail}",
    },
    "ingest.file.ragged": {
        "ru": "Файл {file}: в строках другое число столбцов, чем в заголовке.",
        "en": "{file}: rows have a different number of columns than the header.",
    },
    "ingest.file.bad_encoding": {
        "ru": "Файл {file} не целиком в кодировке {encoding} (байт {byte} одного из блоков — "
        "нет): смешаны кодировки? Сохраните его заново как CSV в UTF-8.",
        "en": "{file} is not valid {encoding} text throughout (byte {byte} of a chunk is not): "
        "mixed encodings? Save it again as CSV UTF-8.",
    },
    "ingest.file.nul_byte": {
        "ru": "В строке {line} файла {file} есть нулевой байт (двоичные данные внутри текстового "
        "файла, например испорченная выгрузка): он попал бы в идентификатор. Выгрузите файл "
        "заново или удалите эту строку.",
        "en": "Line {line} of {file} contains a NUL byte (binary data inside a text file, e.g. a "
        "broken export): it would end up inside an id. Export the file again, or remove that "
        "line.",
    },
    "ingest.file.temp_full": {
        "ru": "Не удалось перекодировать {file} в UTF-8 во временной папке {folder} ({detail}). "
        "Освободите там место (или укажите в TMPDIR папку на диске побольше) и загрузите "
        "снова; ничего не загружено.",
        "en": "{file} could not be converted to UTF-8 in the temporary folder {folder} "
        "({detail}). Free space there (or point TMPDIR at a larger disk) and load again; "
        "nothing was loaded.",
    },
    "ingest.file.duplicate": {
        "ru": "Файл {file} уже загружен {loaded_at} (загрузка {upload}); ничего не загружено. "
        "Чтобы загрузить его снова, сначала удалите ту загрузку.",
        "en": "{file} was already loaded on {loaded_at} as upload {upload}; nothing loaded. "
        "Remove that upload first to load the file again.",
    },
    "ingest.map.bad": {
        "ru": "Неверное --map {item}: пишите СТОЛБЕЦ=ПОЛЕ, например --map {example}",
        "en": "Bad --map {item}: write SOURCE=FIELD, e.g. --map {example}",
    },
    "ingest.map.twice": {
        "ru": "Столбец {column} сопоставлен дважды ({first}, {second}).",
        "en": "Column {column} is mapped twice ({first}, {second}).",
    },
    "ingest.map.unknown_column": {
        "ru": "В --map указаны столбцы {unknown}, которых нет в файле {file}. Его столбцы: "
        "{columns}.",
        "en": "--map names column(s) {unknown} that {file} does not have. Its columns are: "
        "{columns}.",
    },
    "ingest.map.unknown_field": {
        "ru": "Для транзакций нет полей {unknown}. Поля: {fields} (или {ignore}, чтобы "
        "пропустить столбец).",
        "en": "Unknown field(s) {unknown} for transactions. Fields are: {fields} (or {ignore} to "
        "skip a column).",
    },
    "ingest.case.duplicates": {
        "ru": "В файле {file} есть столбцы, чьи названия отличаются только регистром букв: "
        "{clashes}. Переименуйте один из каждой пары (или пропустите его: --map СТОЛБЕЦ=-), "
        "чтобы у каждого поля было своё название.",
        "en": "{file} has columns whose names differ only in letter case: {clashes}. Rename one "
        "of each (or leave it out with --map COLUMN=-) so every field has its own name.",
    },
    "ingest.ambiguous_dates": {
        "ru": "Даты в столбце {column} читаются и как день/месяц, и как месяц/день; прочитаны как "
        "день/месяц. Пишите даты как ГГГГ-ММ-ДД, чтобы не было путаницы.",
        "en": "Dates in column {column} fit both day/month and month/day order; read as "
        "day/month. Use YYYY-MM-DD to be unambiguous.",
    },
    "ingest.missing_arm_and_customer": {
        "ru": "В файле {file} нет ни столбца группы, ни столбца клиента: сопоставьте один из них "
        "в форме выше (или --map СТОЛБЕЦ=ПОЛЕ в командной строке).",
        "en": "{file} has neither a group / arm column nor a customer column: map one of them "
        "with --map COLUMN=FIELD (or on the Data page).",
    },
    "store.error.upload_kind": {
        "ru": "Неизвестный вид загрузки {kind}; возможные: {kinds}.",
        "en": "Unknown upload kind {kind}; use one of {kinds}.",
    },
    # -- the store (experiments/store, pages/_ui.py) ---------------------------------------------
    "store.error.locked": {
        "ru": "База {path} занята другим процессом — скорее всего, приложением Loyalty Lab. "
        "Записывать в файл базы DuckDB может только один процесс за раз. Остановите приложение "
        "(или тот процесс) и запустите команду снова либо укажите другой файл в --db / "
        "LOYALTY_LAB_DB.",
        "en": "The store {path} is in use by another process - most likely the Loyalty Lab app. "
        "DuckDB lets only one process write to a database file at a time. Stop the app (or that "
        "process) and run the command again, or point --db / LOYALTY_LAB_DB at another file.",
    },
    "store.error.locked_by": {
        "ru": "База {path} занята процессом {pid} ({program}) — скорее всего, приложением "
        "Loyalty Lab. Записывать в файл базы DuckDB может только один процесс за раз. "
        "Остановите приложение (или тот процесс) и запустите команду снова либо укажите другой "
        "файл в --db / LOYALTY_LAB_DB.",
        "en": "The store {path} is in use by process {pid} ({program}) - most likely the Loyalty "
        "Lab app. DuckDB lets only one process write to a database file at a time. Stop the app "
        "(or that process) and run the command again, or point --db / LOYALTY_LAB_DB at another "
        "file.",
    },
    "app.store.cannot_open": {
        "ru": "**Базу не удаётся открыть.** {reason}",
        "en": "**The store cannot be opened.** {reason}",
    },
    "app.store.missing": {
        "ru": "**Базы {path} нет** (на неё указывает {variable}). Проверьте путь на опечатки или "
        "удалите переменную {variable}, чтобы открыть базу по умолчанию {default}. Чтобы начать "
        "новую базу по этому пути, выполните `python -m experiments --db {path} demo` "
        "(демо-данные) или загрузите свой файл: `python -m experiments --db {path} load "
        "transactions FILE`.",
        "en": "**There is no store at {path}** ({variable} points there). Check the path for a "
        "typo, or unset {variable} to use the default store {default}. To start a new store at "
        "that path, run `python -m experiments --db {path} demo` (demo data) or load your own "
        "file with `python -m experiments --db {path} load transactions FILE`.",
    },
    # -- a source's tables and columns (experiments/source_engine.py) ---------------------------
    "source.check.columns_table": {
        "ru": "[source.columns] должна быть таблицей: столбец базы = столбец источника",
        "en": "[source.columns] must be a table: store column = source column",
    },
    "source.check.no_file": {
        "ru": "Источника {source} нет: такого файла не существует.",
        "en": "The source {source} does not exist: no such file.",
    },
    "source.check.no_directory": {
        "ru": "Источника {source} нет: такой папки не существует.",
        "en": "The source {source} does not exist: no such directory.",
    },
    "source.check.no_table": {
        "ru": "В источнике {source} нет таблицы {table}{tables}. Укажите таблицу в [source] "
        "table (или в $LOYALTY_LAB_SOURCE_TABLE).",
        "en": "The source {source} has no table {table}{tables}. Name the table in [source] "
        "table (or $LOYALTY_LAB_SOURCE_TABLE).",
    },
    "source.check.tables": {"ru": " (в нём есть: {tables})", "en": " (it has: {tables})"},
    "source.check.no_tables": {"ru": " (в нём нет таблиц)", "en": " (it has no tables)"},
    "source.check.mapped": {
        "ru": "{name} (сопоставлен с {column})",
        "en": "{name} (mapped to {column})",
    },
    "source.check.no_column": {
        "ru": "В таблице {table} источника {source} нет столбцов {columns}. Сопоставьте "
        'названия источника в [source.columns], например customer_id = "card_no".',
        "en": "The table {table} of {source} has no column {columns}. Map the source's names "
        'in [source.columns], e.g. customer_id = "card_no".',
    },
    "source.check.store": {
        "ru": "Транзакции самой базы читают её собственные запросы, а не движок источника.",
        "en": "the store itself is read by the store's own queries, not an engine",
    },
    # -- a CLV fit that cannot be used (experiments/clv, `ClvFitError`) --------------------------
    "clv.error.unusable": {
        "ru": "Модель {model} не годится: {message}",
        "en": "{model}: {message}",
    },
    "clv.error.infinite_spend": {
        "ru": "У модели Gamma-Gamma q <= 1: ожидаемый средний чек бесконечен.",
        "en": "Gamma-Gamma q <= 1: the expected spend is infinite.",
    },
    # -- the design's refusals (experiments/design) -----------------------------------------------
    "design.error.weights": {
        "ru": "Доли групп должны быть больше нуля.",
        "en": "Allocation weights must be positive.",
    },
    "design.error.separator": {
        "ru": "Разделитель в CSV — запятая или точка с запятой.",
        "en": "The CSV separator must be ',' or ';'.",
    },
    "design.error.name_taken": {
        "ru": "Эксперимент с названием «{name}» уже есть (номер {id}); выберите другое название.",
        "en": "An experiment named '{name}' already exists (id {id}); choose another name.",
    },
    "design.error.list_arms": {
        "ru": "Группы загруженного списка — это его группы; менять можно только их вид и "
        "стоимость.",
        "en": "The arms of a registered list are its groups; only kinds and costs can change.",
    },
    "design.error.empty_audience": {
        "ru": "Аудитория пуста: под условия отбора не подходит ни один клиент. Ослабьте условия "
        "перед запуском.",
        "en": "The audience is empty: no customer matches the filters. Widen the filters before "
        "starting.",
    },
    # -- analysing a file, the demo, an experiment by name (analysis_file, demo, metrics) --------
    "store.error.no_metric": {
        "ru": "Укажите хотя бы один столбец метрики.",
        "en": "Give at least one metric column.",
    },
    "store.error.metric_not_numbers": {
        "ru": "В столбце метрики {column} есть значения, которые не являются числами.",
        "en": "Metric column {column} holds values that are not numbers.",
    },
    "store.error.covariate_not_numbers": {
        "ru": "В столбце ковариаты {column} есть значения, которые не являются числами.",
        "en": "Covariate column {column} holds values that are not numbers.",
    },
    "store.error.covariate_not_result": {
        "ru": "Ковариата {field} — не числовое поле итогов этого эксперимента.",
        "en": "Covariate {field} is not a numeric field of this experiment's results.",
    },
    "store.error.demo_customers": {
        "ru": "Для демо нужен хотя бы один клиент, а задано {customers}.",
        "en": "The demo needs at least one customer, got {customers}.",
    },
    "store.error.demo_not_empty": {
        "ru": "В базе уже есть данные, а демо заполняет только пустую базу. Чтобы заменить её "
        "содержимое, выполните `python -m experiments demo`.",
        "en": "The store already holds data; the demo only seeds an empty store. Use `python -m "
        "experiments demo` to replace its contents.",
    },
    "store.error.unknown_experiment": {
        "ru": "Эксперимента с номером или названием {experiment} нет. Список экспериментов в "
        "базе: `python -m experiments list`.",
        "en": "No experiment with id or name {experiment}. Run `python -m experiments list` to "
        "see the experiments in the store.",
    },
    "store.error.file_suffix": {
        "ru": "Не удалось прочитать {file}: нужен файл .csv, .parquet или .xlsx (а не «{suffix}»).",
        "en": "Cannot read {file}: use a .csv, .parquet or .xlsx file (got '{suffix}').",
    },
    "store.error.file_columns": {
        "ru": "Этих столбцов нет в файле: {columns}",
        "en": "Column(s) not in the file: {columns}",
    },
    # -- a report link and the sign-in form (experiments/share.py, pages/_ui.py) -----------------
    "share.link.missing": {
        "ru": "Для этой ссылки на отчёт нужен действующий ключ доступа.",
        "en": "This report link needs a valid access token.",
    },
    "share.link.malformed": {
        "ru": "Ссылка на отчёт недействительна (её ключ доступа повреждён). Попросите новую "
        "ссылку.",
        "en": "This report link is invalid (its access token is damaged). Ask for a new link.",
    },
    "share.link.tampered": {
        "ru": "Ссылку на отчёт изменили после того, как ею поделились, поэтому открыть её нельзя. "
        "Попросите новую ссылку.",
        "en": "This report link was changed after it was shared, so it cannot be opened. Ask for "
        "a new link.",
    },
    "share.link.expired": {
        "ru": "Срок действия ссылки на отчёт истёк. Попросите новую ссылку.",
        "en": "This report link has expired. Ask for a new link.",
    },
    "access.sign_in_to_edit": {
        "ru": "Войдите, чтобы вносить изменения",
        "en": "Sign in to edit",
    },
    "access.sign_in_to_read": {
        "ru": "Войдите, чтобы открыть этот отчёт",
        "en": "Sign in to read this report",
    },
    "access.colleagues_only": {
        "ru": "Изменять данные могут только коллеги, которые вошли в систему.",
        "en": "Editing is limited to signed-in colleagues.",
    },
    "access.sign_in": {"ru": "Войти", "en": "Sign in"},
    "access.password": {"ru": "Пароль редактора", "en": "Editor password"},
    "access.wait": {
        "ru": "Слишком много неверных паролей. Повторите через {seconds} с.",
        "en": "Too many wrong passwords. Try again in {seconds} s.",
    },
    "access.wrong_password": {"ru": "Неверный пароль.", "en": "Wrong password."},
}
