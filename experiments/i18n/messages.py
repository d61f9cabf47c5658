"""The message catalogue: every string a person reads, by key, in Russian and English.

One entry per key: ``{"ru": ..., "en": ...}``. A text is a `str.format` template; a text that
depends on a number is a dict of CLDR plural categories (ru: one / few / many / other, en:
one / other), each a template with ``{count}``. Both languages of a key (and every plural
form) use the same placeholders; tests/test_i18n.py checks that, so a translation can never
drop a number.

Keys are grouped by what they name: ``app.`` / ``nav.`` / ``page.`` (titles and navigation),
``verdict.``, ``decision.`` (the decision cards' sentences, after experiments/decision.py),
``warning.`` (the data warnings that hold verdicts, after metrics.py), ``arm_kind.``
(design.ArmKind), ``metric.`` (metrics.METRICS), ``guardrail.`` (design.GUARDRAILS),
``correction.`` (config.CORRECTIONS), ``field.`` (the mapping form's fields, ingest.FIELDS,
as people say them), ``count.`` (numbers with a noun), ``unit.``, ``glossary.`` (`GLOSSARY`
gives the order), ``export.``, ``lang.``.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry, Message

# Glossary terms in the order a page or the report lists them: glossary.<term>.term / .text
GLOSSARY: tuple[str, ...] = (
    "cuped",
    "correction",
    "always_valid",
    "chance_best",
    "smd",
    "salt",
    "kaplan_meier",
    "bg_nbd",
    "srm",
    "guardrail",
)

MESSAGES: dict[str, Entry] = {
    # -- the app, its navigation and page titles ---------------------------------------------
    "app.title": {"ru": "Loyalty Lab", "en": "Loyalty Lab"},
    "nav.experiments": {"ru": "Эксперименты", "en": "Experiments"},
    "nav.share": {"ru": "Поделиться", "en": "Share"},
    "page.results": {"ru": "Результаты", "en": "Results"},
    "page.design": {"ru": "Дизайн эксперимента", "en": "Design"},
    "page.data": {"ru": "Данные", "en": "Data"},
    "page.customers": {"ru": "Клиенты", "en": "Customers"},
    "page.report": {"ru": "Отчёт", "en": "Report"},
    "lang.label": {"ru": "Язык", "en": "Language"},
    "lang.ru": {"ru": "Русский", "en": "Русский"},  # a language is named in itself
    "lang.en": {"ru": "English", "en": "English"},
    "app.first_start": {
        "ru": "Первый запуск: создаём демо-базу...",
        "en": "First start: creating the demo store...",
    },
    "app.first_start_done": {
        "ru": "Первый запуск: создана база {path} с демо-данными (синтетические клиенты и один "
        "эксперимент; удалите их на странице «Данные», когда загрузите свои)",
        "en": "First start: created the store {path} with the demo data set (synthetic "
        "customers and one experiment; remove it on the Data page once your data is in)",
    },
    "app.store_ready": {"ru": "База готова", "en": "Store ready"},
    # -- the Results page and the report view (pages/results.py, pages/_results_view.py) -------
    "results.none": {
        "ru": "Экспериментов пока нет. Спланируйте эксперимент на странице «Дизайн эксперимента» "
        "или загрузите файл с итогами кампании.",
        "en": "No experiments yet. Design one on the Design page, or upload a campaign result "
        "file.",
    },
    "results.all_experiments": {
        "ru": "Все эксперименты ({count})",
        "en": "All experiments ({count})",
    },
    "results.missing_experiment": {
        "ru": "В ссылке указан эксперимент **{name}**, которого нет в этой базе (удалён, "
        "переименован или ссылка из другой базы). Выберите один из экспериментов ниже.",
        "en": "The link names the experiment **{name}**, which is not in this store (deleted, "
        "renamed, or a link from another store). Pick one of the experiments below instead.",
    },
    "results.show_experiments": {"ru": "Показать эксперименты", "en": "Show the experiments"},
    "results.experiment": {"ru": "Эксперимент", "en": "Experiment"},
    "results.demo_suffix": {"ru": " (демо-данные)", "en": " (demo data)"},
    "results.archived_suffix": {"ru": " (в архиве)", "en": " (archived)"},
    "results.settings": {"ru": "Настройки анализа", "en": "Analysis settings"},
    "results.horizon": {
        "ru": "Горизонт, дней после назначения",
        "en": "Horizon, days after assignment",
    },
    "results.horizon.help": {
        "ru": "Учитываются покупки в течение стольких дней после назначения каждого клиента. "
        "Пока эксперимент идёт, «пока что» — самый длинный горизонт, за который виден каждый "
        "клиент.",
        "en": "Purchases within this many days of each customer's assignment count. While an "
        "experiment runs, 'so far' is the longest horizon every customer is observed for.",
    },
    "results.horizon.planned": {"ru": "по плану", "en": "planned"},
    "results.horizon.so_far": {"ru": "все данные на сегодня", "en": "all data so far"},
    "results.horizon.link_invalid": {  # a link's horizon=0 or -5: the page falls back
        "ru": "Горизонт в ссылке («{value}») — не целое число дней больше 0: показан горизонт "
        "{days}.",
        "en": "The link's horizon ('{value}') is not a whole number of days above 0: showing "
        "{days} instead.",
    },
    "results.horizon.link_not_offered": {
        "ru": "Горизонта {value} дн. нет среди горизонтов этого эксперимента ({offered}): "
        "показан горизонт {days}.",
        "en": "A horizon of {value} days is not offered for this experiment ({offered}): "
        "showing {days} instead.",
    },
    "results.cap": {
        "ru": "Ограничить денежные значения (вкл.: разница винзоризованных средних, другая "
        "оцениваемая величина)",
        "en": "Cap money values (on: the winsorised mean difference, a different estimand)",
    },
    "results.cap.help": {
        "ru": "Выкл. (по умолчанию): денежные эффекты — разница средних на клиента, {currency}. "
        "Вкл.: выручка и чистый доход ограничиваются на общем {percentile}-м процентиле "
        "ненулевых значений — это другая величина (разница винзоризованных средних, а не "
        "разница денег), она тянет эффекты на «тяжёлых хвостах» трат к нулю.",
        "en": "Off (default): money effects are the mean difference per customer, in "
        "{currency}. On: revenue and net value are winsorised at the pooled {percentile}th "
        "percentile of non-zero values - a different estimand (the winsorised mean "
        "difference, not the money difference), which shrinks effects on heavy-tailed spend "
        "toward zero.",
    },
    "results.cuped": {
        "ru": "Учесть поведение до эксперимента (CUPED)",
        "en": "Adjust for pre-period behaviour (CUPED)",
    },
    "results.cuped.help": {
        "ru": "Использует то, что каждый клиент делал до назначения (траты, заказы, давность, "
        "стаж, сегмент RFM), чтобы сузить интервалы; оценка без поправки показана рядом.",
        "en": "Uses what each customer did before assignment (spend, orders, recency, tenure, "
        "RFM segment) to narrow the intervals; the unadjusted estimate is shown beside it.",
    },
    "results.correction": {
        "ru": "Поправка на несколько механик",
        "en": "Correction across levers",
    },
    "results.correction.help": {
        "ru": "holm: пошаговая поправка Холма (ограничивает шанс хотя бы одной ложной победы); "
        "bh: Бенджамини — Хохберг (ограничивает долю ложных побед); none: без поправки. Каждая "
        "метрика — своё семейство сравнений по механикам. Вердикт следует правилу дизайна.",
        "en": "holm: Holm's step-down (controls the chance of any false win); bh: "
        "Benjamini-Hochberg (controls the share of false wins); none: no correction. Each "
        "metric is its own family across the levers. The verdict keeps the design's.",
    },
    "results.confidence": {"ru": "Уровень доверия, %", "en": "Confidence level, %"},
    "results.confidence.help": {
        "ru": "Вердикт использует уровень доверия, заданный при дизайне; другой уровень даёт "
        "исследовательский вид.",
        "en": "The verdict keeps the confidence fixed at design; another level gives an "
        "exploratory view.",
    },
    "results.analysing": {
        "ru": "Анализируем эксперимент в DuckDB...",
        "en": "Analysing the experiment in DuckDB...",
    },
    "results.status_line": {
        "ru": "Статус **{status}** · {customers} в {arms} · горизонт **{horizon}** · данные с "
        "{first} по {last} · денежные эффекты: {estimand}",
        "en": "Status **{status}** · {customers} in {arms} · horizon **{horizon}** · data "
        "{first} to {last} · money effects: {estimand}",
    },
    "results.exploratory": {
        "ru": "**Исследовательский вид**: {differences}. Вердикты следуют правилу, заданному "
        "при дизайне; графики и таблицы ниже — с этими настройками.",
        "en": "**Exploratory view**: {differences}. The verdicts follow the rule fixed at "
        "design; the charts and tables below use these settings.",
    },
    "results.rule_line": {
        "ru": "Правило вердикта, заданное при дизайне: {rule}.",
        "en": "Verdict rule fixed at design: {rule}.",
    },
    "results.how_decided": {"ru": "Как выносится вердикт", "en": "How the verdict is decided"},
    "results.lever.best_help": {
        "ru": "Апостериорная вероятность того, что у этой механики самый высокий чистый доход.",
        "en": "Posterior probability that this lever has the highest net value.",
    },
    "results.lever.net_help": {
        "ru": "На клиента, после затрат на механику.",
        "en": "Per customer, after the lever's cost.",
    },
    "results.lever.cost_help": {
        "ru": "Во что механика обошлась на клиента за горизонт: скидки в заказах плюс подарок или "
        "звонок.",
        "en": "What the lever cost per customer over the horizon: discounts given on orders, "
        "plus the gift or the call.",
    },
    "results.section.distribution": {
        "ru": "Чистый доход на клиента: распределение",
        "en": "Net value per customer: the distribution",
    },
    "results.section.segments": {"ru": "Сегменты", "en": "Segments"},
    "results.segments_caption": {
        "ru": "Сегменты — для исследования: интервалы скорректированы по сегментам; реальная "
        "разница между сегментами видна как малое p-значение неоднородности в таблице ниже.",
        "en": "Segments are for exploring: intervals are corrected across segments; a real "
        "difference between segments shows as a small heterogeneity p-value in the table below.",
    },
    "results.section.effects": {"ru": "Все эффекты (таблица)", "en": "All effects (table)"},
    "results.adjustment_caption": {
        "ru": "Один и тот же эффект, оценённый дважды: только по разнице средних (без поправки, "
        "Welch) и с учётом того, что каждый клиент делал до назначения (CUPED: регрессия Лина "
        "с наклонами по группам и устойчивой дисперсией). Обе оценивают одну и ту же разницу; "
        "скорректированная уже на показанное снижение дисперсии, и именно по ней выносятся "
        "вердикты.",
        "en": "The same effect estimated twice: from the difference in means alone "
        "(unadjusted, Welch) and adjusted for what each customer did before assignment (CUPED: "
        "Lin's regression with arm-specific slopes and a heteroskedasticity-robust variance). "
        "Both estimate the same difference; the adjusted one is narrower by the variance "
        "reduction shown, and it is the one the verdicts read.",
    },
    "results.projection.title": {
        "ru": "За пределами наблюдаемого окна",
        "en": "Beyond the observed window",
    },
    "results.projection.caption": {
        "ru": "Прогноз по модели, а не наблюдаемый результат: BG/NBD (как часто и как долго "
        "клиенты покупают) и Gamma-Gamma (сколько тратят) обучены на поведении после прямого "
        "окна механик (всплеск заказов по купону — не долгосрочная ценность), проверены на "
        "отложенной части периода наблюдения и спроецированы на 12 месяцев вперёд. Маржа — "
        "после выданных скидок; фиксированные затраты (подарки, звонки) учтены в наблюдаемом "
        "чистом доходе выше.",
        "en": "A model-based projection, not an observed result: BG/NBD (how often and how "
        "long customers keep buying) and Gamma-Gamma (how much they spend) fitted on behaviour "
        "after the levers' direct window (a burst of orders on a coupon is not lasting value), "
        "checked against a held-back part of the follow-up, projected 12 months ahead. Margins "
        "are after the discounts given; fixed lever costs (gifts, calls) are in the observed "
        "net value above.",
    },
    "results.projection.button": {
        "ru": "Спрогнозировать CLV на 12 месяцев по группам",
        "en": "Project 12-month CLV per arm",
    },
    "results.table.experiment": {"ru": "эксперимент", "en": "experiment"},
    "results.table.status": {"ru": "статус", "en": "status"},
    "results.table.started": {"ru": "начат", "en": "started"},
    "results.table.customers": {"ru": "клиентов", "en": "customers"},
    "results.table.levers": {"ru": "механики", "en": "levers"},
    "results.table.horizon_days": {"ru": "дней по плану", "en": "planned days"},
    "results.table.observed_days": {"ru": "дней наблюдения", "en": "days observed"},
    "results.table.progress": {"ru": "от плана", "en": "of the planned horizon"},
    "results.table.reading": {"ru": "готово?", "en": "ready?"},
    "report_view.missing_experiment": {
        "ru": "В этой ссылке на отчёт указан эксперимент, которого нет в базе.",
        "en": "This report link names an experiment that is not in the store.",
    },
    "report_view.caption": {
        "ru": "Отчёт только для чтения · горизонт {horizon} · денежные эффекты: {estimand} · "
        "CUPED {cuped} · {correction} · уровень доверия {confidence}",
        "en": "Read-only report · horizon {horizon} · money effects: {estimand} · CUPED {cuped} "
        "· {correction} · confidence {confidence}",
    },
    "report_view.file_caption": {
        "ru": "Отчёт только для чтения · файл с итогами кампании · метрики {metrics} · CUPED "
        "{covariate} · денежные эффекты: {estimand} · {correction} · уровень доверия "
        "{confidence}",
        "en": "Read-only report · campaign result file · metrics {metrics} · CUPED {covariate} "
        "· money effects: {estimand} · {correction} · confidence {confidence}",
    },
    "results.file.covariate": {
        "ru": "Показатель до кампании (CUPED)",
        "en": "Pre-period covariate (CUPED)",
    },
    "results.file.no_covariate": {"ru": "нет (без поправки)", "en": "none (no adjustment)"},
    "results.file.covariate.help": {
        "ru": "Столбец, измеренный до кампании (например, траты за прошлый год). Поправка на "
        "него сужает интервалы, не смещая эффекты.",
        "en": "A column measured before the campaign (e.g. last year's spend). Adjusting for it "
        "narrows the intervals without biasing the effects.",
    },
    "results.file.metrics": {
        "ru": "Метрики (первая определяет вердикты)",
        "en": "Metrics (the first one decides the verdicts)",
    },
    "results.file.metrics.help": {
        "ru": "Числовые столбцы файла с итогами. Столбцы с текстом не могут быть метриками. "
        "Столбцы 0/1 — доли (z-тест), остальные — суммы (t-тест Уэлча).",
        "en": "Numeric columns of the result file. Columns holding text cannot be metrics. 0/1 "
        "columns are rates (z-test), others amounts (Welch t-test).",
    },
    "results.file.text_fields": {
        "ru": "Не предлагаются как метрики, потому что в них текст: {fields}. Столбцы да/нет "
        "({values}) считаются долями.",
        "en": "Not offered as metrics because they hold text: {fields}. Yes/no columns "
        "({values}) are rates.",
    },
    "results.file.upload": {
        "ru": "**{name}** ({rows}, загружен {loaded})",
        "en": "**{name}** ({rows}, loaded {loaded})",
    },
    "results.file.source": {
        "ru": "Из загруженного файла с итогами кампании {files} · {rows} в {arms} · контроль "
        "**{control}**",
        "en": "From the uploaded campaign result file {files} · {rows} in {arms} · control "
        "**{control}**",
    },
    "results.file.cuped_on": {"ru": " · CUPED по **{field}**", "en": " · CUPED on **{field}**"},
    "results.file.net_value": {
        "ru": "Группы, затраты и план — из эксперимента, итоги — из файла. **Чистый доход** "
        "= маржа {rate} от **{field}** (ставка маржи, от которой считается весь чистый доход, "
        "задаётся на странице «Данные») минус затраты механики — {costs}. Решает он.",
        "en": "Arms, costs and plan come from the experiment, outcomes from the file. **Net "
        "value** = {rate} margin on **{field}** (the margin rate behind every net value, set "
        "on the Data page) minus each lever's cost - {costs}. It decides.",
    },
    "results.file.no_money": {
        "ru": "В файле нет денежного столбца, поэтому не видно, окупает ли механика свои затраты "
        "({costs}): механика, которая стоит денег, не внедряется по одной лишь доле. Загрузите "
        "файл с тратами каждого клиента, чтобы оценить чистый доход.",
        "en": "The file has no money column, so it cannot show whether a lever pays for its "
        "cost ({costs}): no lever that costs money is shipped on a rate alone. Load the file "
        "with what each customer spent to judge net value.",
    },
    "results.file.srm": {
        "ru": "Размеры групп не совпадают с планом разбиения (SRM, p = {p}): разбиение или "
        "выгрузка, вероятно, сломаны, поэтому вердикты ниже ждут объяснения.",
        "en": "Arm sizes do not match the planned split (sample-ratio mismatch, p = {p}): the "
        "split or the export is probably broken, so the verdicts below wait until it is "
        "explained.",
    },
    "results.file.insufficient": {
        "ru": "Недостаточно данных: {note}",
        "en": "Insufficient data: {note}",
    },
    "results.file.exploratory": {
        "ru": "**Исследовательский вид**: {differences}. Вердикты следуют правилу, заданному "
        "при дизайне; таблицы ниже — с этими настройками.",
        "en": "**Exploratory view**: {differences}. The verdicts follow the rule fixed at "
        "design; the tables below use these settings.",
    },
    "results.file.forest_caption": {
        "ru": "{forest} Доли — в процентных пунктах.",
        "en": "{forest} Rates in percentage points.",
    },
    "results.file.effects": {"ru": "Все эффекты", "en": "All effects"},
    "results.file.p_adjusted": {
        "ru": "p-значения скорректированы на метрик: {metrics} × групп: {arms} ({correction}). "
        "{money}",
        "en": "p-values adjusted for {metrics} metric(s) x {arms} arm(s) ({correction}). {money}",
    },
    "mapping.caption": {
        "ru": "Мы угадали, в каком столбце что лежит; исправьте, если что-то не так. Поля со "
        "звёздочкой * обязательны.",
        "en": "We guessed which column holds what; correct anything that is wrong. Fields "
        "marked * are required.",
    },
    "mapping.not_in_file": {"ru": "(нет в этом файле)", "en": "(not in this file)"},
    # -- the Data page (pages/data.py) --------------------------------------------------------
    "data.intro": {
        "ru": "Всё, на чём измеряются эксперименты: ваши транзакции, атрибуты клиентов и файлы "
        "с итогами кампаний. Загрузите выгрузки из магазина, CRM или сервиса рассылок.",
        "en": "Everything the experiments are measured on: your transactions, customer "
        "attributes and campaign result files. Upload exports from your shop, CRM or e-mail "
        "service.",
    },
    "data.customers": {"ru": "Клиенты", "en": "Customers"},
    "data.transactions": {"ru": "Транзакции", "en": "Transactions"},
    "data.revenue": {"ru": "Выручка, {currency}", "en": "Revenue, {currency}"},
    "data.revenue.help": {"ru": "Точно: {amount}.", "en": "Exactly {amount}."},
    "data.repeat_buyers": {"ru": "Повторные покупатели", "en": "Repeat buyers"},
    "data.repeat_buyers.help": {
        "ru": "Доля покупателей, купивших хотя бы в два разных дня.",
        "en": "Share of buyers who purchased on at least two different days.",
    },
    "data.experiments": {"ru": "Эксперименты", "en": "Experiments"},
    "data.span": {
        "ru": "Транзакции с **{first}** по **{last}**.",
        "en": "Transactions from **{first}** to **{last}**.",
    },
    "data.monthly_caption": {
        "ru": "Ищите сезонность и пропуски: пропавший месяц обычно означает пропавшую выгрузку.",
        "en": "Look for seasonality and gaps: a missing month usually means a missing export.",
    },
    "data.settings": {"ru": "Настройки магазина", "en": "Store settings"},
    "data.upload": {"ru": "Загрузить файл", "en": "Upload a file"},
    "data.history": {"ru": "История загрузок", "en": "Upload history"},
    "data.no_uploads": {"ru": "Загрузок пока нет.", "en": "No uploads yet."},
    "data.remove": {"ru": "Удалить загрузку", "en": "Remove an upload"},
    "data.remove.caption": {
        "ru": "Удаляет строки загрузки из базы и её запись из этой истории.",
        "en": "Removes the upload's rows from the store and its entry from this history.",
    },
    # -- the Customers page (pages/customers.py) ----------------------------------------------
    "customers.intro": {
        "ru": "Лояльность измеряется в деньгах за всю жизнь клиента. Это клиентская база, на "
        "которой идут ваши эксперименты: кто покупает, кто возвращается и сколько стоит клиент.",
        "en": "Loyalty is measured in money over a customer's life. This is the customer base "
        "your experiments run on: who buys, who comes back, and what a customer is worth.",
    },
    "customers.empty": {
        "ru": "В базе пока нет покупок. Загрузите транзакции на странице «Данные».",
        "en": "No purchases in the store yet. Upload your transactions on the Data page.",
    },
    "customers.customers": {"ru": "Клиенты", "en": "Customers"},
    "customers.customers.help": {
        "ru": "Клиенты хотя бы с одной покупкой до {as_of}.",
        "en": "Customers with at least one purchase before {as_of}.",
    },
    "customers.active": {
        "ru": "Активны за последние {months} мес.",
        "en": "Active in the last {months} months",
    },
    "customers.active.help": {
        "ru": "Клиенты с покупкой за {days} дн. до {as_of} ({share} всех клиентов).",
        "en": "Customers with a purchase in the {days} days before {as_of} ({share} of all "
        "customers).",
    },
    "customers.repeat_share": {"ru": "Доля повторных", "en": "Repeat share"},
    "customers.repeat_share.help": {
        "ru": "Доля клиентов, покупавших в два разных дня и больше (заказы одного дня — "
        "одна покупка, возвраты — не заказ).",
        "en": "Share of customers who bought on two or more different days (orders of one day "
        "count as one purchase, refunds as none).",
    },
    "customers.median_clv": {
        "ru": "Медианный CLV за {months} мес.",
        "en": "Median {months}-month CLV",
    },
    "customers.median_clv.help": {
        "ru": {
            "one": (
                "Маржа, которую клиент принёс за первые {months} мес. после первой покупки; "
                "учитывается только {count} клиент, чья первая покупка была не меньше {months} "
                "мес. назад."
            ),
            "few": (
                "Маржа, которую клиент принёс за первые {months} мес. после первой покупки; "
                "учитываются только {count} клиента, чья первая покупка была не меньше {months} "
                "мес. назад."
            ),
            "many": (
                "Маржа, которую клиент принёс за первые {months} мес. после первой покупки; "
                "учитываются только {count} клиентов, чья первая покупка была не меньше {months} "
                "мес. назад."
            ),
            "other": (
                "Маржа, которую клиент принёс за первые {months} мес. после первой покупки; "
                "учитываются только {count} клиента, чья первая покупка была не меньше {months} "
                "мес. назад."
            ),
        },
        "en": {
            "one": (
                "Margin a customer brought in the first {months} months after their first "
                "purchase; only the {count} customer whose first purchase is at least {months} "
                "months old counts."
            ),
            "other": (
                "Margin a customer brought in the first {months} months after their first "
                "purchase; only the {count} customers whose first purchase is at least {months} "
                "months old count."
            ),
        },
    },
    "customers.section.segments": {
        "ru": "Кто они: сегменты RFM",
        "en": "Who they are: RFM segments",
    },
    "customers.segments_caption": {
        "ru": "Каждый клиент получает оценку 1–5 по давности, частоте и тратам (квинтили вашей "
        "базы; частота и траты за последние {days} дн.) и попадает в первый подходящий "
        "сегмент. Это те же сегменты, что и в фильтре аудитории на странице «Дизайн "
        "эксперимента».",
        "en": "Every customer is scored 1-5 on recency, frequency and spend (quintiles of your "
        "customer base; frequency and spend over the last {days} days) and put in the first "
        "segment that fits. These are the same segments as the audience filter on the Design "
        "page.",
    },
    "customers.segments_csv": {"ru": "Сегменты (CSV)", "en": "Segments (CSV)"},
    "customers.segments_chart_caption": {
        "ru": "Ищите сегменты, у которых столбик выручки намного выше столбика клиентов: "
        "немногие клиенты приносят деньги, их стоит беречь в первую очередь.",
        "en": "Look for segments whose revenue bar is much taller than their customer bar: few "
        "customers carrying the money, worth protecting first.",
    },
    "customers.cohorts_caption": {
        "ru": "Читайте строку слева направо: доля новых клиентов одного месяца, купивших снова "
        "через столько месяцев, сколько указано над столбцом. Если строка гаснет быстрее, "
        "чем строки над ней, новые клиенты менее лояльны. * — текущий, незаконченный месяц.",
        "en": "Read a row left to right: the share of one month's new customers who bought again "
        "N months later. Rows that fade faster than the ones above them mean newer customers "
        "are less loyal. * marks the current, unfinished month.",
    },
    "customers.repeat_curve_caption": {
        "ru": "Там, где кривая выходит на плато, ожидание приносит мало вторых покупок: в этот "
        "момент напоминание (подарок, скидка, звонок) может дать больше всего. Недавние клиенты "
        "учтены только за те дни, что они с нами (метод Каплана — Мейера).",
        "en": "Where the curve flattens, waiting brings few second orders: that is the moment a "
        "nudge (gift, discount, call) has the most to win. Recent customers count only for "
        "the days they have been around (Kaplan-Meier).",
    },
    "customers.historic_summary": {
        "ru": "За первые **{months}** клиенты, которых уже можно оценить ({customers}), "
        "принесли **{median}** маржи по медиане, {mean} в среднем и {p90} на 90-м перцентиле.",
        "en": "In their first **{months}** the {customers} old enough to judge brought "
        "**{median}** of margin at the median, {mean} on average and {p90} at the "
        "90th percentile.",
    },
    "customers.historic_caption": {
        "ru": "Посмотрите на разрыв между медианой и длинным правым хвостом: немногие клиенты "
        "приносят большую долю маржи. В последнем столбце — все выше 99-го перцентиля.",
        "en": "Look at the gap between the median and the long right tail: a few customers bring a "
        "large share of the margin. The last bar holds everyone above the 99th percentile.",
    },
    "customers.section.return": {"ru": "Возвращаются ли они?", "en": "Do they come back?"},
    "customers.section.worth": {"ru": "Сколько стоит клиент", "en": "What a customer is worth"},
    "customers.predictive": {"ru": "Прогнозный CLV", "en": "Predictive CLV"},
    "customers.predictive_caption": {
        "ru": "BG/NBD оценивает, как часто клиент покупает и насколько вероятно, что он ещё с "
        "нами; Gamma-Gamma — сколько он тратит за покупку. Вместе: маржа, которую клиент "
        "принесёт за следующие месяцы, в пересчёте на сегодня.",
        "en": "BG/NBD estimates how often each customer buys and how likely they are still "
        "around; Gamma-Gamma estimates what they spend per purchase. Together: the margin each "
        "customer is expected to bring over the next months, discounted to today.",
    },
    "customers.months_ahead": {"ru": "Месяцев вперёд", "en": "Months ahead"},
    "customers.discount_rate": {
        "ru": "Месячная ставка дисконтирования, %",
        "en": "Monthly discount rate, %",
    },
    "customers.discount_rate.help": {
        "ru": "Единица денег через месяц стоит 1 / (1 + ставка) сегодня.",
        "en": "A unit of money next month is worth 1 / (1 + rate) today.",
    },
    "customers.margin": {"ru": "Маржа, % от трат", "en": "Margin, % of spend"},
    "customers.margin.help": {
        "ru": "По умолчанию — столбец маржи ваших транзакций, если он есть, иначе ставка маржи "
        "магазина (страница «Данные», настройки магазина).",
        "en": "Defaults to your transactions' margin column where present, else the store's "
        "margin rate (Data page, Store settings).",
    },
    "customers.fit": {"ru": "Обучить модель CLV", "en": "Fit the CLV model"},
    "customers.fitting": {
        "ru": "Обучаем BG/NBD и Gamma-Gamma...",
        "en": "Fitting BG/NBD and Gamma-Gamma...",
    },
    "customers.press_fit": {
        "ru": "Нажмите **Обучить модель CLV**, чтобы оценить будущую ценность каждого клиента.",
        "en": "Press **Fit the CLV model** to estimate each customer's future value.",
    },
    "customers.refit": {
        "ru": "Настройки или данные изменились после последнего обучения: нажмите кнопку, "
        "чтобы обучить заново.",
        "en": "The settings or the data changed since the last fit: press the button to refit.",
    },
    "results.share": {"ru": "Поделиться", "en": "Share"},
    "results.share.view_link": {
        "ru": "Ссылка на этот вид (откроется с тем же экспериментом и настройками):",
        "en": "Link to this view (opens with the same experiment and settings):",
    },
    "results.share.report_link": {
        "ru": "Ссылка на отчёт для руководства (только чтение):",
        "en": "Read-only report link for management:",
    },
    "results.share.report_link_signed": {
        "ru": "Ссылка на отчёт для руководства (только чтение, подписана, действует {days} дн.):",
        "en": "Read-only report link for management (signed, valid {days} days):",
    },
    "results.download.html": {
        "ru": "HTML-отчёт (работает без интернета)",
        "en": "HTML report (works offline)",
    },
    "results.download.effects_csv": {"ru": "Эффекты (CSV)", "en": "Effects (CSV)"},
    "results.download.effects_xlsx": {"ru": "Эффекты (XLSX)", "en": "Effects (XLSX)"},
    "common.not_available": {"ru": "н/д", "en": "n/a"},
    # -- verdicts (decision.VERDICT_LABELS, decision.BLOCKED_LABEL) ----------------------------
    "verdict.ship": {"ru": "внедрять", "en": "ship"},
    "verdict.stop": {"ru": "остановить", "en": "stop"},
    "verdict.inconclusive": {"ru": "нет ясного ответа", "en": "inconclusive"},
    "verdict.keep_running": {"ru": "продолжать", "en": "keep running"},
    "verdict.check_data": {"ru": "проверьте данные", "en": "check the data"},
    # -- arm kinds (design.ArmKind) ------------------------------------------------------------
    "arm_kind.control": {"ru": "контроль", "en": "control"},
    "arm_kind.discount": {"ru": "скидка", "en": "discount"},
    "arm_kind.gift": {"ru": "подарок-сюрприз", "en": "surprise gift"},
    "arm_kind.outreach": {"ru": "личный контакт", "en": "personal outreach"},
    "arm_kind.custom": {"ru": "другое", "en": "custom"},
    # -- metrics (metrics.METRICS labels) and guardrails (design.GUARDRAILS) -------------------
    "metric.repeat_purchase": {"ru": "Повторная покупка", "en": "Repeat purchase"},
    "metric.orders": {"ru": "Заказов на клиента", "en": "Orders per customer"},
    "metric.revenue": {"ru": "Выручка на клиента", "en": "Revenue per customer"},
    "metric.margin": {"ru": "Валовая маржа на клиента", "en": "Gross margin per customer"},
    "metric.cost": {"ru": "Затраты на механику на клиента", "en": "Lever cost per customer"},
    "metric.net_value": {"ru": "Чистый доход на клиента", "en": "Net value per customer"},
    "guardrail.margin_per_customer": {
        "ru": "Маржа на клиента после скидок",
        "en": "Margin per customer after discounts",
    },
    "guardrail.repeat_purchase": {"ru": "Повторная покупка", "en": "Repeat purchase"},
    "guardrail.orders": {"ru": "Заказов на клиента", "en": "Orders per customer"},
    # -- corrections (config.CORRECTIONS) ------------------------------------------------------
    "correction.holm": {"ru": "поправка Холма", "en": "Holm correction"},
    "correction.bh": {
        "ru": "поправка Бенджамини — Хохберга",
        "en": "Benjamini-Hochberg correction",
    },
    "correction.none": {"ru": "без поправки", "en": "no correction"},
    # -- the mapping form's fields (ingest.FIELDS) as people say them ----------------------------
    "field.customer_id": {"ru": "Клиент", "en": "Customer"},
    "field.customer_id.help": {
        "ru": "номер клиента, карты или телефон — то, по чему узнаётся покупатель",
        "en": "customer, card or client id: whatever identifies the buyer",
    },
    "field.ts": {"ru": "Дата и время", "en": "Date and time"},
    "field.ts.help": {
        "ru": "дата покупки или дата и время",
        "en": "purchase date, or date and time",
    },
    "field.amount": {"ru": "Сумма", "en": "Amount"},
    "field.amount.help": {
        "ru": "сколько заплачено (возвраты со знаком минус)",
        "en": "amount paid (negative for refunds)",
    },
    "field.order_id": {"ru": "Номер чека", "en": "Receipt number"},
    "field.order_id.help": {
        "ru": "номер заказа или чека; если указан, не должен повторяться",
        "en": "order or receipt id; must be unique when given",
    },
    "field.margin": {"ru": "Маржа", "en": "Margin"},
    "field.margin.help": {
        "ru": "валовая маржа в деньгах, до скидки",
        "en": "gross margin in money, before any discount",
    },
    "field.channel": {"ru": "Канал", "en": "Channel"},
    "field.channel.help": {"ru": "магазин, сайт или канал продаж", "en": "store, site or channel"},
    "field.discount": {"ru": "Скидка", "en": "Discount"},
    "field.discount.help": {
        "ru": "сумма скидки по чеку",
        "en": "discount amount given on the order",
    },
    "field.arm": {"ru": "Группа", "en": "Group"},
    "field.arm.help": {
        "ru": "название группы или сегмента (контроль, скидка, …)",
        "en": "group, arm or segment label (control, discount, …)",
    },
    "field.arm_kind": {"ru": "Тип группы", "en": "Group type"},
    "field.arm_kind.help": {
        "ru": "контроль, скидка, подарок, обзвон или другое",
        "en": "control, discount, gift, outreach or custom",
    },
    "field.code": {"ru": "Промокод", "en": "Coupon code"},
    "field.code.help": {"ru": "личный промокод клиента", "en": "personal coupon code"},
    "field.discount_pct": {"ru": "Скидка, %", "en": "Discount, %"},
    "field.discount_pct.help": {
        "ru": "для групп со скидкой: процент скидки",
        "en": "discount groups: percent off",
    },
    "field.redemption_share": {"ru": "Доля использования", "en": "Redemption share"},
    "field.redemption_share.help": {
        "ru": "для групп со скидкой: какая доля клиентов воспользуется, от 0 до 1",
        "en": "discount groups: expected share of customers who use it, 0 to 1",
    },
    "field.gift_cost": {"ru": "Стоимость подарка", "en": "Gift cost"},
    "field.gift_cost.help": {
        "ru": "для групп с подарком: стоимость одного подарка с доставкой",
        "en": "gift groups: cost of one gift, delivery included",
    },
    "field.minutes": {"ru": "Минут на контакт", "en": "Minutes per contact"},
    "field.minutes.help": {
        "ru": "для личного контакта: сколько минут уходит на одного клиента",
        "en": "outreach groups: minutes spent per customer",
    },
    "field.hourly_cost": {"ru": "Стоимость часа сотрудника", "en": "Staff hour cost"},
    "field.hourly_cost.help": {
        "ru": "для личного контакта: сколько стоит час работы сотрудника",
        "en": "outreach groups: cost of one staff hour",
    },
    "field.custom_cost": {"ru": "Затраты на клиента", "en": "Cost per customer"},
    "field.custom_cost.help": {
        "ru": "для других механик: затраты на одного клиента",
        "en": "custom groups: cost per customer",
    },
    # -- numbers with a noun (Formatter.count) ---------------------------------------------------
    "count.customers": {
        "ru": {
            "one": "{count} клиент",
            "few": "{count} клиента",
            "many": "{count} клиентов",
            "other": "{count} клиента",
        },
        "en": {"one": "{count} customer", "other": "{count} customers"},
    },
    "count.transactions": {
        "ru": {
            "one": "{count} транзакция",
            "few": "{count} транзакции",
            "many": "{count} транзакций",
            "other": "{count} транзакции",
        },
        "en": {"one": "{count} transaction", "other": "{count} transactions"},
    },
    "count.orders": {
        "ru": {
            "one": "{count} заказ",
            "few": "{count} заказа",
            "many": "{count} заказов",
            "other": "{count} заказа",
        },
        "en": {"one": "{count} order", "other": "{count} orders"},
    },
    "count.days": {
        "ru": {
            "one": "{count} день",
            "few": "{count} дня",
            "many": "{count} дней",
            "other": "{count} дня",
        },
        "en": {"one": "{count} day", "other": "{count} days"},
    },
    "count.arms": {
        "ru": {
            "one": "{count} группа",
            "few": "{count} группы",
            "many": "{count} групп",
            "other": "{count} группы",
        },
        "en": {"one": "{count} arm", "other": "{count} arms"},
    },
    "count.rows": {
        "ru": {
            "one": "{count} строка",
            "few": "{count} строки",
            "many": "{count} строк",
            "other": "{count} строки",
        },
        "en": {"one": "{count} row", "other": "{count} rows"},
    },
    "count.months": {
        "ru": {
            "one": "{count} месяц",
            "few": "{count} месяца",
            "many": "{count} месяцев",
            "other": "{count} месяца",
        },
        "en": {"one": "{count} month", "other": "{count} months"},
    },
    "count.experiments": {
        "ru": {
            "one": "{count} эксперимент",
            "few": "{count} эксперимента",
            "many": "{count} экспериментов",
            "other": "{count} эксперимента",
        },
        "en": {"one": "{count} experiment", "other": "{count} experiments"},
    },
    # -- units the formatter writes after a number ----------------------------------------------
    "unit.percentage_points": {"ru": "п.п.", "en": "pp"},
    "unit.million": {"ru": "млн", "en": "M"},
    "unit.billion": {"ru": "млрд", "en": "bn"},
    "unit.orders": {"ru": "заказа", "en": "orders"},  # after a fraction: '+0,12 заказа'
    # -- decision cards: the rule (decision.RULES, decision.FILE_RULES) --------------------------
    "decision.rule.fixed": {
        "ru": "Правило фиксируется при дизайне эксперимента: срок, уровень доверия, поправка "
        "и метрика решения. Другие настройки на этой странице дают исследовательский "
        "взгляд на цифры, но не другой вердикт.",
        "en": "The rule is fixed when the experiment is designed: horizon, confidence, "
        "correction and the decision metric. Changing them on this page gives an exploratory "
        "view, never another verdict.",
    },
    "decision.rule.money": {
        "ru": "Решают деньги: чистый доход на клиента = валовая маржа минус затраты на "
        "механику (скидки, подарки, время сотрудников) за плановый срок, в сравнении с "
        "контролем; механики сравниваются с поправкой на множественность по этой одной "
        "метрике.",
        "en": "Money decides: net value per customer = gross margin minus the lever's cost "
        "(discounts given, gifts, outreach time) over the planned horizon, vs control; levers "
        "are corrected among themselves on that one metric.",
    },
    "decision.rule.verdicts": {
        "ru": "Внедрять: чистый доход значимо выше контроля (с поправкой на несколько "
        "механик), и каждая защитная метрика не хуже допустимого. Остановить: значимо ниже "
        "контроля (интервал с поправкой исключает выход в ноль) или защитная метрика явно "
        "нарушена. Нет ясного ответа: всё остальное, с оценкой, сколько ещё клиентов нужно.",
        "en": "Ship: net value significantly above control (after the correction across "
        "levers), and every guardrail shown to be no worse than its margin. Stop: "
        "significantly below control (the corrected interval rules out breaking even), or a "
        "guardrail clearly broken. Inconclusive: anything else, with how many more customers "
        "would settle it.",
    },
    "decision.rule.keep_running": {
        "ru": "Пока плановый срок не прошёл для каждого клиента, вердикт — продолжать: "
        "ранние деньги могут указывать в любую сторону (скидка сдвигает покупки на раньше, "
        "подарок окупается позже); сравнение механик между собой и шанс быть лучшей тоже "
        "ждут. Досрочная остановка — только при вреде, который ожиданием не исправить: "
        "всегда верный интервал показывает, что клиентов возвращается меньше, чем в "
        "контроле (если механика не просто откладывает покупки). Защитные метрики "
        "оцениваются в плановый срок.",
        "en": "Until the planned horizon is observed for every customer the verdict is keep "
        "running: early money can point either way (a discount pulls purchases forward, a "
        "gift earns later); the head to head and the chance of being best wait too. The only "
        "early stop is for harm waiting cannot undo: the always-valid interval shows fewer "
        "customers coming back than in control (assuming a lever does not merely delay "
        "purchases). Guardrails are judged at the planned horizon.",
    },
    "decision.rule.data": {
        "ru": "Перекос размеров групп, неравенство групп до эксперимента или невозможные "
        "даты задерживают все вердикты (проверьте данные), пока причина не найдена.",
        "en": "Sample-ratio mismatch, pre-period imbalance or impossible dates hold every "
        "verdict (check the data) until explained.",
    },
    "decision.rule.describe": {
        "ru": "уровень доверия {confidence}, {correction} для нескольких механик, {metric}",
        "en": "{confidence} confidence, {correction} across levers, {metric}",
    },
    "decision.rule.metric_net_value": {
        "ru": "чистый доход на клиента за {days} дн.",
        "en": "net value per customer over {days} days",
    },
    "decision.rule.metric_file": {
        "ru": "{metric} (из файла результатов)",
        "en": "{metric} (from the result file)",
    },
    "decision.rule.describe_guardrails": {
        "ru": "; защитные метрики {names} — не хуже контроля более чем на {margin}",
        "en": "; guardrails {names} within {margin} of control",
    },
    "decision.file_rule.metric": {
        "ru": "Решает одна метрика — первая выбранная. Если задан показатель до "
        "эксперимента, используется оценка CUPED (интервал уже), иначе простая разница "
        "средних или долей.",
        "en": "One metric decides: the first one chosen. Its CUPED estimate is used when a "
        "pre-period covariate is set (narrower interval), else the plain difference of means "
        "or rates.",
    },
    "decision.file_rule.verdicts": {
        "ru": "Внедрять: группа значимо лучше контроля по этой метрике с поправкой на "
        "несколько групп. Остановить: значимо хуже, или интервал исключает улучшение. Нет "
        "ясного ответа: всё остальное (файл результатов — завершённая кампания, "
        "«продолжать» не бывает).",
        "en": "Ship: the arm is significantly better than control on that metric after the "
        "correction across arms. Stop: significantly worse, or the interval rules out doing "
        "better. Inconclusive: anything else (a results file is a finished campaign: no keep "
        "running).",
    },
    "decision.file_rule.srm": {
        "ru": "Если размеры групп не совпадают с плановым делением, все вердикты "
        "задерживаются, пока причина не найдена.",
        "en": "A sample-ratio mismatch against the planned split blocks every verdict until "
        "explained.",
    },
    # -- decision cards: headline and reasons (decision.decide / head_to_head) -------------------
    "decision.headline": {"ru": "{arm}: {parts}; {verdict}", "en": "{arm}: {parts}; {verdict}"},
    "decision.no_estimate": {"ru": "оценки нет", "en": "no estimate"},
    "decision.part.effect": {
        "ru": "{diff} {metric} ({interval} от {low} до {high})",
        "en": "{diff} {metric} ({interval} {low} to {high})",
    },
    "decision.part.net_value": {
        "ru": "{diff} чистого дохода на клиента с учётом затрат",
        "en": "{diff} net value per customer after its cost",
    },
    "decision.part.net_value_so_far": {
        "ru": "пока {diff} чистого дохода на клиента с учётом затрат",
        "en": "{diff} net value per customer after its cost so far",
    },
    "decision.interval.confidence": {"ru": "{level} ДИ", "en": "{level} CI"},
    "decision.interval.fixed": {"ru": "{level} интервал", "en": "{level} interval"},
    "decision.interval.always_valid": {
        "ru": "всегда верный интервал",
        "en": "always-valid interval",
    },
    "decision.interval.always_valid_short": {  # inside a headline's brackets
        "ru": "всегда верный интервал",
        "en": "always-valid",
    },
    "decision.evidence": {
        "ru": "{interval} от {low} до {high}",
        "en": "{interval} {low} to {high}",
    },
    "decision.p.adjusted": {
        "ru": "p с поправкой {value} ({correction} для нескольких механик)",
        "en": "adjusted p {value} after the {correction} across levers",
    },
    "decision.p.uncorrected": {
        "ru": "p {value}, без поправки на несколько механик",
        "en": "p {value}, no correction for several levers",
    },
    "decision.p.none": {"ru": "p-значения нет", "en": "no p-value"},
    "decision.span": {
        "ru": "{interval} от {low} до {high}, {p}",
        "en": "{interval} {low} to {high}, {p}",
    },
    "decision.span.unadjusted": {  # the interval is the effect's own, the p corrected
        "ru": "{interval} от {low} до {high} (без поправки), {p}",
        "en": "{interval} {low} to {high} before the correction, {p}",
    },
    "decision.reason.above": {
        "ru": "Чистый доход выше, чем в контроле, с учётом затрат: {span}.",
        "en": "Net value is above control after its cost: {span}.",
    },
    "decision.reason.loses": {
        "ru": "Механика теряет деньги с учётом затрат: {span}.",
        "en": "Loses money after its cost: {span}.",
    },
    "decision.reason.lifts_repeat_only": {
        "ru": "Повторных покупок больше, но дополнительные заказы не окупают затраты.",
        "en": "It does lift repeat purchase, but the extra orders do not pay for it.",
    },
    "decision.reason.no_clear_difference": {
        "ru": "Нет явной разницы в чистом доходе ({span}).",
        "en": "No clear difference in net value ({span}).",
    },
    "decision.reason.no_clear_at_horizon": {  # excludes: '' or ..excludes_zero_before_correction
        "ru": "Нет явной разницы в чистом доходе к плановому сроку ({span}){excludes}.",
        "en": "No clear difference in net value at the planned horizon ({span}){excludes}.",
    },
    "decision.reason.excludes_zero_before_correction": {
        "ru": "; сам по себе интервал не включает 0, но с поправкой — включает",
        "en": "; the interval alone excludes 0, but not after the correction",
    },
    "decision.reason.needed_customers": {
        "ru": "Если истинная разница равна наблюдаемой ({diff}), ответ с вероятностью {power} "
        "даст продление теста ещё примерно на {arm_count} в группе «{arm}» и {control_count} "
        "в контроле (новые клиенты делятся по плану; продлённый тест решают на его горизонте "
        "по обычному интервалу с поправкой на число механик).",
        "en": "If the true difference is the {diff} seen, extending the test by about "
        "{arm_count} in «{arm}» and {control_count} in the control would settle it with "
        "{power} probability (new customers split as planned; the extended test is decided at "
        "its horizon by the fixed interval, corrected for the number of levers).",
    },
    "decision.so_far.day": {
        "ru": "день {day}, по плану {planned} дн.",
        "en": "day {day} of the planned {planned}",
    },
    "decision.so_far.observed": {
        "ru": "{days} дн. наблюдения, клиентов: {observed} из {total}, по плану {planned} дн.",
        "en": "{days} days observed for {observed} of {total} customers, planned {planned}",
    },
    "decision.reason.so_far": {
        "ru": "Пока ({so_far}): чистый доход {diff} на клиента (всегда верный интервал от "
        "{low} до {high}). Это ещё не вердикт: скидка сдвигает покупки на раньше, а её "
        "затраты растут по мере использования купонов; подарок стоит сразу, а окупается "
        "позже.",
        "en": "So far ({so_far}): net value {diff} per customer (always-valid interval {low} "
        "to {high}). Not a verdict yet: a discount pulls purchases forward and its cost "
        "accrues as coupons are used; a gift pays up front and earns later.",
    },
    "decision.reason.so_far_no_estimate": {
        "ru": "Пока ({so_far}): оценки чистого дохода ещё нет.",
        "en": "So far ({so_far}): no estimate of net value yet.",
    },
    "decision.reason.stopped_early": {
        "ru": "Остановлено досрочно: клиентов возвращается меньше, чем в контроле, и это "
        "за пределами всегда верного интервала — ушедшие клиенты не вернутся, если ждать "
        "(правило предполагает, что механика не просто откладывает покупки).",
        "en": "Stopped early: fewer customers come back than in control, beyond the "
        "always-valid interval - customers lost do not return by waiting (the rule assumes a "
        "lever does not merely delay purchases).",
    },
    "decision.reason.no_estimable_effect": {
        "ru": "Эффект оценить нельзя.",
        "en": "No estimable effect.",
    },
    "decision.guardrail.within": {
        "ru": "Защитная метрика «{name}» в норме: хуже не более чем на {margin}{change}.",
        "en": "Guardrail {name} holds: no worse than {margin}{change}.",
    },
    "decision.guardrail.broken": {
        "ru": "Защитная метрика «{name}» нарушена: хуже допустимых {margin}{change}.",
        "en": "Guardrail {name} is broken: worse than the {margin} allowed{change}.",
    },
    "decision.guardrail.unclear": {
        "ru": "Не доказано, что защитная метрика «{name}» укладывается в {margin}{change}.",
        "en": "Guardrail {name} not shown to be within {margin}{change}.",
    },
    "decision.guardrail.not_analysed": {
        "ru": "Защитная метрика «{name}» больше не рассчитывается (ничего не задерживает).",
        "en": "Guardrail {name} is no longer analysed (it holds nothing).",
    },
    "decision.guardrail.change": {
        "ru": " ({diff} на клиента относительно контроля)",
        "en": " ({diff} per customer vs control)",
    },
    "decision.matchup.beats": {
        "ru": "«{lever}» лучше, чем «{other}», на {diff} чистого дохода на клиента",
        "en": "{lever} beats {other} by {diff} net value per customer",
    },
    "decision.matchup.no_clear": {
        "ru": "«{lever}» и «{other}»: нет явной разницы в чистом доходе ({diff} на клиента)",
        "en": "{lever} vs {other}: no clear difference in net value ({diff} per customer)",
    },
    "decision.matchup.so_far": {
        "ru": "Пока (день {day}; до планового срока это не вердикт): «{lever}» опережает "
        "«{other}» на {diff} чистого дохода на клиента",
        "en": "So far (day {day}, not a verdict before the planned horizon): {lever} ahead of "
        "{other} by {diff} net value per customer",
    },
    "decision.matchup.repeat": {
        "ru": "; повторная покупка {diff}",
        "en": "; repeat purchase {diff}",
    },
    # -- decision cards of a campaign result file (decision.decide_file) -----------------------
    "decision.file.per_customer": {"ru": "{metric} на клиента", "en": "{metric} per customer"},
    "decision.file.no_estimable": {
        "ru": "Эффект на «{label}» для этой группы оценить нельзя.",
        "en": "No estimable effect on {label} for this arm.",
    },
    "decision.file.headline_no_estimate": {
        "ru": "{arm}: оценки «{label}» нет; {verdict}",
        "en": "{arm}: no estimate of {label}; {verdict}",
    },
    "decision.file.effect": {
        "ru": "{arm}: {diff} {label} ({level} ДИ от {low} до {high}, без поправки)",
        "en": "{arm}: {diff} {label} ({level} CI {low} to {high}, before the correction)",
    },
    # the sample-ratio check's note (stats.srm_test): what is off, in the reader's language
    "srm.note.unknown_arms": {
        "ru": "группы, которых нет в плановом делении: {arms}",
        "en": "arms not in the plan: {arms}",
    },
    "srm.note.too_few": {
        "ru": "нужны хотя бы 2 группы в плановом делении и клиенты в них",
        "en": "needs at least 2 planned arms and some customers",
    },
    "srm.note.worst": {
        "ru": "{arm}: клиентов {observed}, по плану ожидалось {expected}",
        "en": "{arm}: {observed} customers, plan implies {expected}",
    },
    "decision.srm_plan_assumed_equal": {
        "ru": "Плановое деление не было задано и принято равным ({plan}). Если группы "
        "планировались неравными, задайте настоящее деление: на этой странице или командой "
        "set-split ЭКСПЕРИМЕНТ ГРУППА=ВЕС для каждой группы (при новой загрузке — "
        "--split ГРУППА=ВЕС; файл без базы, analyze-file — --allocation ГРУППА=ВЕС).",
        "en": "No planned split was given, so an equal one was assumed ({plan}). If the arms "
        "were planned unequal, give the real split: on the Results page or with set-split "
        "EXPERIMENT ARM=WEIGHT for every arm (when loading anew: --split ARM=WEIGHT; a file "
        "read without a store, analyze-file: --allocation ARM=WEIGHT).",
    },
    "decision.file.srm": {
        "ru": "Размеры групп не совпадают с плановым делением (перекос размеров групп, p = "
        "{p}): вероятно, сломано деление или выгрузка.",
        "en": "Arm sizes do not match the planned split (sample-ratio mismatch, p = {p}): the "
        "split or the export is probably broken.",
    },
    "decision.file.above_but": {
        "ru": "Значимо выше, чем в «{control}» {corrected}, но ...",
        "en": "Significantly above {control} {corrected}, but ...",
    },
    "decision.file.rate_cannot_pay": {
        "ru": "... механика стоит {cost}, а в файле нет столбца денег: по одной доле нельзя "
        "показать, что она окупает затраты. Загрузите файл с тем, сколько потратил каждый "
        "клиент, чтобы оценить чистый доход.",
        "en": "... the lever costs {cost} and the file has no money column: a rate alone "
        "cannot show that it pays for its cost. Load the file with what each customer spent "
        "to judge net value.",
    },
    "decision.file.above_before_cost": {
        "ru": "Значимо выше, чем в «{control}» {corrected}, но без учёта затрат на механику "
        "({cost}): решайте по чистому доходу.",
        "en": "Significantly above {control} {corrected}, but before the lever's cost "
        "({cost}): decide on net value.",
    },
    "decision.file.above": {
        "ru": "Значимо выше, чем в «{control}» {corrected}.",
        "en": "Significantly above {control} {corrected}.",
    },
    "decision.file.below": {
        "ru": "Ниже, чем в «{control}» {corrected}.",
        "en": "Below {control} {corrected}.",
    },
    "decision.file.no_clear": {
        "ru": "Нет явной разницы с «{control}» {corrected}: кампания в таком виде не "
        "доказывает и не исключает выигрыша.",
        "en": "No clear difference from {control} {corrected}: the campaign as tested neither "
        "proves nor rules out a gain.",
    },
    "decision.file.no_money_column": {
        "ru": "В файле нет столбца денег: по нему нельзя понять, окупает ли механика свои "
        "затраты ({cost}).",
        "en": "The file has no money column: it cannot show whether the lever pays for its "
        "cost ({cost}).",
    },
    "decision.file.basis": {
        "ru": "маржа {margin} от «{field}»",
        "en": "{margin} margin on {field}",
    },
    "decision.file.grossed_up": {
        "ru": ", пересчитанная к цене без скидки (заплачено / (1 − {share}))",
        "en": " grossed up to the list value (what was paid / (1 - {share}))",
    },
    "decision.file.net_value": {
        "ru": "Чистый доход = {basis} минус затраты на механику ({cost}).",
        "en": "Net value = {basis} minus the lever's cost ({cost}).",
    },
    "decision.file.cuped": {
        "ru": "С поправкой на показатель до эксперимента «{covariate}» (CUPED).",
        "en": "Adjusted for the pre-period field {covariate} (CUPED).",
    },
    "decision.cost.nothing": {"ru": "ничего", "en": "nothing"},
    "decision.cost.unknown": {
        "ru": "неизвестно сколько (группы нет в эксперименте)",
        "en": "an unknown cost (the arm is not one of the experiment's)",
    },
    "decision.cost.discount": {"ru": "скидка {pct} на её заказы", "en": "{pct} off its orders"},
    "decision.cost.discount_share": {
        "ru": "скидка {pct} на {share} её заказов",
        "en": "{pct} off {share} of its orders",
    },
    "decision.cost.fixed": {"ru": "{amount} на клиента", "en": "{amount} per customer"},
    # -- an exploratory view's differences from the rule (decision.exploratory_differences) ----
    "decision.view.horizon": {
        "ru": "срок {days} дн. (вердикт: {rule})",
        "en": "horizon {days} days (the verdict: {rule})",
    },
    "decision.view.confidence": {
        "ru": "уровень доверия {level} (вердикт: {rule})",
        "en": "{level} confidence (the verdict: {rule})",
    },
    "decision.view.correction": {
        "ru": "{correction} (вердикт: {rule})",
        "en": "{correction} (the verdict: {rule})",
    },
    "decision.view.capped": {
        "ru": "деньги обрезаны по {percentile}-му процентилю: это разница винзоризованных "
        "средних, а не разница в деньгах",
        "en": "money capped at the {percentile}th percentile: a winsorised mean, not the "
        "roubles difference",
    },
    "decision.view.not_capped": {"ru": "деньги без обрезки", "en": "money not capped"},
    "decision.view.unadjusted": {
        "ru": "без поправки на период до эксперимента",
        "en": "without the pre-period adjustment",
    },
    "decision.view.adjusted": {"ru": "с поправкой", "en": "adjusted"},
    # -- data warnings on the decision cards (metrics._warnings) ---------------------------------
    "warning.srm": {
        "ru": "Перекос размеров групп (p = {p}): размеры групп не совпадают с плановым "
        "делением ({note}). Вероятно, сломано распределение или загрузка данных; не "
        "доверяйте эффектам, пока причина не найдена.",
        "en": "Sample-ratio mismatch (p = {p}): arm sizes do not match the planned allocation "
        "({note}). Assignment or data loading is probably broken; do not trust the effects "
        "until it is explained.",
    },
    "warning.imbalance": {
        "ru": "Неравенство до эксперимента: группа «{arm}» отличается от «{control}» по "
        "показателю «{covariate}» ещё до распределения (p = {p}). Возможно, сломана "
        "рандомизация; строки CUPED делают на это поправку.",
        "en": "Pre-period imbalance: {arm} differs from {control} in {covariate} before "
        "assignment (p = {p}). Randomization may be broken; the CUPED rows adjust for it.",
    },
    "warning.window.too_short": {
        "ru": "Слишком короткое окно наблюдения",
        "en": "Too-short observation window",
    },
    "warning.window.partly": {
        "ru": "Окно наблюдения пройдено не у всех",
        "en": "Partly observed window",
    },
    "warning.window.none_complete": {
        "ru": "ни один из стандартных сроков",
        "en": "none of the standard horizons",
    },
    "warning.short_window": {
        "ru": {
            "one": (
                "{severity}: полное окно в {horizon} дн. есть в данных у {observed} из {count} "
                "клиента (данные заканчиваются {last}); остальные в этот срок не входят. Полностью "
                "наблюдается для всех: {longest}."
            ),
            "few": (
                "{severity}: полное окно в {horizon} дн. есть в данных у {observed} из {count} "
                "клиентов (данные заканчиваются {last}); остальные в этот срок не входят. "
                "Полностью наблюдается для всех: {longest}."
            ),
            "many": (
                "{severity}: полное окно в {horizon} дн. есть в данных у {observed} из {count} "
                "клиентов (данные заканчиваются {last}); остальные в этот срок не входят. "
                "Полностью наблюдается для всех: {longest}."
            ),
            "other": (
                "{severity}: полное окно в {horizon} дн. есть в данных у {observed} из {count} "
                "клиента (данные заканчиваются {last}); остальные в этот срок не входят. Полностью "
                "наблюдается для всех: {longest}."
            ),
        },
        "en": {
            "one": (
                "{severity}: {observed} of {count} customer has the whole {horizon}-day window in "
                "the data (data ends {last}); the others are left out of this horizon. Fully "
                "observed for everyone: {longest}."
            ),
            "other": (
                "{severity}: {observed} of {count} customers have the whole {horizon}-day window "
                "in the data (data ends {last}); the others are left out of this horizon. Fully "
                "observed for everyone: {longest}."
            ),
        },
    },
    "warning.duplicate_assignments": {
        "ru": {
            "one": "{count} повторное назначение: клиенты распределены больше одного раза; "
            "анализируется только первое назначение каждого клиента.",
            "few": "{count} повторных назначения: клиенты распределены больше одного раза; "
            "анализируется только первое назначение каждого клиента.",
            "many": "{count} повторных назначений: клиенты распределены больше одного раза; "
            "анализируется только первое назначение каждого клиента.",
            "other": "{count} повторного назначения: клиенты распределены больше одного "
            "раза; анализируется только первое назначение каждого клиента.",
        },
        "en": {
            "one": "{count} duplicate assignment: a customer assigned more than once; only "
            "each customer's first assignment is analysed.",
            "other": "{count} duplicate assignments: customers assigned more than once; only "
            "each customer's first assignment is analysed.",
        },
    },
    "warning.before_first_seen": {
        "ru": {
            "one": "У {count} распределённого клиента есть покупки раньше даты первого "
            "появления (first_seen), чего не может быть: проверьте эти даты в файле клиентов "
            "или часовой пояс транзакций.",
            "few": "У {count} распределённых клиентов есть покупки раньше даты первого "
            "появления (first_seen), чего не может быть: проверьте эти даты в файле клиентов "
            "или часовой пояс транзакций.",
            "many": "У {count} распределённых клиентов есть покупки раньше даты первого "
            "появления (first_seen), чего не может быть: проверьте эти даты в файле клиентов "
            "или часовой пояс транзакций.",
            "other": "У {count} распределённого клиента есть покупки раньше даты первого "
            "появления (first_seen), чего не может быть: проверьте эти даты в файле клиентов "
            "или часовой пояс транзакций.",
        },
        "en": {
            "one": "{count} assigned customer has purchases dated before their first_seen, "
            "which is impossible: check the customers file's first-seen dates or the "
            "transactions' time zone.",
            "other": "{count} assigned customers have purchases dated before their "
            "first_seen, which is impossible: check the customers file's first-seen dates or "
            "the transactions' time zone.",
        },
    },
    "warning.assigned_after_data_end": {
        "ru": {
            "one": "{count} клиент распределён после последней транзакции в базе: загрузите "
            "более свежие транзакции, чтобы их измерить.",
            "few": "{count} клиента распределены после последней транзакции в базе: "
            "загрузите более свежие транзакции, чтобы их измерить.",
            "many": "{count} клиентов распределены после последней транзакции в базе: "
            "загрузите более свежие транзакции, чтобы их измерить.",
            "other": "{count} клиента распределены после последней транзакции в базе: "
            "загрузите более свежие транзакции, чтобы их измерить.",
        },
        "en": {
            "one": "{count} customer was assigned after the last transaction in the store: "
            "load newer transactions to measure them.",
            "other": "{count} customers were assigned after the last transaction in the "
            "store: load newer transactions to measure them.",
        },
    },
    "warning.no_discount_seen": {
        "ru": "В группе «{arm}» скидки на клиента не больше, чем в «{control}»: есть ли "
        "купоны этой механики в выгрузке? Без них её затраты выглядят нулевыми. Загрузите "
        "чеки со скидками или выгрузку без столбца скидки — тогда будет использован заданный "
        "процент.",
        "en": "{arm} gave no more discount per customer than {control} in the data: are the "
        "lever's coupons in the export? Without them its cost reads as nothing. Load the "
        "receipts with their discounts, or an export without a discount column so the "
        "configured percent is used.",
    },
    "warning.insufficient_data": {
        "ru": "Недостаточно данных: эффект на сроке {horizon} дн. оценить нельзя (нужны "
        "контрольная и тестовая группы, в каждой хотя бы два полностью наблюдаемых клиента, "
        "и транзакции).",
        "en": "Insufficient data: no effect could be estimated at the {horizon}-day horizon "
        "(needs a control and a treated arm with at least two fully observed customers each, "
        "and some transactions).",
    },
    # -- glossary (GLOSSARY gives the order) -----------------------------------------------------
    "glossary.cuped.term": {"ru": "CUPED", "en": "CUPED"},
    "glossary.cuped.text": {
        "ru": "Поправка на то, как клиенты покупали до эксперимента. Сравнение групп "
        "становится точнее — тот же ответ при меньшем числе клиентов, — а сам эффект не "
        "меняется.",
        "en": "An adjustment for how customers bought before the experiment. The comparison "
        "gets sharper - the same answer with fewer customers - and the effect itself does not "
        "change.",
    },
    "glossary.correction.term": {
        "ru": "Поправка Холма / Бенджамини — Хохберга",
        "en": "Holm / Benjamini-Hochberg correction",
    },
    "glossary.correction.text": {
        "ru": "Когда сравнивают сразу несколько механик, какая-то может «выиграть» случайно. "
        "Поправка Холма держит риск хотя бы одной случайной победы в заданных пределах; "
        "поправка Бенджамини — Хохберга ограничивает долю случайных среди найденных побед "
        "и чаще находит настоящие.",
        "en": "When several levers are compared at once, one can 'win' by chance. Holm keeps "
        "the risk of even one chance win within the chosen level; Benjamini-Hochberg limits "
        "the share of chance wins among those found, and finds real ones more often.",
    },
    "glossary.always_valid.term": {"ru": "Всегда верный интервал", "en": "Always-valid interval"},
    "glossary.always_valid.text": {
        "ru": "Интервал, на который можно смотреть каждый день, пока эксперимент идёт: он "
        "шире обычного, зато частые просмотры не повышают риск ложного вывода. По нему "
        "решают о досрочной остановке.",
        "en": "An interval you may look at every day while the experiment runs: it is wider "
        "than the usual one, but looking often does not raise the risk of a false "
        "conclusion. Early stops are decided on it.",
    },
    "glossary.chance_best.term": {"ru": "Шанс быть лучшей", "en": "Chance of being best"},
    "glossary.chance_best.text": {
        "ru": "Вероятность того, что именно эта механика даёт больше всех чистого дохода на "
        "клиента, с учётом разброса данных. 80 % значит: в четырёх случаях из пяти она "
        "лучшая.",
        "en": "The probability that this lever brings the most net value per customer, "
        "given how noisy the data is. 80% means it is the best in four cases out of five.",
    },
    "glossary.smd.term": {"ru": "SMD (стандартизованная разница)", "en": "SMD"},
    "glossary.smd.text": {
        "ru": "Насколько группы различались ещё до эксперимента (траты, число покупок), в "
        "долях обычного разброса. Больше 0,1 — группы подобраны неровно, результат нужно "
        "перепроверить.",
        "en": "Standardised mean difference: how different the groups were before the "
        "experiment (spend, orders), in units of the usual spread. Above 0.1 the groups are "
        "uneven and the result needs a second look.",
    },
    "glossary.salt.term": {"ru": "Соль", "en": "Salt"},
    "glossary.salt.text": {
        "ru": "Слово, от которого зависит, кто в какую группу попал. С той же солью тот же "
        "клиент всегда попадает в ту же группу; новая соль — новое случайное деление.",
        "en": "The word that decides who lands in which group. With the same salt the same "
        "customer always gets the same group; a new salt gives a new random split.",
    },
    "glossary.kaplan_meier.term": {"ru": "Кривая Каплана — Мейера", "en": "Kaplan-Meier curve"},
    "glossary.kaplan_meier.text": {
        "ru": "Какая доля клиентов уже вернулась за покупкой к каждому дню. Кривая честно "
        "учитывает клиентов, за которыми наблюдаем ещё недолго, и не занижает их возврат.",
        "en": "The share of customers who have come back to buy by each day. It counts "
        "customers watched only for a short time fairly, without understating their return.",
    },
    "glossary.bg_nbd.term": {"ru": "BG/NBD и Gamma-Gamma", "en": "BG/NBD and Gamma-Gamma"},
    "glossary.bg_nbd.text": {
        "ru": "Модели, которые по истории покупок прогнозируют будущее: BG/NBD — сколько ещё "
        "покупок сделает клиент и не ушёл ли он совсем, Gamma-Gamma — каким будет его "
        "средний чек. Вместе они дают прогноз ценности клиента (CLV).",
        "en": "Models that forecast from purchase history: BG/NBD - how many more purchases a "
        "customer will make and whether they have left for good; Gamma-Gamma - how much they "
        "will spend per order. Together they give the customer lifetime value (CLV).",
    },
    "glossary.srm.term": {
        "ru": "Перекос размеров групп (SRM)",
        "en": "Sample-ratio mismatch (SRM)",
    },
    "glossary.srm.text": {
        "ru": "Группы заметно отличаются по размеру от запланированного деления. Обычно это "
        "ошибка в рассылке или выгрузке, а не случайность, поэтому вердикты ждут проверки.",
        "en": "The groups' sizes differ clearly from the planned split. That is usually a "
        "broken send-out or export, not chance, so the verdicts wait for a check.",
    },
    "glossary.guardrail.term": {"ru": "Защитная метрика", "en": "Guardrail"},
    "glossary.guardrail.text": {
        "ru": "Показатель, который не должен заметно ухудшиться (например, маржа на "
        "клиента). Механика, которая его нарушает, не внедряется, даже если приносит деньги.",
        "en": "A measure that must not get noticeably worse (margin per customer, for "
        "example). A lever that breaks it is not shipped, even if it makes money.",
    },
    # -- the HTML report (experiments/report.py) ------------------------------------------------
    "report.title_suffix": {"ru": "отчёт Loyalty Lab", "en": "Loyalty Lab report"},
    "report.status": {
        "ru": "Статус: {status} · данные с {first} по {last}",
        "en": "Status: {status} · data from {first} to {last}",
    },
    "report.progress.running": {
        "ru": "идёт, день {day} из {horizon}",
        "en": "running, day {day} of {horizon}",
    },
    "report.progress.running_ready": {
        "ru": "идёт, день {day}: плановые {horizon} дн. пройдены — можно читать",
        "en": "running, day {day}: the planned {horizon} days are observed — ready to read",
    },
    "report.made": {"ru": "отчёт составлен {when} UTC", "en": "report made {when} UTC"},
    "report.live_view": {"ru": "Живой отчёт:", "en": "Live view:"},
    "report.no_base_url": {
        "ru": "Ссылки на живой отчёт нет: адрес приложения не настроен (base_url в разделе "
        "[share] файла .streamlit/secrets.toml, переменная LOYALTY_LAB_BASE_URL или "
        "параметр --base-url).",
        "en": "No live view link: no base URL is configured ([share] base_url in "
        ".streamlit/secrets.toml, $LOYALTY_LAB_BASE_URL or --base-url).",
    },
    "report.warning": {"ru": "Внимание:", "en": "Warning:"},
    "report.exploratory": {
        "ru": "Исследовательский взгляд: {differences}. Вердикты следуют правилу, "
        "зафиксированному при дизайне; графики и таблицы — этим настройкам.",
        "en": "Exploratory view: {differences}. The verdicts follow the rule fixed at design; "
        "charts and tables use these settings.",
    },
    "report.decisions": {"ru": "Решения", "en": "Decisions"},
    "report.verdict": {"ru": "Вердикт", "en": "Verdict"},
    "report.probability_best": {
        "ru": " · вероятность быть лучшей механикой: {share}",
        "en": " · probability of being the best lever: {share}",
    },
    "report.rules": {"ru": "Правила вердикта", "en": "Verdict rules"},
    "report.rule_fixed": {
        "ru": "Правило вердикта зафиксировано при дизайне: {rule}.",
        "en": "Verdict rule fixed at design: {rule}.",
    },
    "report.charts": {"ru": "Графики", "en": "Charts"},
    "report.effects": {"ru": "Эффекты", "en": "Effects"},
    "report.arms": {"ru": "Группы", "en": "Arms"},
    "report.settings": {"ru": "Настройки", "en": "Settings"},
    "report.method_notes": {"ru": "Методика", "en": "Method notes"},
    "report.glossary": {"ru": "Словарь", "en": "Glossary"},
    "report.footer": {"ru": "Сделано в Loyalty Lab.", "en": "Made with Loyalty Lab."},
    "report.on": {"ru": "вкл.", "en": "on"},
    "report.off": {"ru": "выкл.", "en": "off"},
    "report.none": {"ru": "нет", "en": "none"},
    "report.lever_title": {"ru": "Какая механика окупается лучше?", "en": "Which lever pays best?"},
    "report.lever_caption": {
        "ru": "По убыванию чистого дохода на клиента с учётом затрат на механику. Цена — не "
        "ценность: более дешёвая механика, которая возвращает клиентов, может обойти скидку.",
        "en": "Ranked by net value per customer after the lever's cost. Price is not value: a "
        "cheaper lever that brings customers back can beat a discount.",
    },
    "report.head_to_head_title": {
        "ru": "Механики друг против друга: обходит ли одна другую?",
        "en": "Head to head: does one lever beat another?",
    },
    "report.head_to_head_caption": {
        "ru": "Каждая пара механик сравнивается напрямую по чистому доходу на клиента с учётом "
        "затрат, с поправкой на число пар: более дешёвая механика может обойти скидку.",
        "en": "Each pair of levers compared directly on net value per customer after their "
        "costs, corrected across pairs: a cheaper lever can beat a discount.",
    },
    "report.forest_caption": {
        "ru": "Зелёный — лучше контроля, красный — хуже, серый — не отличить от контроля, с "
        "поправкой на несколько механик (у каждой метрики своя). Отрезки — собственный "
        "интервал каждого эффекта, до поправки.",
        "en": "Green: better than control, red: worse, grey: not distinguishable from control, "
        "after the correction across the levers (each metric its own family). Bars are each "
        "effect's own interval, before it.",
    },
    "report.repeat_caption": {
        "ru": "Чем выше линия, тем больше клиентов вернулось. Линии, которые расходятся рано и "
        "не сходятся, — устойчивый эффект; пунктир — срок, по которому выносится вердикт.",
        "en": "Higher lines: more customers came back. Lines that separate early and stay apart "
        "mean a lasting effect on coming back; the dotted line is the horizon the verdicts "
        "use.",
    },
    "report.payback_caption": {
        "ru": "Каждая механика начинает ниже 0 на свои затраты и окупается там, где нижняя "
        "граница её полосы остаётся выше 0 (пунктир). {lines} Правило: {rule}",
        "en": "Each lever starts below 0 by its cost and pays for itself where its band's "
        "lower edge stays above 0 (dashed line). {lines} Rule: {rule}",
    },
    "report.fading_caption": {
        "ru": "Дополнительный вклад за каждый период. Отдельные периоды — не проверка "
        "угасания; проверка сравнивает две половины срока. {lines} Правило: {rule}",
        "en": "Extra contribution per period. The separate periods are not a test of fading; "
        "the test compares the two halves of the horizon. {lines} Rule: {rule}",
    },
    "report.distribution_caption": {
        "ru": "Большинство клиентов приносят немного или стоят механике денег; немногие "
        "приносят много. Пунктир — границы обрезки: значения за ними считаются по границе, "
        "чтобы один огромный заказ не решал исход.",
        "en": "Most customers bring little or cost the lever; a few bring a lot. Dashed lines: "
        "caps - values beyond them count at the cap, so one huge order cannot decide.",
    },
    "report.adjustment_title": {
        "ru": "С поправкой на поведение до эксперимента (CUPED) и без неё",
        "en": "Adjusted for pre-period behaviour (CUPED) vs unadjusted",
    },
    "report.col.lever": {"ru": "Механика", "en": "lever"},
    "report.col.kind": {"ru": "Тип", "en": "kind"},
    "report.col.net": {
        "ru": "Чистый доход к контролю, {currency}",
        "en": "net value vs control, {currency}",
    },
    "report.col.cost": {
        "ru": "Затраты на клиента, {currency}",
        "en": "cost per customer, {currency}",
    },
    "report.col.repeat": {"ru": "Повторные покупки к контролю", "en": "repeat vs control, pp"},
    "report.col.best": {"ru": "Шанс быть лучшей", "en": "chance of being best"},
    "report.col.verdict": {"ru": "Вердикт", "en": "verdict"},
    "report.col.arm": {"ru": "Группа", "en": "arm"},
    "report.col.vs": {"ru": "С чем", "en": "vs"},
    "report.col.metric": {"ru": "Метрика", "en": "metric"},
    "report.col.method": {"ru": "Метод", "en": "method"},
    "report.col.horizon_days": {"ru": "Срок, дн.", "en": "horizon_days"},
    "report.col.control_mean": {"ru": "Среднее в контроле", "en": "control_mean"},
    "report.col.arm_mean": {"ru": "Среднее в группе", "en": "arm_mean"},
    "report.col.diff": {"ru": "Разница", "en": "diff"},
    "report.col.ci_low": {"ru": "Интервал от", "en": "ci_low"},
    "report.col.ci_high": {"ru": "Интервал до", "en": "ci_high"},
    "report.col.rel_lift": {"ru": "Прирост, доля", "en": "rel_lift"},
    "report.col.rel_ci_low": {"ru": "Прирост от", "en": "rel_ci_low"},
    "report.col.rel_ci_high": {"ru": "Прирост до", "en": "rel_ci_high"},
    "report.col.p_value": {"ru": "p-значение", "en": "p_value"},
    "report.col.p_adjusted": {"ru": "p с поправкой", "en": "p_adjusted"},
    "report.col.n_control": {"ru": "Клиентов в контроле", "en": "n_control"},
    "report.col.n_arm": {"ru": "Клиентов в группе", "en": "n_arm"},
    "report.col.variance_reduction": {"ru": "Снижение дисперсии", "en": "variance_reduction"},
    "report.col.status": {"ru": "Статус", "en": "status"},
    "report.col.unadjusted": {"ru": "Без поправки", "en": "unadjusted"},
    "report.col.unadjusted_low": {"ru": "Без поправки, от", "en": "unadjusted CI low"},
    "report.col.unadjusted_high": {"ru": "Без поправки, до", "en": "unadjusted CI high"},
    "report.col.adjusted": {"ru": "С поправкой (CUPED)", "en": "adjusted (CUPED)"},
    "report.col.adjusted_low": {"ru": "С поправкой, от", "en": "adjusted CI low"},
    "report.col.adjusted_high": {"ru": "С поправкой, до", "en": "adjusted CI high"},
    "report.col.covariates": {"ru": "Показатели до эксперимента", "en": "covariates"},
    "report.col.role": {"ru": "Роль", "en": "role"},
    "report.col.customers": {"ru": "Клиентов", "en": "customers"},
    "report.col.expected": {"ru": "Ожидалось по плану", "en": "expected"},
    "report.col.unit": {"ru": "Единица", "en": "unit"},
    "report.col.control": {"ru": "Контроль", "en": "control"},
    "report.col.arm_value": {"ru": "Значение в группе", "en": "arm value"},
    "report.col.difference": {"ru": "Разница", "en": "difference"},
    "report.col.note": {"ru": "Примечание", "en": "note"},
    "report.role.treated": {"ru": "тестовая", "en": "treated"},
    "report.effect_status.ok": {"ru": "готово", "en": "ok"},
    "report.effect_status.insufficient_data": {
        "ru": "недостаточно данных",
        "en": "insufficient_data",
    },
    "report.covariate.pre_spend": {"ru": "траты до эксперимента", "en": "pre_spend"},
    "report.covariate.pre_spend_capped": {
        "ru": "траты до эксперимента (с обрезкой)",
        "en": "pre_spend_capped",
    },
    "report.covariate.pre_orders": {"ru": "заказы до эксперимента", "en": "pre_orders"},
    "report.covariate.pre_recency": {"ru": "давность последней покупки", "en": "pre_recency"},
    "report.covariate.tenure_days": {"ru": "дней с первой покупки", "en": "tenure_days"},
    "report.covariate.segment": {"ru": "RFM-сегмент", "en": "rfm_segment"},
    "report.setting.horizon": {"ru": "Срок, дн.", "en": "horizon (days)"},
    "report.setting.cap": {"ru": "Обрезка денежных метрик", "en": "capping of money metrics"},
    "report.setting.estimand": {"ru": "Денежные эффекты", "en": "money effects"},
    "report.setting.cuped": {
        "ru": "Поправка на поведение до эксперимента (CUPED)",
        "en": "covariate adjustment (CUPED)",
    },
    "report.setting.correction": {
        "ru": "Поправка на множественность",
        "en": "multiple-testing correction",
    },
    "report.setting.confidence": {"ru": "Уровень доверия", "en": "confidence level"},
    "report.setting.margin_rate": {
        "ru": "Норма маржи (без столбца маржи)",
        "en": "margin rate (when no margin column)",
    },
    "report.setting.discount_cost": {"ru": "Затраты на скидку", "en": "discount cost"},
    "report.setting.no_discount_arm": {"ru": "групп со скидкой нет", "en": "no discount arm"},
    "report.setting.currency": {"ru": "Валюта", "en": "currency"},
    "report.currency_word.RUB": {"ru": "рублях", "en": "roubles"},  # 'in roubles' / 'в рублях'
    "report.estimand.mean": {
        "ru": "средняя разница на клиента, в {currency}",
        "en": "mean difference per customer, in {currency}",
    },
    "report.estimand.capped": {
        "ru": "разница винзоризованных средних (значения обрезаны по общему {percentile}-му "
        "процентилю), а не разница в {currency}",
        "en": "winsorised mean difference (values capped at the pooled {percentile}th "
        "percentile), not the {currency} difference",
    },
    "report.margin_source.analysis": {
        "ru": "задана для этого анализа",
        "en": "set for this analysis",
    },
    "report.margin_source.experiment": {
        "ru": "настройка эксперимента",
        "en": "the experiment's own setting",
    },
    "report.margin_source.store": {"ru": "настройка магазина", "en": "the store setting"},
    "report.margin_source.default": {"ru": "по умолчанию", "en": "the default"},
    "report.discount.data": {
        "ru": "по суммам скидок в данных",
        "en": "from the discount amounts in the data",
    },
    "report.discount.configured": {
        "ru": "оценены по заданным {parts}, потому что в данных нет сумм скидок",
        "en": "estimated from the configured {parts} because the data has no discount amounts",
    },
    "report.discount.part_share": {
        "ru": "{pct} на {share} заказов",
        "en": "{pct} on {share} of orders",
    },
    "report.discount.part_arm": {"ru": " для «{arm}»", "en": " for {arm}"},
    "report.basis.short": {"ru": "Норма маржи {rate}", "en": "Margin rate {rate}"},
    "report.basis.long": {
        "ru": "Чистый доход при норме маржи {rate} для транзакций без столбца маржи",
        "en": "Net value at a margin rate of {rate} for transactions without a margin column",
    },
    "report.basis.default_hint": {
        "ru": " (норма магазина задаётся на странице «Данные», «Настройки магазина»)",
        "en": " (the store's own is set on the Data page, Store settings)",
    },
    "report.basis.discount": {"ru": "; затраты на скидку {how}", "en": "; discount cost {how}"},
    "report.warning_kind.srm": {
        "ru": "Перекос размеров групп: размеры групп не совпадают с плановым делением. "
        "Вероятно, сломано распределение или загрузка данных; не доверяйте эффектам, пока "
        "причина не найдена.",
        "en": "Sample-ratio mismatch: arm sizes do not match the planned allocation.",
    },
    "report.warning_kind.imbalance": {
        "ru": "Неравенство до эксперимента: группы различались ещё до распределения. "
        "Возможно, сломана рандомизация; строки CUPED делают на это поправку.",
        "en": "Pre-period imbalance: the arms differed before assignment.",
    },
    "report.warning_kind.short_window": {
        "ru": "Окно наблюдения пройдено не у всех клиентов: часть клиентов в этот срок не входит.",
        "en": "Partly observed window: some customers are left out of this horizon.",
    },
    "report.warning_kind.data": {
        "ru": "Проблема в данных (повторные назначения или невозможные даты): вердикты "
        "задержаны, пока причина не найдена.",
        "en": "A data problem (duplicate assignments or impossible dates) holds the verdicts.",
    },
    "report.warning_kind.insufficient_data": {
        "ru": "Недостаточно данных, чтобы оценить эффект на этом сроке.",
        "en": "Insufficient data to estimate an effect at this horizon.",
    },
    "report.warning_kind.discount_estimated": {
        "ru": "Затраты на скидку оценены по её настройкам: в данных нет сумм скидок.",
        "en": "The discount's cost is estimated from its configuration: the data has no "
        "discount amounts.",
    },
    "report.warning_details": {"ru": "Подробности (по-английски)", "en": "Details"},
    "report.file_status": {
        "ru": "Из файла результатов кампании · {customers} в {arms}",
        "en": "From a campaign result file · {customers} in {arms}",
    },
    "report.setting.deciding_metric": {"ru": "Решающая метрика", "en": "deciding metric"},
    "report.setting.metrics": {"ru": "Метрики", "en": "metrics"},
    "report.setting.file_covariate": {
        "ru": "Показатель до эксперимента (CUPED)",
        "en": "covariate (CUPED)",
    },
    "report.note.repeat": {
        "ru": "Повторная покупка: доля клиентов хотя бы с одним заказом в окне после "
        "распределения; z-тест для двух долей, интервал Вальда без объединения.",
        "en": "Repeat purchase: share of customers with at least one order in the window after "
        "their assignment; two-proportion z-test, unpooled Wald interval.",
    },
    "report.note.money": {
        "ru": "Денежные метрики (выручка, чистый доход): t-тест Уэлча для разницы средних на "
        "клиента; строки CUPED учитывают траты, заказы, давность, стаж и RFM-сегмент до "
        "эксперимента (регрессия Лина с взаимодействиями и дисперсией, устойчивой к "
        "гетероскедастичности, типа HC2) — интервалы уже без смещения; оценка без поправки "
        "(Уэлч) показана рядом.",
        "en": "Money metrics (revenue, net value): Welch's t-test on the mean difference per "
        "customer; 'cuped' rows adjust for pre-period spend, orders, recency, tenure and RFM "
        "segment (Lin's interacted regression with a heteroskedasticity-robust HC2-type "
        "variance), which narrows intervals without bias; the unadjusted (Welch) estimate is "
        "shown beside it.",
    },
    "report.note.net_value": {
        "ru": "Чистый доход = валовая маржа (столбец маржи, иначе выручка × норма маржи, до "
        "скидок) минус затраты на механику: скидки, стоимость подарка, время сотрудников. "
        "Скидки берутся из данных; если ни одна транзакция в окне эксперимента её не несёт "
        "(выгрузка без столбца скидки), скидка группы — это её заданный процент × доля "
        "использования от цены её заказов до скидки (заплачено / (1 − эта доля)).",
        "en": "Net value = gross margin (margin column, else revenue x margin rate, before "
        "discounts) minus the lever's cost: discounts given, gift cost, outreach time. "
        "Discounts are the data's; when no transaction in the experiment's window carries one "
        "(an export without a discount column), a discount arm's discount is its configured "
        "percent x redemption share of the pre-discount price of its orders there (amount "
        "paid / (1 - that share)).",
    },
    "report.note.correction": {
        "ru": "p-значения поправлены на число механик, у каждой метрики своё семейство "
        "(по умолчанию поправка Холма или выбранная при дизайне; Бенджамини — Хохберг по "
        "сегментам): семейство вердикта — чистый доход по всем механикам. Интервалы — "
        "собственные у каждого эффекта, до поправки. Перекос размеров групп: критерий "
        "хи-квадрат против планового деления.",
        "en": "p-values are corrected across the levers, each metric its own family (Holm by "
        "default, or the design's choice; Benjamini-Hochberg across segments): the verdict's "
        "family is net value across the levers. Intervals are each effect's own, before the "
        "correction. Sample-ratio mismatch: chi-square test against the planned allocation.",
    },
    "report.note.sequential": {
        "ru": "Пока эксперимент идёт: всегда верные доверительные последовательности "
        "(Waudby-Smith et al., Annals of Statistics 2024), настроенные один раз на число "
        "распределённых клиентов и разделённые между механиками (поправка Бонферрони), так "
        "что ежедневные просмотры не умножают ложные победы.",
        "en": "While running: always-valid confidence sequences (Waudby-Smith et al., Annals of "
        "Statistics 2024), tuned once for the customers assigned and split across the levers "
        "(Bonferroni), so looking every day does not inflate false wins.",
    },
    "report.note.capped": {
        "ru": "Денежные эффекты — {estimand}: значения обрезаны по общим процентилям "
        "ненулевых значений (один раз для всех групп), что приближает эффекты на трат с "
        "тяжёлыми хвостами к нулю (на 15–20 % на смоделированных тратах).",
        "en": "Money effects are the {estimand}: values are winsorised at pooled percentiles of "
        "non-zero values (computed once across arms), which shrinks effects on heavy-tailed "
        "spend toward zero (by 15-20% on simulated spend).",
    },
    "report.note.uncapped": {
        "ru": "Денежные эффекты — простая разница средних на клиента (без обрезки): "
        "несмещённая оценка того, что механика дала в деньгах, с учётом крупных покупок. "
        "Обрезка включается в настройках; она оценивает другую величину (разницу "
        "винзоризованных средних).",
        "en": "Money effects are the plain mean difference per customer (no capping): unbiased "
        "for what the lever did in money, heavy tails included. Capping is an option in the "
        "settings; it estimates a different quantity (the winsorised mean difference).",
    },
    "report.note.file_tests": {
        "ru": "Доли (столбцы 0/1): z-тест для двух долей, интервал Вальда без объединения. "
        "Денежные столбцы: t-тест Уэлча; строки CUPED учитывают выбранный показатель до "
        "эксперимента (CUPED: регрессия Лина с наклонами по группам и устойчивой дисперсией "
        "типа HC2).",
        "en": "Rates (0/1 columns): two-proportion z-test, unpooled Wald interval. Money "
        "columns: Welch's t-test; 'cuped' rows adjust for the chosen pre-period column (CUPED: "
        "Lin's regression with arm-specific slopes and a robust HC2-type variance).",
    },
    "report.note.file_correction": {
        "ru": "p-значения поправлены на число групп, у каждой метрики своё семейство (решает "
        "первая метрика — чистый доход, если у механик есть затраты, а в файле есть столбец "
        "денег; интервалы — собственные у каждого эффекта, до поправки); перекос размеров "
        "групп: критерий хи-квадрат против планового деления.",
        "en": "p-values are corrected across the arms, each metric its own family (the first "
        "metric - net value when the experiment's levers have costs and the file a money "
        "column - decides; intervals are each effect's own, before the correction); "
        "sample-ratio mismatch: chi-square test against the planned split.",
    },
    # -- payback and fading statements (stats.PaybackInterval / FadingTest) ----------------------
    "timing.payback.paid_back": {
        "ru": "«{arm}»: окупилась с уверенностью {level} к {day}-му дню (самый ранний "
        "правдоподобный день — {earliest}).",
        "en": "{arm}: paid back with {level} confidence by day {day} (earliest plausible day "
        "{earliest}).",
    },
    "timing.payback.not_yet": {
        "ru": "«{arm}»: пока не окупилась с уверенностью за {days} дн. (самый ранний "
        "правдоподобный день — {earliest}).",
        "en": "{arm}: not yet paid back with confidence within {days} days (earliest plausible "
        "day {earliest}).",
    },
    "timing.payback.not_within_horizon": {
        "ru": "«{arm}»: не окупается за {days} дн. (накопленный дополнительный чистый доход "
        "там ниже 0 с уверенностью {level}).",
        "en": "{arm}: does not pay back within {days} days (its cumulative extra net value is "
        "below 0 with {level} confidence there).",
    },
    "timing.payback.insufficient_data": {
        "ru": "«{arm}»: недостаточно данных, чтобы сказать, когда механика окупится.",
        "en": "{arm}: not enough data to tell when it pays back.",
    },
    "timing.fading.no_data": {
        "ru": "«{arm}»: недостаточно данных, чтобы проверить, угасает ли эффект.",
        "en": "{arm}: not enough data to test whether the effect fades.",
    },
    "timing.fading.halves": {
        "ru": "дополнительный вклад {early} на клиента в дни 1–{split}, {late} в дни "
        "{after}–{horizon}; односторонний {p}",
        "en": "extra contribution {early} per customer in days 1-{split}, {late} in days "
        "{after}-{horizon}; one-sided {p}",
    },
    "timing.fading.fades": {
        "ru": "«{arm}»: дополнительные деньги угасают — во второй половине срока их меньше, "
        "чем в первой ({halves}).",
        "en": "{arm}: the extra money fades - smaller in the second half than in the first "
        "({halves}).",
    },
    "timing.fading.falls_not_gain": {
        "ru": "«{arm}»: дополнительный вклад снижается, но он и не был положительным, так что "
        "угасать нечему ({halves}).",
        "en": "{arm}: the extra contribution falls, but it was not positive to begin with, so "
        "no gain is fading ({halves}).",
    },
    "timing.fading.no_evidence": {
        "ru": "«{arm}»: нет признаков, что эффект угасает ({halves}).",
        "en": "{arm}: no evidence that the effect fades ({halves}).",
    },
    "timing.payback.rule": {
        "ru": "Окупилась с уверенностью к такому-то дню: первый день, начиная с которого нижняя "
        "граница накопленного дополнительного чистого дохода (с учётом затрат на механику) "
        "остаётся выше 0 до конца наблюдаемого срока. Самый ранний правдоподобный день: "
        "первый день, когда выше 0 верхняя граница. Каждый конец ошибается с вероятностью не "
        "больше половины от 1 − уровень доверия, если оба хвоста интервала промахиваются "
        "одинаково часто, так что вместе они накрывают истинный день окупаемости примерно с "
        "заявленной уверенностью; при очень скошенных тратах (несколько крупных чеков) "
        "верхний конец промахивается чаще, и самый ранний день и «не окупается» сдвигаются "
        "позже. Не окупается: верхняя граница ниже 0 в конце срока.",
        "en": "Paid back with confidence by day X: the first day from which the lower bound of "
        "the cumulative extra net value (after the lever's cost) stays above 0 to the end of "
        "the observed horizon. Earliest plausible day: the first day its upper bound is above "
        "0. Each end errs with probability at most half of 1 - confidence when the interval's "
        "two tails are equally likely to miss, so the two together cover the true payback day "
        "with about the stated confidence; on very skewed spend (a few large baskets) the "
        "upper end misses more often, so the earliest plausible day and 'does not pay back' "
        "lean late. Does not pay back: the upper bound is below 0 at the end of the horizon.",
    },
    "timing.fading.rule": {
        "ru": "Угасает: дополнительный вклад во второй половине срока ниже, чем в первой, по "
        "одностороннему тесту Уэлча на уровне α для разницы вклада каждого клиента во "
        "второй и первой половине (группа против контроля; одно число на клиента, поэтому "
        "связь его ранних и поздних покупок учтена в дисперсии), и эффект в первой половине "
        "положительный. Это утверждение о дополнительных деньгах на клиента: когда позже все "
        "покупают меньше (и контроль тоже), постоянный процентный прирост тоже приносит "
        "меньше дополнительных денег.",
        "en": "Fades: the extra contribution in the second half of the horizon is lower than in "
        "the first half, by a one-sided Welch test at alpha on each customer's second-half "
        "minus first-half contribution (arm vs control; one number per customer, so the "
        "correlation of a customer's early and late purchases is in its variance), and the "
        "first-half effect is positive. It is a statement about the extra money per "
        "customer: when everyone buys less later on (control too), a constant percentage lift "
        "also brings less extra money later.",
    },
    # -- exports ---------------------------------------------------------------------------------
    "export.csv_excel": {"ru": "CSV для Excel", "en": "CSV for Excel"},
    "export.encoding": {"ru": "Кодировка CSV для Excel", "en": "CSV for Excel encoding"},
    "export.encoding.help": {
        "ru": "В какой кодировке кнопки «CSV для Excel» пишут таблицы: UTF-8 читают Excel "
        "2016 и новее, Windows-1251 — старый Excel и 1С. Разделитель — точка с запятой, "
        "дробная часть — после запятой.",
        "en": "The encoding every 'CSV for Excel' button writes: UTF-8 for Excel 2016 and "
        "later, Windows-1251 for older Excel and 1C. Cells are separated by semicolons, "
        "decimals written with a comma.",
    },
    "export.encoding.utf-8-sig": {
        "ru": "UTF-8 (Excel 2016 и новее)",
        "en": "UTF-8 (Excel 2016 and later)",
    },
    "export.encoding.cp1251": {
        "ru": "Windows-1251 (старый Excel, 1С)",
        "en": "Windows-1251 (older Excel, 1C)",
    },
    "export.cp1251_refused": {
        "ru": "В кодировке Windows-1251 нет символа «{char}» (столбец «{column}», строка "
        "{row}). Выберите UTF-8: в ней есть все символы.",
        "en": "Windows-1251 has no character '{char}' (column '{column}', row {row}). Choose "
        "UTF-8, which holds every character.",
    },
    # -- a link's settings the Results page does not offer (confidence=42, cap=maybe) --------
    "results.confidence.link_invalid": {
        "ru": "Уровня доверия «{value}» из ссылки нет среди предложенных ({offered}): показан "
        "уровень {shown}.",
        "en": "The link's confidence ('{value}') is not one the page offers ({offered}): "
        "showing {shown} instead.",
    },
    "results.correction.link_invalid": {
        "ru": "Поправки «{value}» из ссылки нет среди предложенных ({offered}): показан вид "
        "«{shown}».",
        "en": "The link's correction ('{value}') is not one the page offers ({offered}): "
        "showing '{shown}' instead.",
    },
    "results.cap.link_invalid": {
        "ru": "Ограничение денежных значений в ссылке («{value}») — не из предложенных "
        "({offered}): показано {shown}.",
        "en": "The link's cap ('{value}') is not one the page offers ({offered}): showing "
        "{shown} instead.",
    },
    "results.cuped.link_invalid": {
        "ru": "Поправка на предпериод (cuped) в ссылке («{value}») — не из предложенных "
        "({offered}): показано {shown}.",
        "en": "The link's cuped ('{value}') is not one the page offers ({offered}): showing "
        "{shown} instead.",
    },
}

# Areas whose texts live in their own module (one file per area keeps the catalogue readable and
# lets two people translate two areas without editing the same lines). A key may be defined once.
from experiments.i18n import (  # noqa: E402  (they import Entry, defined before this point)
    messages_cli,
    messages_clv,
    messages_data,
    messages_design,
    messages_errors,
    messages_output,
    messages_source,
)

for _area in (
    messages_data,
    messages_design,
    messages_output,
    messages_cli,
    messages_source,
    messages_clv,
    messages_errors,
):
    _twice = MESSAGES.keys() & _area.MESSAGES.keys()
    if _twice:
        raise RuntimeError(f"{_area.__name__} redefines {sorted(_twice)}")
    MESSAGES.update(_area.MESSAGES)

__all__ = ["GLOSSARY", "MESSAGES", "Entry", "Message"]
