"""Catalogue texts for charts, tables, exports and the domain's captions.

Keys: ``chart.`` (experiments/charts: titles, axes, legends, hovers, annotations), ``segment.``
(the named RFM segments), ``report.col.`` (table headers on pages and in exports, beside those
messages.py has), ``sheet.`` (XLSX sheet names).

A chart's hover texts take plotly placeholders as values (``count="%{y:,.0f}"``): the catalogue
holds the words, plotly fills in the numbers with the chart's ``separators``. A plural message
needs a real number, so a hover whose number plotly inserts is worded without a plural
("клиентов: 1 234").

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry


def _days(ru_one: str, ru_few: str, ru_many: str, en_one: str, en_other: str) -> Entry:
    """A message with a number of days in it, by CLDR plural category (ru 'other': fractions)."""
    return {
        "ru": {"one": ru_one, "few": ru_few, "many": ru_many, "other": ru_few},
        "en": {"one": en_one, "other": en_other},
    }


MESSAGES: dict[str, Entry] = {
    # -- shared chart words -----------------------------------------------------------------------
    "chart.customers": {"ru": "Клиенты", "en": "Customers"},
    "chart.hover.customers": {"ru": "клиентов: {count}", "en": "{count} customers"},
    "chart.bin.open": {"ru": "{low}{unit} и больше", "en": "{low}{unit} and more"},
    "chart.bin.range": {"ru": "от {low} до {high}{unit}", "en": "{low} to {high}{unit}"},
    "chart.share_percent": {"ru": "Доля, %", "en": "Share, %"},
    "chart.median": {"ru": "медиана {value}", "en": "median {value}"},
    "chart.no_purchases": {"ru": "Покупок пока нет", "en": "No purchases yet"},
    "chart.no_model": {"ru": "Модель не обучена", "en": "No fitted model"},
    "chart.not_enough_data": {"ru": "пока мало данных", "en": "not enough data yet"},
    "chart.days_since_assignment": {
        "ru": "дней с момента назначения",
        "en": "days since assignment",
    },
    "chart.vs_control": {
        "ru": "разница с контролем, {unit}",
        "en": "difference vs control, {unit}",
    },
    "chart.unit.orders": {"ru": "заказов", "en": "orders"},
    "chart.band_name": {"ru": "{arm}: интервал", "en": "{arm} CI"},
    "chart.break_even": {"ru": "безубыточность", "en": "break-even"},
    "chart.horizon": _days(
        "горизонт: {count} день",
        "горизонт: {count} дня",
        "горизонт: {count} дней",
        "horizon: {count} day",
        "horizon: {count} days",
    ),
    # -- Customers page (experiments/charts/customers.py) -----------------------------------------
    "chart.rfm.title": {
        "ru": "Клиенты и выручка по RFM-сегментам",
        "en": "Customers and revenue by RFM segment",
    },
    "chart.rfm.empty": {
        "ru": "Пока нет клиентов с покупками",
        "en": "No customers with a purchase yet",
    },
    "chart.rfm.customer_share": {"ru": "Доля клиентов", "en": "Share of customers"},
    "chart.rfm.revenue_share": _days(
        "Доля выручки за последний {count} день",
        "Доля выручки за последние {count} дня",
        "Доля выручки за последние {count} дней",
        "Share of revenue in the last {count} day",
        "Share of revenue in the last {count} days",
    ),
    "chart.rfm.hover_customers": {
        "ru": "{share} клиентов ({count})",
        "en": "{share} of customers ({count})",
    },
    "chart.rfm.hover_revenue": {
        "ru": "{share} выручки ({amount})",
        "en": "{share} of revenue ({amount})",
    },
    "chart.rfm.x": {"ru": "RFM-сегмент", "en": "RFM segment"},
    "segment.champions": {"ru": "чемпионы", "en": "champions"},
    "segment.loyal": {"ru": "лояльные", "en": "loyal"},
    "segment.potential_loyalists": {"ru": "будущие лояльные", "en": "potential loyalists"},
    "segment.new": {"ru": "новые", "en": "new"},
    "segment.at_risk": {"ru": "под угрозой ухода", "en": "at risk"},
    "segment.cant_lose": {"ru": "нельзя потерять", "en": "can't lose"},
    "segment.hibernating": {"ru": "спящие", "en": "hibernating"},
    "segment.lost": {"ru": "потерянные", "en": "lost"},
    "segment_meaning.champions": {
        "ru": "покупали недавно, часто и много",
        "en": "bought recently, often and a lot",
    },
    "segment_meaning.loyal": {
        "ru": "покупают регулярно и сравнительно недавно",
        "en": "regular buyers, reasonably recent",
    },
    "segment_meaning.potential_loyalists": {
        "ru": "купили недавно, но пока нечасто",
        "en": "recent buyers who do not buy often yet",
    },
    "segment_meaning.new": {
        "ru": {
            "one": ("первая покупка за последний {count} день"),
            "few": ("первая покупка за последние {count} дня"),
            "many": ("первая покупка за последние {count} дней"),
            "other": ("первая покупка за последние {count} дня"),
        },
        "en": {
            "one": ("first purchase in the last {count} day"),
            "other": ("first purchase in the last {count} days"),
        },
    },
    "segment_meaning.at_risk": {
        "ru": "раньше покупали часто, давно не появлялись",
        "en": "used to buy often, not seen for a while",
    },
    "segment_meaning.cant_lose": {
        "ru": "были среди лучших, отдаляются",
        "en": "were among the best, drifting away",
    },
    "segment_meaning.hibernating": {
        "ru": "давно молчат, покупок мало",
        "en": "long quiet, few purchases",
    },
    "segment_meaning.lost": {"ru": "дольше всех не покупали", "en": "the longest gone"},
    "column_help.repeat_rate": {
        "ru": "Доля клиентов, покупавших в два разных дня и больше.",
        "en": "Share who bought on two or more different days.",
    },
    "chart.cohort.title": {
        "ru": "Удержание когорт: доля каждого месяца первой покупки, купившая снова",
        "en": "Cohort retention: share of each first-purchase month buying again",
    },
    "chart.cohort.hover_detail": {
        "ru": {
            "one": "{active} из {count} клиента",
            "few": "{active} из {count} клиентов",
            "many": "{active} из {count} клиентов",
            "other": "{active} из {count} клиента",
        },
        "en": {"one": "{active} of {count} customer", "other": "{active} of {count} customers"},
    },
    "chart.cohort.running": {"ru": " (месяц ещё идёт)", "en": " (month still running)"},
    "chart.cohort.colorbar": {"ru": "Удержание, %", "en": "Retention, %"},
    "chart.cohort.hover": {
        "ru": "когорта {cohort}, месяц {month}<br>{share}: {detail}",
        "en": "cohort {cohort}, month {month}<br>{share}: {detail}",
    },
    "chart.cohort.x": {"ru": "Месяцев с первой покупки", "en": "Months since first purchase"},
    "chart.cohort.y": {"ru": "Месяц первой покупки", "en": "First-purchase month"},
    "chart.repeat_curve.title": {
        "ru": "Кривая повторных покупок: доля со второй покупкой",
        "en": "Repeat-purchase curve: share with a second purchase",
    },
    "chart.repeat_curve.name": {"ru": "Доля со 2-й покупкой", "en": "Share with a 2nd purchase"},
    "chart.repeat_curve.hover": {
        "ru": "день {day}: {share}<br>ещё ждём клиентов: {waiting}",
        "en": "day {day}: {share}<br>{waiting} customers still waiting",
    },
    "chart.repeat_curve.by_day": {"ru": "{share} к {day}-му дню", "en": "{share} by day {day}"},
    "chart.repeat_curve.x": {"ru": "Дней с первой покупки", "en": "Days since first purchase"},
    "chart.repeat_curve.y": {
        "ru": "Клиенты со 2-й покупкой, %",
        "en": "Customers with a 2nd purchase, %",
    },
    "chart.historic_clv.title": {
        "ru": "Исторический CLV: маржа за первые {months} мес. каждого клиента",
        "en": "Historic CLV: margin in each customer's first {months} months",
    },
    "chart.historic_clv.empty": {
        "ru": "Пока ни у одного клиента нет {months} мес. истории",
        "en": "No customer has {months} months of history yet",
    },
    "chart.historic_clv.x": {
        "ru": "Маржа за первые {months} мес., {currency}",
        "en": "Margin in the first {months} months, {currency}",
    },
    "chart.predicted_clv.title": {
        "ru": "Ожидаемый CLV на следующие {months} мес. (BG/NBD + Gamma-Gamma)",
        "en": "Expected CLV over the next {months} months (BG/NBD + Gamma-Gamma)",
    },
    "chart.predicted_clv.x": {
        "ru": "Ожидаемая дисконтированная маржа за {months} мес., {currency}",
        "en": "Expected discounted margin, next {months} months, {currency}",
    },
    "chart.alive.title": {
        "ru": "Вероятность, что клиент ещё активен (BG/NBD)",
        "en": "Probability each customer is still active (BG/NBD)",
    },
    "chart.alive.x": {"ru": "Вероятность, что ещё активен, %", "en": "Probability still active, %"},
    # -- Data page (experiments/charts/data.py) ---------------------------------------------------
    "chart.monthly.title": {
        "ru": "Выручка и заказы по месяцам",
        "en": "Revenue and orders per month",
    },
    "chart.monthly.revenue": {"ru": "Выручка, {currency}", "en": "Revenue, {currency}"},
    "chart.monthly.orders": {"ru": "Заказы", "en": "Orders"},
    "chart.monthly.hover_orders": {"ru": "заказов: {count}", "en": "{count} orders"},
    "chart.monthly.x": {"ru": "Месяц", "en": "Month"},
    # -- Design page (experiments/charts/design.py) -----------------------------------------------
    "chart.audience.title": _days(
        "Траты выбранной аудитории за последний {count} день",
        "Траты выбранной аудитории за последние {count} дня",
        "Траты выбранной аудитории за последние {count} дней",
        "Spend in the last {count} day of the chosen audience",
        "Spend in the last {count} days of the chosen audience",
    ),
    "chart.audience.empty": {
        "ru": "Ни один клиент не подходит под фильтры",
        "en": "No customer matches the filters",
    },
    "chart.audience.x": {
        "ru": {
            "one": "Траты за последний {count} день, {currency}",
            "few": "Траты за последние {count} дня, {currency}",
            "many": "Траты за последние {count} дней, {currency}",
            "other": "Траты за последние {count} дня, {currency}",
        },
        "en": {
            "one": "Spend in the last {count} day, {currency}",
            "other": "Spend in the last {count} days, {currency}",
        },
    },
    "chart.power.title": {
        "ru": "Шанс заметить {lift} в доле повторных покупок",
        "en": "Chance to detect {lift} on the repeat rate",
    },
    "chart.power.empty": {
        "ru": "Кривой мощности нет: базовая доля или прирост вырождены",
        "en": "No power curve: the baseline rate or the lift is degenerate",
    },
    "chart.power.name": {"ru": "Мощность", "en": "Power"},
    "chart.power.hover": {
        "ru": "клиентов в группе: {n}<br>мощность {power}",
        "en": "{n} customers per arm<br>power {power}",
    },
    "chart.power.target": {"ru": "цель {power}", "en": "target {power}"},
    "chart.power.audience": {
        "ru": "ваша аудитория: {n} на группу",
        "en": "your audience: {n} per arm",
    },
    "chart.power.x": {"ru": "Клиентов в опытной группе", "en": "Customers per treatment arm"},
    "chart.power.y": {"ru": "Мощность, %", "en": "Power, %"},
    # -- Results page and report (experiments/charts/results.py) ----------------------------------
    "chart.forest.title": {
        "ru": "Эффект каждой механики относительно контроля ({level} доверительные интервалы)",
        "en": "Effect of each lever vs control ({level} confidence intervals)",
    },
    "chart.forest.empty": {"ru": "пока нет оцениваемого эффекта", "en": "no estimable effect yet"},
    "chart.forest.hover": {
        "ru": "{diff} ({level} ДИ от {low} до {high})",
        "en": "{diff} ({level} CI {low} to {high})",
    },
    "chart.forest.adjusted": {
        "ru": "{metrics}: с поправкой на {what} (CUPED)",
        "en": "{metrics}: adjusted for {what} (CUPED)",
    },
    "chart.forest.adjusted_default": {
        "ru": "траты, заказы, давность, стаж и RFM-сегмент до эксперимента",
        "en": "pre-period spend, orders, recency, tenure and RFM segment",
    },
    "chart.forest.adjusted_field": {
        "ru": "поле предпериода «{field}»",
        "en": "the pre-period field {field}",
    },
    "chart.method.z": {"ru": "z-тест", "en": "z-test"},
    "chart.method.welch": {"ru": "t-тест Уэлча", "en": "Welch t-test"},
    "chart.repeat.title": {
        "ru": "Клиенты, купившие снова, по дням с момента назначения",
        "en": "Customers who purchased again, by days since assignment",
    },
    "chart.repeat.y": {"ru": "доля с повторной покупкой", "en": "share with a repeat purchase"},
    "chart.repeat.subtitle": {
        "ru": "Каплан-Мейер с поточечными интервалами {level}",
        "en": "Kaplan-Meier with {level} pointwise bands",
    },
    "chart.repeat.logrank": {
        "ru": "; лог-ранговый тест различия групп: {p}",
        "en": "; log-rank test that the arms differ: {p}",
    },
    "chart.decay.empty_title": {"ru": "Угасает ли эффект?", "en": "Does the effect fade?"},
    "chart.decay.title": {
        "ru": "Угасает ли эффект? Дополнительный вклад на клиента в каждом {days}-дневном "
        "периоде относительно контроля",
        "en": "Does the effect fade? Extra contribution per customer in each {days}-day "
        "period vs control",
    },
    "chart.decay.x": {
        "ru": "дней с момента назначения (начало периода)",
        "en": "days since assignment (start of period)",
    },
    "chart.decay.y": {
        "ru": "дополнительный вклад на клиента, {currency}",
        "en": "extra contribution per customer, {currency}",
    },
    "chart.payback.empty_title": {
        "ru": "Когда механика окупается?",
        "en": "When does the lever pay for itself?",
    },
    "chart.payback.title": {
        "ru": "Когда механика окупается? Накопленный дополнительный чистый доход на клиента "
        "относительно контроля, за вычетом её затрат",
        "en": "When does the lever pay for itself? Cumulative extra net value per customer "
        "vs control, after its cost",
    },
    "chart.payback.y": {
        "ru": "накопленный доп. чистый доход на клиента, {currency}",
        "en": "cumulative extra net value per customer, {currency}",
    },
    "chart.payback.paid_back": {
        "ru": "{arm}: уверенно окупилась к {day}-му дню",
        "en": "{arm}: paid back with confidence by day {day}",
    },
    "chart.segment_kind.pre_period": {
        "ru": "покупали до назначения",
        "en": "bought before assignment",
    },
    "chart.segment_kind.stratum": {"ru": "страта", "en": "stratum"},
    "chart.segment_kind.attribute": {"ru": "атрибут", "en": "attribute"},
    "chart.segments.empty_title": {"ru": "Эффект по сегментам", "en": "Effect by segment"},
    "chart.segments.empty": {
        "ru": "нет сегментов с достаточным числом клиентов",
        "en": "no segments with enough customers",
    },
    "chart.segments.title": {
        "ru": "Эффект на «{metric}» по сегментам (с поправкой на число сегментов)",
        "en": "Effect on {metric} by segment (corrected across segments)",
    },
    "chart.distribution.title": _days(
        "Чистый доход на клиента за {count} день, по группам",
        "Чистый доход на клиента за {count} дня, по группам",
        "Чистый доход на клиента за {count} дней, по группам",
        "Net value per customer over {count} day, by arm",
        "Net value per customer over {count} days, by arm",
    ),
    "chart.distribution.empty": {
        "ru": "пока нет клиентов, наблюдаемых весь горизонт",
        "en": "no customers observed for the whole horizon yet",
    },
    "chart.distribution.hover": {
        "ru": "{value}: {share} клиентов",
        "en": "{value}: {share} of customers",
    },
    "chart.distribution.cap": {
        "ru": {
            "one": "порог: {count} клиент выше, учтён как {value}",
            "few": "порог: {count} клиента выше, учтены как {value}",
            "many": "порог: {count} клиентов выше, учтены как {value}",
            "other": "порог: {count} клиента выше, учтены как {value}",
        },
        "en": {
            "one": "cap: {count} customer above, counted at {value}",
            "other": "cap: {count} customers above, counted at {value}",
        },
    },
    "chart.distribution.lower_cap": {
        "ru": {
            "one": "нижний порог: {count} клиент ниже",
            "few": "нижний порог: {count} клиента ниже",
            "many": "нижний порог: {count} клиентов ниже",
            "other": "нижний порог: {count} клиента ниже",
        },
        "en": {
            "one": "lower cap: {count} customer below",
            "other": "lower cap: {count} customers below",
        },
    },
    "chart.distribution.x": {
        "ru": "чистый доход на клиента (маржа минус затраты), {currency}",
        "en": "net value per customer (margin minus cost), {currency}",
    },
    "chart.distribution.y": {
        "ru": "доля клиентов группы (логарифмическая шкала)",
        "en": "share of the arm's customers (log scale)",
    },
    # -- table headers the report's report.col.* lacked (export.column_label) ------------------
    "report.col.arm_id": {"ru": "Номер группы", "en": "arm_id"},
    "report.col.n": {"ru": "Клиентов", "en": "n"},
    "report.col.n_observed": {"ru": "Наблюдается весь срок", "en": "n_observed"},
    "report.col.planned_allocation": {"ru": "Плановая доля", "en": "planned_allocation"},
    "report.col.cost_per_customer": {"ru": "Затраты на клиента", "en": "cost_per_customer"},
    "report.col.segment": {"ru": "Сегмент", "en": "Segment"},
    "report.col.meaning": {"ru": "Кто они", "en": "Who they are"},
    "report.col.customer_share": {"ru": "Доля клиентов", "en": "Share of customers"},
    "report.col.revenue_share": {"ru": "Доля выручки", "en": "Share of revenue"},
    "report.col.repeat_rate": {"ru": "Доля повторных покупок", "en": "Repeat rate"},
    "sheet.effects": {"ru": "эффекты", "en": "effects"},
    "sheet.arms": {"ru": "группы", "en": "arms"},
    "report.col.revenue_window": _days(
        "выручка за последний {count} день, {currency}",
        "выручка за последние {count} дня, {currency}",
        "выручка за последние {count} дней, {currency}",
        "Revenue, last {count} day, {currency}",
        "Revenue, last {count} days, {currency}",
    ),
}
