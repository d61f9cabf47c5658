"""Catalogue texts for the Design page and its sections.

Keys: ``design.``, ``plan.``, ``audience.``, ``launch.``, ``register.``, ``lifecycle.``.

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
The English texts are the page's as they were before #12 (its English tests pin them);
``design.problem.*``, ``plan.problem.*`` and ``design.aa.*`` are the domain's validation messages
(experiments/design), returned as `experiments.i18n.text.Text`.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    # -- the page (pages/design.py) ----------------------------------------------------------------
    "design.intro": {
        "ru": "Выберите, кто участвует, какие механики сравнить с контрольной группой и сколько "
        "нужно клиентов, затем зафиксируйте воспроизводимый список распределения для вашей CRM.",
        "en": "Choose who takes part, which levers to compare against a control, how many "
        "customers you need, then freeze a reproducible assignment list for your CRM.",
    },
    "design.tab.design": {"ru": "Спроектировать эксперимент", "en": "Design an experiment"},
    "design.tab.file": {
        "ru": "Создать из файла распределения",
        "en": "Create from an assignment file",
    },
    "design.experiment": {"ru": "Эксперимент", "en": "Experiment"},
    "design.new": {"ru": "Новый эксперимент", "en": "New experiment"},
    "design.status.draft": {"ru": "черновик", "en": "draft"},
    "design.status.running": {"ru": "идёт", "en": "running"},
    "design.status.completed": {"ru": "завершён", "en": "completed"},
    "design.status.demo": {"ru": "демо-данные", "en": "demo data"},
    "design.status.archived": {"ru": "в архиве", "en": "archived"},
    "design.missing": {
        "ru": "Этого эксперимента больше нет; выберите другой.",
        "en": "This experiment no longer exists; pick another one.",
    },
    "design.copy_name": {"ru": "{name} (копия)", "en": "{name} (copy)"},
    "design.draft_caption": {
        "ru": "Черновик от {created}. Измените что угодно, затем сохраните или запустите.",
        "en": "Draft, created {created}. Edit anything, then save or start.",
    },
    "design.name": {"ru": "Название эксперимента", "en": "Experiment name"},
    "design.name.placeholder": {
        "ru": "например, Подарок против скидки 10%, уходящие клиенты, июнь",
        "en": "e.g. Gift vs 10% off, lapsing customers, June",
    },
    "design.name.help": {
        "ru": "Уникальное; по нему называется выгрузка.",
        "en": "Unique; the export is named after it.",
    },
    # -- arm kinds and cost inputs (pages/_design_common.py) ---------------------------------------
    "design.kind.control": {"ru": "Контроль", "en": "Control"},
    "design.kind.discount": {"ru": "Скидка", "en": "Discount"},
    "design.kind.gift": {"ru": "Подарок-сюрприз", "en": "Surprise gift"},
    "design.kind.outreach": {"ru": "Личный контакт", "en": "Personal outreach"},
    "design.kind.custom": {"ru": "Другое", "en": "Custom"},
    "design.add.discount": {"ru": "Добавить скидку", "en": "Add discount"},
    "design.add.gift": {"ru": "Добавить подарок", "en": "Add gift"},
    "design.add.outreach": {"ru": "Добавить контакт", "en": "Add outreach"},
    "design.add.custom": {"ru": "Добавить другое", "en": "Add custom"},
    "design.default_arm.control": {"ru": "контроль", "en": "control"},
    "design.default_arm.discount": {"ru": "скидка 10%", "en": "10% off"},
    "design.default_arm.gift": {"ru": "подарок-сюрприз", "en": "surprise gift"},
    "design.default_arm.outreach": {"ru": "личный звонок", "en": "personal call"},
    "design.default_arm.custom": {"ru": "другое", "en": "custom"},
    "design.cost.discount_pct": {"ru": "Скидка, %", "en": "Percent off"},
    "design.cost.redemption_share": {
        "ru": "Ожидаемая доля использования",
        "en": "Expected redemption share",
    },
    "design.cost.gift_cost": {
        "ru": "Подарок с доставкой, {currency}",
        "en": "Gift incl. delivery, {currency}",
    },
    "design.cost.minutes": {"ru": "Минут на контакт", "en": "Minutes per contact"},
    "design.cost.hourly_cost": {"ru": "Час сотрудника, {currency}", "en": "Staff hour, {currency}"},
    "design.cost.custom_cost": {
        "ru": "Затраты на клиента, {currency}",
        "en": "Cost per customer, {currency}",
    },
    # the fields' names inside a sentence (ArmSpec.problems)
    "design.cost_field.gift_cost": {"ru": "стоимость подарка", "en": "gift cost"},
    "design.cost_field.minutes": {"ru": "минуты", "en": "minutes"},
    "design.cost_field.hourly_cost": {"ru": "стоимость часа", "en": "hourly cost"},
    "design.cost_field.custom_cost": {"ru": "затраты", "en": "custom cost"},
    # -- metrics, stratification, ranges ----------------------------------------------------------
    "design.metric.repeat_purchase": {
        "ru": "Повторная покупка за горизонт",
        "en": "Repeat purchase within the horizon",
    },
    "design.metric.net_value": {
        "ru": "Чистый доход на клиента за горизонт, {currency}",
        "en": "Net value per customer over the horizon, {currency}",
    },
    "design.secondary.net_value_30d": {
        "ru": "Чистый доход за 30 дней",
        "en": "Net value over 30 days",
    },
    "design.secondary.net_value_60d": {
        "ru": "Чистый доход за 60 дней",
        "en": "Net value over 60 days",
    },
    "design.secondary.net_value_90d": {
        "ru": "Чистый доход за 90 дней",
        "en": "Net value over 90 days",
    },
    "design.secondary.net_value_180d": {
        "ru": "Чистый доход за 180 дней",
        "en": "Net value over 180 days",
    },
    "design.secondary.orders": {"ru": "Заказов на клиента", "en": "Orders per customer"},
    "design.secondary.average_order_value": {"ru": "Средний чек", "en": "Average order value"},
    "design.stratify.none": {
        "ru": "Без стратификации (только хеш)",
        "en": "No stratification (hash only)",
    },
    "design.stratify.rfm_segment": {
        "ru": "Внутри каждого RFM-сегмента",
        "en": "Within each RFM segment",
    },
    "design.stratify.spend_tier": {
        "ru": "Внутри квартилей трат до старта",
        "en": "Within pre-period spend quartiles",
    },
    "design.range.recency": {"ru": "Дней с последней покупки", "en": "Days since last purchase"},
    "design.range.frequency": {
        "ru": "Заказов в окне истории",
        "en": "Orders in the lookback window",
    },
    "design.range.monetary": {"ru": "Траты в окне истории", "en": "Spend in the lookback window"},
    "design.range.tenure": {"ru": "Дней с первой покупки", "en": "Days since first purchase"},
    "design.range_name.recency": {"ru": "Давность", "en": "Recency"},
    "design.range_name.frequency": {"ru": "Частота", "en": "Frequency"},
    "design.range_name.monetary": {"ru": "Траты", "en": "Spend"},
    "design.range_name.tenure": {"ru": "Стаж", "en": "Tenure"},
    "design.unit.days": {"ru": "дней", "en": "days"},
    "design.unit.orders": {"ru": "заказов", "en": "orders"},
    "design.segment.champions": {"ru": "чемпионы", "en": "champions"},
    "design.segment.loyal": {"ru": "лояльные", "en": "loyal"},
    "design.segment.potential loyalists": {
        "ru": "потенциально лояльные",
        "en": "potential loyalists",
    },
    "design.segment.new": {"ru": "новые", "en": "new"},
    "design.segment.at risk": {"ru": "в зоне риска", "en": "at risk"},
    "design.segment.can't lose": {"ru": "нельзя потерять", "en": "can't lose"},
    "design.segment.hibernating": {"ru": "спящие", "en": "hibernating"},
    "design.segment.lost": {"ru": "потерянные", "en": "lost"},
    # -- 1 · audience (pages/_design_audience.py) --------------------------------------------------
    "audience.header": {"ru": "1 · Аудитория", "en": "1 · Audience"},
    "audience.caption": {
        "ru": "Оставьте поле пустым — без ограничения. Размер и траты обновляются по мере "
        "изменений.",
        "en": "Leave a field empty for no limit. The size and spend update as you change them.",
    },
    "audience.lookback": {
        "ru": "Окно истории для заказов и трат, дней",
        "en": "Lookback window for orders and spend, days",
    },
    "audience.from": {"ru": "от, {unit}", "en": "from, {unit}"},
    "audience.to": {"ru": "до, {unit}", "en": "to, {unit}"},
    "audience.segments": {"ru": "RFM-сегменты", "en": "RFM segments"},
    "audience.segments.placeholder": {"ru": "все сегменты", "en": "all segments"},
    "audience.segments.help": {
        "ru": "Названы по квинтильным оценкам: чемпионы — R, F, M ≥ 4; в зоне риска — R ≤ 2, "
        "F ≥ 3; ...",
        "en": "Named from quintile scores: champions R,F,M >= 4; at risk R <= 2, F >= 3; ...",
    },
    "audience.channels": {"ru": "Канал последней покупки", "en": "Channel of the last purchase"},
    "audience.channels.placeholder": {"ru": "любой канал", "en": "any channel"},
    "audience.scores": {
        "ru": "Квинтильные RFM-оценки и атрибуты клиентов",
        "en": "RFM quintile scores and customer attributes",
    },
    "audience.score.r": {"ru": "Оценка давности (5 — лучшая)", "en": "Recency score (5 = best)"},
    "audience.score.f": {
        "ru": "Оценка частоты (5 — лучшая)",
        "en": "Frequency score (5 = best)",
    },
    "audience.score.m": {"ru": "Оценка трат (5 — лучшая)", "en": "Monetary score (5 = best)"},
    "audience.any": {"ru": "любые", "en": "any"},
    "audience.no_attributes": {
        "ru": "Загрузите файл клиентов на странице «Данные», чтобы фильтровать по его атрибутам.",
        "en": "Upload a customers file on the Data page to filter by its attributes.",
    },
    "audience.fix": {
        "ru": "{problem} Исправьте фильтр выше.",
        "en": "{problem} Fix the filter above.",
    },
    "audience.failed": {
        "ru": "Аудиторию не удаётся посчитать: {error}",
        "en": "The audience cannot be computed: {error}",
    },
    "audience.size": {"ru": "Аудитория", "en": "Audience"},
    "audience.mean_spend": {"ru": "Средние траты", "en": "Mean spend"},
    "audience.median_spend": {"ru": "Медианные траты", "en": "Median spend"},
    "audience.as_of": {
        "ru": "Признаки на {date} (день после последней транзакции); последний столбец — 1% "
        "клиентов с самыми большими тратами.",
        "en": "Features as of {date} (the day after the last transaction); the last bar holds "
        "the top 1% of spenders.",
    },
    "audience.empty": {
        "ru": "Ни один клиент не подходит под эти фильтры: расширьте их, чтобы получить аудиторию.",
        "en": "No customer matches these filters: widen them to get an audience.",
    },
    # -- 2 · arms (pages/_design_arms.py) ----------------------------------------------------------
    "design.arms.header": {"ru": "2 · Группы", "en": "2 · Arms"},
    "design.arms.caption": {
        "ru": "Контрольная группа не получает ничего нового. Добавьте механики для сравнения; "
        "веса задают долю аудитории каждой группы. Ожидаемые затраты на скидку считаются от "
        "среднего чека {amount}.",
        "en": "The control gets nothing new. Add the levers to compare; weights set each arm's "
        "share of the audience. Expected cost uses the average order of {amount} for discounts.",
    },
    "design.arm.name": {"ru": "{kind}: название", "en": "{kind}: name"},
    "design.arm.weight": {"ru": "Вес", "en": "Weight"},
    "design.arm.cost": {"ru": "**{amount}** на клиента", "en": "**{amount}** per customer"},
    "design.arm.cost_expected": {
        "ru": "**{amount}** на клиента (ожидаемо)",
        "en": "**{amount}** per customer expected",
    },
    "design.arm.remove": {"ru": "Убрать", "en": "Remove"},
    "design.arm.remove.help": {"ru": "Убрать эту группу", "en": "Remove this arm"},
    # -- 3 · hypothesis and metrics (pages/_design_plan.py) ----------------------------------------
    "plan.metrics.header": {"ru": "3 · Гипотеза и метрики", "en": "3 · Hypothesis and metrics"},
    "plan.hypothesis": {"ru": "Гипотеза", "en": "Hypothesis"},
    "plan.hypothesis.placeholder": {
        "ru": "Подарок-сюрприз чаще возвращает уходящих клиентов, чем скидка 10%, и стоит "
        "меньше маржи, которую отдаёт скидка.",
        "en": "A surprise gift brings lapsing customers back more often than 10% off, and costs "
        "less than the margin a discount gives away.",
    },
    "plan.primary": {"ru": "Основная метрика (решение)", "en": "Primary metric (the decision)"},
    "plan.primary.short": {"ru": "Основная метрика", "en": "Primary metric"},
    "plan.horizon": {"ru": "Горизонт, дней", "en": "Horizon, days"},
    "plan.horizon.help": {
        "ru": "По умолчанию {days}: результаты в пределах стольких дней от старта.",
        "en": "Default {days}: outcomes within this many days of the start.",
    },
    "plan.secondary": {
        "ru": "Дополнительные метрики (в отчёте, не для решения)",
        "en": "Secondary metrics (reported, not decided on)",
    },
    "plan.guardrails": {
        "ru": "Ограничители (не должны ухудшиться)",
        "en": "Guardrails (must not get worse)",
    },
    "plan.confidence": {"ru": "Уверенность вердикта", "en": "Confidence of the verdict"},
    "plan.confidence.help": {
        "ru": "Фиксируется сейчас, как и горизонт: вердикт на странице «Результаты» следует ей. "
        "Другие настройки там дают исследовательский взгляд.",
        "en": "Fixed now, like the horizon: the verdict on Results follows it. Other settings "
        "there give an exploratory view.",
    },
    "plan.correction": {"ru": "Поправка на несколько механик", "en": "Correction across levers"},
    "plan.correction.holm": {"ru": "Холм", "en": "Holm"},
    "plan.correction.bh": {"ru": "Бенджамини — Хохберг", "en": "Benjamini-Hochberg"},
    "plan.correction.none": {"ru": "без поправки", "en": "none"},
    "plan.correction.help": {
        "ru": "Каждая механика сравнивается с контролем по чистому доходу: поправка Холма "
        "держит шанс любого ложного «внедрять» на уровне выше.",
        "en": "Several levers are each compared with control on net value: Holm keeps the "
        "chance of any false 'ship' at the level above.",
    },
    "plan.guardrail_margin": {
        "ru": "Допуск ограничителя, % от контроля",
        "en": "Guardrail margin, % of control",
    },
    "plan.guardrail_margin.help": {
        "ru": "Механику не внедряют, пока не показано, что каждый ограничитель хуже контроля "
        "не больше чем на столько (не-меньшая эффективность).",
        "en": "A lever is not shipped unless each guardrail is shown to be at most this much "
        "worse than control (non-inferiority).",
    },
    # -- 4 · how many customers (pages/_design_plan.py) --------------------------------------------
    "plan.header": {"ru": "4 · Сколько нужно клиентов?", "en": "4 · How many customers?"},
    "plan.failed": {
        "ru": "Планировщик не может прочитать историю: {error}",
        "en": "The planner cannot read the history: {error}",
    },
    "plan.baseline": {"ru": "Базовая доля повторных", "en": "Baseline repeat rate"},
    "plan.baseline.help": {
        "ru": "Доля этой аудитории (какой она была за {days} до последней транзакции), "
        "купившая снова в течение {days}.",
        "en": "Share of this audience, as it was {days} before the last transaction, that "
        "bought again within {days}.",
    },
    "plan.value": {"ru": "Чистый доход на клиента", "en": "Net value per customer"},
    "plan.value.help": {
        "ru": "Маржа минус скидки за горизонт, тот же бэктест.",
        "en": "Margin minus discounts over the horizon, same backtest.",
    },
    "plan.cuped": {"ru": "Снижение дисперсии (CUPED)", "en": "Variance cut (CUPED)"},
    "plan.cuped.help": {
        "ru": "CUPED: поправка на траты до старта сужает интервалы чистого дохода.",
        "en": "CUPED: adjusting for spend before the start narrows the net-value intervals.",
    },
    "plan.flow": {"ru": "Новых клиентов в неделю", "en": "New customers / week"},
    "plan.flow.help": {
        "ru": "Клиентов, входящих в эту аудиторию за неделю, за последние четыре недели.",
        "en": "Customers entering this audience per week over the last four weeks.",
    },
    "plan.mode": {"ru": "Что вы хотите узнать?", "en": "What do you want to know?"},
    "plan.mode.need": {
        "ru": "Сколько клиентов нужно, чтобы заметить прирост",
        "en": "Customers needed to detect a lift",
    },
    "plan.mode.detect": {
        "ru": "Какой прирост заметен на моих клиентах",
        "en": "Lift I can detect with my customers",
    },
    "plan.lift_pp": {
        "ru": "Прирост доли повторных, который нужно заметить, п.п.",
        "en": "Lift of the repeat rate to detect, percentage points",
    },
    "plan.lift_money": {
        "ru": "Чистый доход на клиента, который нужно заметить, {currency}",
        "en": "Net value per customer to detect, {currency}",
    },
    "plan.have": {
        "ru": "Сколько у меня клиентов (все группы вместе)",
        "en": "Customers I have (all arms together)",
    },
    "plan.add_lever": {
        "ru": "Добавьте хотя бы одну механику в разделе «Группы», чтобы спланировать эксперимент.",
        "en": "Add at least one lever under Arms to plan the experiment.",
    },
    "plan.comparisons": {
        "ru": "{comparisons} с контролем, каждое при α = {alpha} (поправка Бонферрони на "
        "{arms}), мощность {power}.",
        "en": "{comparisons} with the control, each at alpha = {alpha} (Bonferroni for "
        "{arms}), power {power}.",
    },
    "plan.comparisons.count": {
        "ru": {
            "one": "{count} сравнение",
            "few": "{count} сравнения",
            "many": "{count} сравнений",
            "other": "{count} сравнения",
        },
        "en": {"one": "{count} comparison", "other": "{count} comparisons"},
    },
    "plan.arms.count": {
        "ru": {
            "one": "{count} группу",
            "few": "{count} группы",
            "many": "{count} групп",
            "other": "{count} группы",
        },
        "en": {"one": "{count} arm", "other": "{count} arms"},
    },
    "plan.need_repeat": {
        "ru": "Клиентов для +{lift} доли повторных",
        "en": "Customers for +{lift} repeat rate",
    },
    "plan.need_repeat.help": {
        "ru": "Все группы вместе; по группам — в таблице ниже.",
        "en": "All arms together; per arm in the table below.",
    },
    "plan.weeks": {"ru": "Недель новых клиентов", "en": "Weeks of new customers"},
    "plan.weeks.help": {
        "ru": "Если запускать на клиентах по мере их входа в аудиторию.",
        "en": "If you run it on customers as they enter the audience.",
    },
    "plan.need_value": {
        "ru": "Клиентов для +{amount} чистого дохода",
        "en": "Customers for +{amount} net value",
    },
    "plan.need_value.help": {
        "ru": "С поправкой на траты до старта (CUPED).",
        "en": "With the pre-period spend adjustment (CUPED).",
    },
    "plan.table.arm": {"ru": "группа", "en": "arm"},
    "plan.table.now": {"ru": "клиентов сейчас", "en": "customers now"},
    "plan.table.need_repeat": {"ru": "нужно для доли повторных", "en": "needed for repeat rate"},
    "plan.table.need_value": {"ru": "нужно для чистого дохода", "en": "needed for net value"},
    "plan.too_few": {
        "ru": "В аудитории {have}, а нужно {need}: расширьте аудиторию, примите больший "
        "заметный прирост или запустите меньше групп.",
        "en": "The audience has {have}, {need} are needed: widen the audience, accept a larger "
        "detectable lift, or run fewer arms.",
    },
    "plan.detect_repeat": {
        "ru": "Заметный прирост доли повторных",
        "en": "Detectable repeat-rate lift",
    },
    "plan.detect_value": {"ru": "Заметный чистый доход", "en": "Detectable net value"},
    "plan.detect_value.help": {
        "ru": "Без поправки на траты до старта: {amount}.",
        "en": "Without the pre-period adjustment: {amount}.",
    },
    "plan.smallest_arm": {
        "ru": "Клиентов в самой маленькой группе",
        "en": "Customers in the smallest arm",
    },
    "plan.power_caption": {
        "ru": "Мощность — шанс, что тест найдёт прирост, если он есть; цельтесь в пунктирную "
        "линию.",
        "en": "Power = the chance the test finds the lift if it is real; aim for the dashed line.",
    },
    "plan.problem.history": {
        "ru": "История аудитории слишком короткая или однородная, чтобы оценить базовый "
        "уровень: нужны клиенты, подходившие под аудиторию один горизонт назад, и часть из них "
        "должна была купить снова.",
        "en": "The audience's history is too short or too uniform to estimate a baseline: it "
        "needs customers who matched the audience one horizon ago, some of whom bought again.",
    },
    "plan.problem.arms": {
        "ru": "В дизайне нужна ровно одна контрольная группа и хотя бы одна с механикой.",
        "en": "The design needs exactly one control and at least one treatment arm.",
    },
    # -- 5 · assignment, 6 · save or start (pages/_design_launch.py) -------------------------------
    "launch.header": {"ru": "5 · Распределение", "en": "5 · Assignment"},
    "launch.stratify": {"ru": "Балансировать разбиение", "en": "Balance the split"},
    "launch.code_prefix": {
        "ru": "Префикс промокода (по желанию)",
        "en": "Coupon code prefix (optional)",
    },
    "launch.code_prefix.help": {
        "ru": "Клиенты групп с механикой получают личный код: префикс + 8 символов.",
        "en": "Treatment customers get a personal code: prefix + 8 characters.",
    },
    "launch.new_salt": {"ru": "Новая соль", "en": "Draw a new salt"},
    "launch.salt_caption": {
        "ru": "Группа каждого клиента определяется хешем соли `{salt}` и номера клиента: "
        "одни и те же входные данные всегда дают один и тот же список.",
        "en": "Each customer's arm comes from a hash of the salt `{salt}` and the customer "
        "id: the same inputs always give the same list.",
    },
    "launch.to_preview": {
        "ru": "**Чтобы увидеть распределение:** {problems}",
        "en": "**To preview the assignment:** {problems}",
    },
    "launch.preview_failed": {
        "ru": "Распределение не удаётся показать: {error}",
        "en": "The assignment cannot be previewed: {error}",
    },
    "launch.empty": {
        "ru": "Аудитория пуста: распределять некого. Расширьте фильтры.",
        "en": "The audience is empty: nothing to assign. Widen the filters.",
    },
    "launch.save_header": {"ru": "6 · Сохранить или запустить", "en": "6 · Save or start"},
    "launch.ack": {
        "ru": "Запустить, несмотря на проваленную A/A-проверку",
        "en": "Start despite the failed A/A check",
    },
    "launch.caption": {
        "ru": "Запуск фиксирует список распределения и дату старта; группы больше нельзя изменить.",
        "en": "Starting freezes the assignment list and sets the start date; the arms can no "
        "longer change.",
    },
    "launch.save": {"ru": "Сохранить черновик", "en": "Save draft"},
    "launch.start": {"ru": "Запустить эксперимент", "en": "Start experiment"},
    "launch.not_saved": {"ru": "**Не сохранено.** {error}", "en": "**Not saved.** {error}"},
    "launch.saved": {
        "ru": "Черновик «{name}» сохранён (№ {id}).",
        "en": "Draft '{name}' saved (id {id}).",
    },
    "launch.starting": {"ru": "Запускаем эксперимент...", "en": "Starting the experiment..."},
    "launch.saving": {"ru": "Сохраняем дизайн...", "en": "Saving the design..."},
    "launch.randomizing": {
        "ru": "Распределяем аудиторию и фиксируем группы...",
        "en": "Randomizing the audience and freezing the assignments...",
    },
    "launch.not_started": {"ru": "Не запущен", "en": "Not started"},
    "launch.did_not_start": {
        "ru": "**Эксперимент не запустился.** {error}",
        "en": "**The experiment did not start.** {error}",
    },
    "launch.started": {
        "ru": "Запущен: распределено {customers}",
        "en": "Started: {customers} assigned",
    },
    "launch.running": {
        "ru": "«{name}» идёт: распределено и зафиксировано {customers}. Скачайте список для "
        "вашей CRM ниже.",
        "en": "'{name}' is running: {customers} assigned and frozen. Download the list for "
        "your CRM below.",
    },
    # -- balance (pages/_design_common.render_balance) ---------------------------------------------
    "design.balance.arm": {"ru": "группа", "en": "arm"},
    "design.balance.n": {"ru": "клиентов", "en": "n"},
    "design.balance.share": {"ru": "доля", "en": "share"},
    "design.balance.spend": {"ru": "траты, {currency}", "en": "spend, {currency}"},
    "design.balance.smd_spend": {"ru": "SMD трат", "en": "SMD spend"},
    "design.balance.orders": {"ru": "заказы", "en": "orders"},
    "design.balance.smd_orders": {"ru": "SMD заказов", "en": "SMD orders"},
    "design.balance.recency": {"ru": "дней с последней покупки", "en": "days since last purchase"},
    "design.balance.smd_recency": {"ru": "SMD давности", "en": "SMD recency"},
    "design.balance.repeat": {"ru": "повторные покупатели", "en": "repeat buyers"},
    "design.balance.caption": {
        "ru": "Средние до старта по группам (окно истории перед стартом). SMD — "
        "стандартизированная разность средних относительно контроля; выше {level} "
        "подсвечивается.",
        "en": "Pre-period means per arm (lookback window before the start). SMD = standardized "
        "mean difference against the control; above {level} it is highlighted.",
    },
    "design.balance.spend_p": {"ru": "траты: p = {p}", "en": "spend p = {p}"},
    "design.balance.repeat_p": {"ru": "доля повторных: p = {p}", "en": "repeat share p = {p}"},
    "design.balance.max_smd": {"ru": "наибольший |SMD| = {smd}", "en": "largest |SMD| = {smd}"},
    "design.balance.passed": {
        "ru": "A/A-проверка пройдена: до эксперимента группы похожи ({checks}).",
        "en": "A/A check passed: the arms look alike before the experiment ({checks}).",
    },
    "design.aa.failed": {
        "ru": "A/A-проверка не пройдена: {problems}. Случайно так бывает примерно в 1 запуске "
        "из 20; проверьте аудиторию и, если всё в порядке, возьмите новую соль или "
        "стратифицируйте по уровню трат.",
        "en": "A/A check failed: {problems}. By chance this happens in about 1 launch in 20; "
        "check the audience and, if nothing is wrong, draw a new salt or stratify by spend "
        "tier.",
    },
    "design.aa.spend": {
        "ru": "траты до старта различаются между группами (p = {p})",
        "en": "pre-period spend differs between arms (p = {p})",
    },
    "design.aa.repeat": {
        "ru": "доля повторных до старта различается между группами (p = {p})",
        "en": "pre-period repeat share differs between arms (p = {p})",
    },
    "design.aa.smd": {
        "ru": "стандартизированная разность средних равна {smd}",
        "en": "a standardized mean difference is {smd}",
    },
    # -- the arms table (pages/_design_common.arms_table) ------------------------------------------
    "design.table.arm": {"ru": "группа", "en": "arm"},
    "design.table.kind": {"ru": "тип", "en": "kind"},
    "design.table.share": {"ru": "доля аудитории", "en": "share of audience"},
    "design.table.discount": {"ru": "скидка, %", "en": "discount, %"},
    "design.table.redemption": {"ru": "использование", "en": "redemption"},
    "design.table.fixed_cost": {
        "ru": "фикс. затраты на клиента, {currency}",
        "en": "fixed cost / customer, {currency}",
    },
    "design.table.expected_cost": {
        "ru": "ожидаемые затраты на клиента, {currency}",
        "en": "expected cost / customer, {currency}",
    },
    "design.table.expected_cost.help": {
        "ru": "Фиксированные затраты плюс, для скидки, процент скидки × доля использования × "
        "средний чек.",
        "en": "Fixed cost plus, for a discount, percent off x redemption x average order.",
    },
    # -- confirmations (pages/_design_common.confirmed) --------------------------------------------
    "design.cancel": {"ru": "Отмена", "en": "Cancel"},
    "design.confirm.complete": {"ru": "Да, завершить", "en": "Yes, complete it"},
    "design.confirm.delete": {"ru": "Да, удалить", "en": "Yes, delete it"},
    # -- a running or completed experiment (pages/_design_frozen.py) -------------------------------
    "design.export.header": {
        "ru": "Выгрузить список распределения",
        "en": "Export the assignment list",
    },
    "design.export.none": {
        "ru": "У этого эксперимента пока нет распределения.",
        "en": "This experiment has no assignments yet.",
    },
    "design.export.caption": {
        "ru": "{customers}: {arms}. Столбцы: {columns}. Ячейки, которые таблица выполнила бы "
        "как формулу, начинаются с '.",
        "en": "{customers}: {arms}. Columns: {columns}. Cells that a spreadsheet would run as a "
        "formula are prefixed with '.",
    },
    "design.export.csv": {"ru": "CSV (UTF-8, запятая)", "en": "CSV (UTF-8, comma)"},
    "design.export.csv_excel": {
        "ru": "CSV для Excel (точка с запятой)",
        "en": "CSV for Excel (semicolon)",
    },
    "design.export.xlsx": {"ru": "XLSX (таблица Excel)", "en": "XLSX"},
    "design.export.head": {
        "ru": "Первые 10 строк, как в выгрузке.",
        "en": "The first 10 rows, as exported.",
    },
    "design.frozen.since": {"ru": "**{status}** с {started}", "en": "**{status}** since {started}"},
    "design.frozen.completed": {
        "ru": "**Завершён** {ended} (запущен {started})",
        "en": "**Completed** {ended} (started {started})",
    },
    "design.frozen.status.running": {"ru": "Идёт", "en": "Running"},
    "design.frozen.status.completed": {"ru": "Завершён", "en": "Completed"},
    "design.frozen.status.draft": {"ru": "Черновик", "en": "Draft"},
    "design.frozen.line": {
        "ru": "{line} · распределено и зафиксировано {customers} · {source}",
        "en": "{line} · {customers} assigned and frozen · {source}",
    },
    "design.frozen.uploaded": {
        "ru": "загружен файл распределения",
        "en": "uploaded assignment file",
    },
    "design.frozen.designed": {"ru": "спроектирован здесь", "en": "designed here"},
    "design.frozen.hypothesis": {"ru": "**Гипотеза.** {text}", "en": "**Hypothesis.** {text}"},
    "design.frozen.metrics": {
        "ru": "**Основная метрика:** {metric}, {horizon} · **дополнительные:** {secondary} · "
        "**ограничители:** {guardrails} · **распределение:** {stratify}",
        "en": "**Primary metric:** {metric}, {horizon} · **secondary:** {secondary} · "
        "**guardrails:** {guardrails} · **randomization:** {stratify}",
    },
    "design.frozen.days": {"ru": "{days} дн.", "en": "{days} days"},
    "design.none": {"ru": "нет", "en": "none"},
    "design.frozen.arms": {"ru": "Группы", "en": "Arms"},
    "design.frozen.edit_arms": {"ru": "Изменить группы", "en": "Edit arms"},
    "design.frozen.arms_locked": {
        "ru": "**Группы нельзя изменить.** {error}",
        "en": "**The arms cannot be changed.** {error}",
    },
    "design.frozen.balance": {
        "ru": "Баланс зафиксированного распределения",
        "en": "Balance of the frozen assignment",
    },
    "design.frozen.balance_failed": {
        "ru": "Баланс не удаётся посчитать: {error}",
        "en": "The balance cannot be computed: {error}",
    },
    "design.lifecycle": {"ru": "Жизненный цикл", "en": "Lifecycle"},
    "design.lifecycle.running": {
        "ru": "Завершите эксперимент, когда пройдёт горизонт; его дизайн и список останутся "
        "записью о том, что было запущено.",
        "en": "Complete the experiment when the horizon has passed; its design and list stay "
        "as the record of what was run.",
    },
    "design.lifecycle.complete": {"ru": "Завершить эксперимент", "en": "Complete experiment"},
    "design.lifecycle.complete_question": {
        "ru": "Завершить «{name}»? Он не сможет идти снова, а список останется записью.",
        "en": "Complete '{name}'? It cannot run again, and the list stays as the record.",
    },
    "design.lifecycle.completed": {"ru": "«{name}» завершён.", "en": "'{name}' is completed."},
    "design.lifecycle.done": {
        "ru": "Завершён: здесь больше нечего делать. Итог — на странице «Результаты».",
        "en": "Completed: nothing more to do here. Read the outcome on the Results page.",
    },
    "design.copy": {"ru": "Скопировать в новый черновик", "en": "Copy into a new draft"},
    "design.archive": {"ru": "В архив", "en": "Archive"},
    "design.unarchive": {"ru": "Вернуть из архива", "en": "Back from the archive"},
    "design.archive.help": {
        "ru": "Архивные эксперименты остаются доступны для чтения, но идут последними и никогда "
        "не открываются по умолчанию.",
        "en": "Archived experiments stay readable but come last and never open by default.",
    },
    "design.archived": {"ru": "«{name}» в архиве.", "en": "'{name}' is archived."},
    "design.unarchived": {
        "ru": "«{name}» возвращён из архива.",
        "en": "'{name}' is back from the archive.",
    },
    "design.delete": {"ru": "Удалить", "en": "Delete"},
    "design.delete_question": {
        "ru": "Удалить «{name}» навсегда вместе с распределением ({customers}) и всеми "
        "привязанными итогами? Транзакции останутся.",
        "en": "Delete '{name}' for good, with its {customers} assignments and any results "
        "attached to it? Transactions stay.",
    },
    "design.deleted": {"ru": "«{name}» удалён.", "en": "'{name}' deleted."},
    # -- the second tab: a list randomized elsewhere (pages/_design_register.py) -------------------
    "register.caption": {
        "ru": "Распределили в другом месте (в вашей CRM, в агентстве)? Загрузите список клиент "
        "→ группа, чтобы проанализировать его здесь: CSV (запятая, точка с запятой или "
        "табуляция; UTF-8 или Windows-1251), XLSX или Parquet. Нужны столбец с номером клиента "
        "и столбец группы; столбцы типа группы, промокода и затрат — по желанию (в списке, "
        "который выгружает эта страница, они есть). Группа с названием {control} — "
        "контрольная, если вы не назовёте другую.",
        "en": "Randomized elsewhere (your CRM, an agency)? Upload the customer -> arm list to "
        "analyse it here: CSV (comma, semicolon or tab; UTF-8 or Windows-1251), XLSX or "
        "Parquet. It needs a customer id column and an arm column; arm_kind, code and cost "
        "columns are optional (the list this page exports has them). The arm named "
        "{control} is the control unless you name another.",
    },
    "register.file": {
        "ru": "Файл распределения (CSV, XLSX или Parquet)",
        "en": "Assignment file (CSV, XLSX or Parquet)",
    },
    "register.name.placeholder": {
        "ru": "например, Тест подарка через CRM, май",
        "en": "e.g. CRM gift test, May",
    },
    "register.control": {"ru": "Контрольная группа (по желанию)", "en": "Control arm (optional)"},
    "register.control.placeholder": {
        "ru": "определится автоматически",
        "en": "detected automatically",
    },
    "register.sent": {"ru": "Дата отправки", "en": "Sent on"},
    "register.sent.help": {
        "ru": "День, когда клиенты получили механику (или были распределены): результаты "
        "считаются с этого дня. У списка, отправленного три недели назад, уже есть три недели "
        "результатов.",
        "en": "The day the customers got the lever (or were assigned): outcomes are counted "
        "from this day. A list sent three weeks ago has three weeks of results already.",
    },
    "register.create": {
        "ru": "Создать эксперимент из файла",
        "en": "Create experiment from the file",
    },
    "register.reading": {"ru": "Читаем список...", "en": "Reading the list..."},
    "register.cannot": {
        "ru": "**Этот список пока нельзя зарегистрировать.** {problems}",
        "en": "**This list cannot be registered yet.** {problems}",
    },
    "register.arms": {"ru": "Группы и затраты на каждую", "en": "Arms and what each cost"},
    "register.arms.caption": {
        "ru": "{customers} в группах: {groups}. Укажите, что получила каждая группа и сколько "
        "это стоило на клиента: итоги оцениваются за вычетом затрат.",
        "en": "{customers} in {groups} groups. Say what each group got and what it cost per "
        "customer: the results are judged after the cost.",
    },
    "register.arm_share": {
        "ru": "**{name}** · {share} списка",
        "en": "**{name}** · {share} of the list",
    },
    "register.kind": {"ru": "Тип", "en": "Kind"},
    "register.fixed": {
        "ru": "**{amount}** фикс. на клиента",
        "en": "**{amount}** fixed per customer",
    },
    "register.to_register": {
        "ru": "**Чтобы зарегистрировать список:** {problems}",
        "en": "**To register the list:** {problems}",
    },
    "register.no_name": {
        "ru": "Сначала дайте эксперименту название.",
        "en": "Give the experiment a name first.",
    },
    "register.failed": {
        "ru": "**Ничего не создано.** {error} Исправьте файл или название и повторите.",
        "en": "**Nothing was created.** {error} Fix the file or the name and retry.",
    },
    "register.created": {
        "ru": "«{name}» создан из {file} (№ {id}) и идёт.",
        "en": "'{name}' created from {file} (id {id}), running.",
    },
    "register.costs_locked": {
        "ru": "**Группы нельзя изменить.** {reason}",
        "en": "**The arms cannot be changed.** {reason}",
    },
    "register.costs_caption": {
        "ru": "Клиенты и их группы пришли из файла и останутся; что это за механика и сколько "
        "она стоила, задаёте вы, пока не привязаны итоги.",
        "en": "The customers and their groups came from the file and stay; what each lever is "
        "and what it cost is yours to set until results are attached.",
    },
    "register.save_costs": {"ru": "Сохранить типы и затраты", "en": "Save kinds and costs"},
    "register.costs_saved": {
        "ru": "Типы и затраты «{name}» сохранены.",
        "en": "Kinds and costs of '{name}' saved.",
    },
    # -- the domain's validation messages (experiments/design), as Text ----------------------------
    "design.problem.no_name": {
        "ru": "Эксперименту нужно название.",
        "en": "The experiment needs a name.",
    },
    "design.problem.two_arms": {
        "ru": "Эксперименту нужны контрольная группа и хотя бы одна группа с механикой.",
        "en": "An experiment needs a control and at least one treatment arm.",
    },
    "design.problem.no_control": {
        "ru": "Отметьте ровно одну группу как контрольную: без неё не с чем сравнивать.",
        "en": "Mark exactly one arm as the control: without it there is nothing to compare with.",
    },
    "design.problem.controls": {
        "ru": "Контрольной должна быть ровно одна группа; отмечено: {number}.",
        "en": "Exactly one arm must be the control; {number} are marked as control.",
    },
    "design.problem.duplicate_arms": {
        "ru": "Названия групп должны быть разными; повторяются: {names}.",
        "en": "Arm names must be unique; repeated: {names}.",
    },
    "design.problem.primary": {
        "ru": "Основная метрика — одна из: {names}.",
        "en": "Primary metric must be one of {names}.",
    },
    "design.problem.horizon": {
        "ru": "Горизонт — от 1 до 730 дней.",
        "en": "The horizon must be between 1 and 730 days.",
    },
    "design.problem.secondary": {
        "ru": "Неизвестные дополнительные метрики: {names}.",
        "en": "Unknown secondary metrics: {names}.",
    },
    "design.problem.guardrails": {
        "ru": "Неизвестные ограничители: {names}.",
        "en": "Unknown guardrails: {names}.",
    },
    "design.problem.confidence": {
        "ru": "Уверенность — одна из: {levels}.",
        "en": "Confidence must be one of {levels}.",
    },
    "design.problem.correction": {
        "ru": "Поправка — одна из: {names}.",
        "en": "Correction must be one of {names}.",
    },
    "design.problem.guardrail_margin": {
        "ru": "Допуск ограничителя — от 0 до 100 процентов.",
        "en": "The guardrail margin must be between 0 and 100 percent.",
    },
    "design.problem.stratify": {
        "ru": "Стратификация — одна из: {names}.",
        "en": "Stratification must be one of {names}.",
    },
    "design.problem.salt": {
        "ru": "Соль распределения не может быть пустой.",
        "en": "The randomization salt cannot be empty.",
    },
    "design.problem.lookback": {
        "ru": "Окно истории — не меньше одного дня.",
        "en": "The lookback window must be at least one day.",
    },
    "design.problem.range": {
        "ru": "{label}: минимум ({low}) больше максимума ({high}).",
        "en": "{label}: the minimum ({low}) is above the maximum ({high}).",
    },
    "design.problem.segments": {
        "ru": "Неизвестные RFM-сегменты: {names}.",
        "en": "Unknown RFM segments: {names}.",
    },
    "design.problem.scores": {
        "ru": "Оценки {letter} — квинтили от 1 до 5.",
        "en": "{letter} scores are quintiles 1..5.",
    },
    "design.problem.arm_named": {"ru": "Группа «{name}»", "en": "Arm '{name}'"},
    "design.problem.arm_unnamed": {"ru": "Группа", "en": "An arm"},
    "design.problem.arm_name": {
        "ru": "У каждой группы должно быть название.",
        "en": "Every arm needs a name.",
    },
    "design.problem.arm_kind": {
        "ru": "{arm}: тип — один из: {kinds}.",
        "en": "{arm}: kind must be one of {kinds}.",
    },
    "design.problem.arm_allocation": {
        "ru": "{arm}: вес распределения должен быть положительным числом.",
        "en": "{arm}: allocation weight must be a positive number.",
    },
    "design.problem.arm_discount": {
        "ru": "{arm}: скидка — от 0 до 100 процентов.",
        "en": "{arm}: discount must be between 0 and 100 percent.",
    },
    "design.problem.arm_redemption": {
        "ru": "{arm}: ожидаемая доля использования — от 0 до 1.",
        "en": "{arm}: expected redemption share must be between 0 and 1.",
    },
    "design.problem.arm_negative": {
        "ru": "{arm}: {field} не может быть отрицательной величиной.",
        "en": "{arm}: {field} cannot be negative.",
    },
    "design.problem.arm_too_large": {
        "ru": "{arm}: {field} {value} больше правдоподобных {limit} (`config.MAX_ABS_AMOUNT`): "
        "опечатка?",
        "en": "{arm}: {field} {value} is beyond the plausible {limit} (config.MAX_ABS_AMOUNT): "
        "a typo?",
    },
    # -- an assignment file read for registering (experiments/design/intake.py) -------------------
    "design.intake.columns": {
        "ru": "В файле распределения нужны столбец с номером клиента (`customer_id`) и столбец "
        "группы (`arm`); в нём есть: {columns}. Сопоставьте их в форме (или "
        "`--map COLUMN=customer_id --map COLUMN=arm`).",
        "en": "The assignment file needs a customer id column (customer_id) and an arm column "
        "(arm); it has: {columns}. Map them in the form (or with --map COLUMN=customer_id "
        "--map COLUMN=arm).",
    },
    "design.intake.no_columns": {"ru": "ни одного столбца", "en": "no columns"},
    "design.intake.missing": {
        "ru": "Строк без номера клиента или группы: {number} (строки {rows}).",
        "en": "{number} rows have no customer id or arm (rows {rows}).",
    },
    "design.intake.two_arms": {
        "ru": "Клиентов сразу в двух группах: {number} (например, {examples}); каждый клиент "
        "должен быть ровно в одной группе.",
        "en": "{number} customers are in two arms (e.g. {examples}); each customer must be in "
        "exactly one arm.",
    },
    "design.intake.kinds": {
        "ru": "У группы «{arm}» больше одного типа: {kinds}.",
        "en": "Arm '{arm}' has more than one kind: {kinds}.",
    },
    "design.intake.bad_kind": {
        "ru": "У группы «{arm}» тип «{kind}»; типы: {kinds}.",
        "en": "Arm '{arm}' has kind '{kind}'; kinds are {kinds}.",
    },
    "design.intake.not_number": {
        "ru": "Группа «{arm}»: `{field}` — не число (например, {example}).",
        "en": "Arm '{arm}': {field} is not a number (e.g. {example}).",
    },
    "design.intake.many_values": {
        "ru": "У группы «{arm}» несколько значений `{field}`: {values}.",
        "en": "Arm '{arm}' has more than one {field}: {values}.",
    },
    "design.intake.no_control": {
        "ru": "Контрольной группы «{arm}» нет в файле.",
        "en": "The control arm '{arm}' is not in the file.",
    },
    "design.intake.name_taken": {
        "ru": "Эксперимент «{name}» уже есть; выберите другое название.",
        "en": "An experiment named '{name}' already exists; choose another name.",
    },
    # -- lifecycle refusals (experiments/design/lifecycle.py) -------------------------------------
    "lifecycle.refused.running.edit": {
        "ru": "Эксперимент идёт: клиенты уже получили свои группы, и изменение групп сделало бы "
        "итоги нечитаемыми. Завершите его и спроектируйте новый эксперимент.",
        "en": "The experiment is running: its customers already got their arms, so changing the "
        "arms would make the results unreadable. Complete it and design a new experiment "
        "instead.",
    },
    "lifecycle.refused.completed.edit": {
        "ru": "Эксперимент завершён; его дизайн — запись о том, что было запущено. "
        "Спроектируйте новый эксперимент.",
        "en": "The experiment is completed; its design is the record of what was run. Design a "
        "new experiment instead.",
    },
    "lifecycle.refused.running.start": {
        "ru": "Эксперимент уже идёт.",
        "en": "The experiment is already running.",
    },
    "lifecycle.refused.completed.start": {
        "ru": "Эксперимент завершён; запустить его снова нельзя.",
        "en": "The experiment is completed; it cannot start again.",
    },
    "lifecycle.refused.draft.complete": {
        "ru": "Эксперимент ещё не запущен, завершать нечего.",
        "en": "The experiment has not started yet, so there is nothing to complete.",
    },
    "lifecycle.refused.completed.complete": {
        "ru": "Эксперимент уже завершён.",
        "en": "The experiment is already completed.",
    },
    "lifecycle.refused.other": {
        "ru": "Действие {action} недоступно для эксперимента в статусе {status}.",
        "en": "Cannot {action} an experiment in status {status}.",
    },
    "lifecycle.no_experiment": {
        "ru": "Эксперимента с номером {id} нет.",
        "en": "There is no experiment with id {id}.",
    },
    "lifecycle.costs.completed": {
        "ru": "Эксперимент завершён; его затраты — запись о том, что было запущено.",
        "en": "The experiment is completed; its costs are the record of what was run.",
    },
    "lifecycle.costs.results": {
        "ru": "К эксперименту привязаны итоги, так что его затраты — часть прочитанного. Чтобы "
        "изменить их, сначала удалите загрузку итогов.",
        "en": "Results are attached to this experiment, so its costs are part of what was read. "
        "Remove the result upload first to change them.",
    },
}
