"""Catalogue texts for the CLV model on the pages: the Customers page's fit, the Results projection.

Keys: ``clv.fit.`` (the Customers page after the fit button: status, parameter table, caption,
tiles), ``clv.projection.`` (the Results page's 12-month projection per arm).

Same rules as experiments/i18n/messages.py: one entry per key, ``{"ru": ..., "en": ...}``, the
same placeholders in both languages; messages.py merges this dict and refuses a key defined twice.
"""

from __future__ import annotations

from experiments.i18n.entry import Entry

MESSAGES: dict[str, Entry] = {
    # -- Customers page: the store-wide fit ------------------------------------------------------
    "clv.fit.done": {"ru": "Модель обучена за {seconds} с", "en": "Model fitted in {seconds} s"},
    "clv.fit.unusable": {
        "ru": "**Модель CLV не удалось применить.** {message} Что делать: проверьте на странице "
        "«Данные», нет ли повторных или неполных загрузок, подождите, пока больше клиентов "
        "купят второй раз, а пока смотрите исторический CLV выше.",
        "en": "**The CLV model could not be used.** {message} What to do: check the Data page "
        "for duplicated or partial uploads, wait until more customers have bought twice, or "
        "read the historic CLV above meanwhile.",
    },
    "clv.fit.parameters": {"ru": "Параметры модели", "en": "Fitted parameters"},
    "clv.fit.col.model": {"ru": "модель", "en": "model"},
    "clv.fit.col.parameter": {"ru": "параметр", "en": "parameter"},
    "clv.fit.col.estimate": {"ru": "оценка", "en": "estimate"},
    "clv.fit.col.standard_error": {"ru": "стандартная ошибка", "en": "standard error"},
    "clv.fit.col.meaning": {"ru": "что означает", "en": "meaning"},
    "clv.fit.unit.days": {"ru": "день", "en": "day"},
    "clv.fit.unit.weeks": {"ru": "неделю", "en": "week"},
    "clv.fit.units.days": {"ru": "днях", "en": "days"},
    "clv.fit.units.weeks": {"ru": "неделях", "en": "weeks"},
    "clv.fit.meaning.r": {
        "ru": "насколько по-разному часто покупают клиенты",
        "en": "shape of purchase rates across customers",
    },
    "clv.fit.meaning.alpha": {
        "ru": "масштаб частоты покупок; r/alpha = дней с покупкой за {unit}",
        "en": "scale of purchase rates; r/alpha = purchase days per {unit}",
    },
    "clv.fit.meaning.a": {
        "ru": "уход: a/(a+b) = вероятность уйти после покупки",
        "en": "drop-out: a/(a+b) = chance of leaving after a purchase",
    },
    "clv.fit.meaning.b": {"ru": "уход, второй параметр формы", "en": "drop-out, second shape"},
    "clv.fit.meaning.dropout": {
        "ru": "уход: одна для всех вероятность уйти после покупки (предел BG/NBD при a, b -> "
        "бесконечность)",
        "en": "drop-out: one chance of leaving after a purchase for every customer (BG/NBD's "
        "limit as a, b -> infinity)",
    },
    "clv.fit.meaning.p": {
        "ru": "разброс суммы за день с покупкой",
        "en": "shape of spend per purchase day",
    },
    "clv.fit.meaning.q": {
        "ru": "насколько по-разному тратят клиенты в среднем",
        "en": "shape of average spend across customers",
    },
    "clv.fit.meaning.v": {
        "ru": "масштаб средней суммы покупки, {currency}",
        "en": "scale of average spend, {currency}",
    },
    "clv.fit.status.ok": {"ru": "модель обучена", "en": "ok"},
    "clv.fit.status.insufficient_data": {"ru": "мало данных", "en": "insufficient_data"},
    "clv.fit.status.not_converged": {"ru": "модель не сошлась", "en": "not_converged"},
    "clv.fit.caption": {
        "ru": {
            "one": (
                "BG/NBD — по {count} клиенту (из них {repeat} с повторной покупкой), Gamma-Gamma — "
                "по {gg_customers}; история до {until}, время в {units}; статус: {status}."
            ),
            "few": (
                "BG/NBD — по {count} клиентам (из них {repeat} с повторной покупкой), Gamma-Gamma "
                "— по {gg_customers}; история до {until}, время в {units}; статус: {status}."
            ),
            "many": (
                "BG/NBD — по {count} клиентам (из них {repeat} с повторной покупкой), Gamma-Gamma "
                "— по {gg_customers}; история до {until}, время в {units}; статус: {status}."
            ),
            "other": (
                "BG/NBD — по {count} клиента (из них {repeat} с повторной покупкой), Gamma-Gamma — "
                "по {gg_customers}; история до {until}, время в {units}; статус: {status}."
            ),
        },
        "en": {
            "one": (
                "BG/NBD on {count} customer ({repeat} with a repeat purchase), Gamma-Gamma on "
                "{gg_customers}; history up to {until}, time in {units}; status: {status}."
            ),
            "other": (
                "BG/NBD on {count} customers ({repeat} with a repeat purchase), Gamma-Gamma on "
                "{gg_customers}; history up to {until}, time in {units}; status: {status}."
            ),
        },
    },
    "clv.fit.correlation": {
        "ru": " Частота покупок и сумма связаны (корреляция {correlation}), а модель считает их "
        "независимыми: относитесь к CLV с осторожностью.",
        "en": " Spend and frequency correlate at {correlation}: the model assumes they do not, "
        "so read the CLV with care.",
    },
    "clv.fit.mean": {
        "ru": "Средний ожидаемый CLV за {months} мес.",
        "en": "Mean expected {months}-month CLV",
    },
    "clv.fit.median": {
        "ru": "Медианный ожидаемый CLV за {months} мес.",
        "en": "Median expected {months}-month CLV",
    },
    "clv.fit.purchase_days": {"ru": "Дней с покупкой впереди", "en": "Purchase days ahead"},
    "clv.fit.purchase_days.help": {
        "ru": "Сколько дней с покупкой ожидается у клиента за следующие {months} мес. (в среднем "
        "по клиентам).",
        "en": "Expected days with a purchase per customer over the next {months} months "
        "(mean over customers).",
    },
    "clv.fit.alive": {
        "ru": "Средняя вероятность, что клиент ещё с вами",
        "en": "Mean probability still active",
    },
    "clv.fit.predicted_caption": {
        "ru": "Сравните с историческим CLV выше: если ожидаемая ценность намного ниже, модель "
        "считает, что многие клиенты уже ушли. Это прогноз модели, а не полученные деньги.",
        "en": "Compare with the historic CLV above: expected value far below it means many "
        "customers the model thinks have already left. This is a model projection, not "
        "observed money.",
    },
    "clv.fit.alive_caption": {
        "ru": "Скопление около 0 % — клиенты, которые, скорее всего, ушли; около 100 % — ваша "
        "активная база. Те, кто посередине, — их программа лояльности ещё может вернуть.",
        "en": "A pile near 0% is customers who are probably gone; a pile near 100% is your "
        "active base. Those in between are the ones a loyalty lever can still win back.",
    },
    "clv.fit.predictions_csv": {
        "ru": "Прогноз по каждому клиенту (CSV)",
        "en": "Per-customer predictions (CSV)",
    },
    # -- Results page: the projection per arm -----------------------------------------------------
    "clv.projection.fitting": {
        "ru": "Обучаем модели BG/NBD и Gamma-Gamma по каждой группе...",
        "en": "Fitting BG/NBD + Gamma-Gamma per arm...",
    },
    "clv.projection.not_enough_data": {
        "ru": "Для прогноза пока мало данных.",
        "en": "Not enough data for a projection.",
    },
    "clv.projection.held_back": {
        "ru": "последние {days} дн.",
        "en": "last {days} days",
    },
    "clv.projection.col.arm": {"ru": "группа", "en": "arm"},
    "clv.projection.col.observed": {
        "ru": "фактическая маржа на клиента, {currency}",
        "en": "observed margin per customer, {currency}",
    },
    "clv.projection.col.projected": {
        "ru": "прогноз CLV на 12 месяцев, {currency}",
        "en": "projected 12-month CLV, {currency}",
    },
    "clv.projection.col.difference": {"ru": "разница с контролем", "en": "vs control"},
    "clv.projection.col.ci_low": {
        "ru": "нижняя граница, {confidence}",
        "en": "{confidence} CI low",
    },
    "clv.projection.col.ci_high": {
        "ru": "верхняя граница, {confidence}",
        "en": "{confidence} CI high",
    },
    "clv.projection.col.check_predicted": {
        "ru": "проверка, {held_back}: прогноз разницы с контролем",
        "en": "check, {held_back}: predicted vs control",
    },
    "clv.projection.col.check_actual": {
        "ru": "проверка, {held_back}: факт разницы с контролем",
        "en": "check, {held_back}: actual vs control",
    },
    "clv.projection.col.fit": {"ru": "качество модели", "en": "fit"},
    "clv.projection.status.ok": {"ru": "в порядке", "en": "ok"},
    "clv.projection.status.withheld": {"ru": "не показан", "en": "withheld"},
    "clv.projection.status.insufficient_data": {"ru": "мало данных", "en": "insufficient_data"},
    "clv.projection.status.not_converged": {"ru": "модель не сошлась", "en": "not_converged"},
    "clv.projection.bootstrap": {
        "ru": {
            "one": ("{basis} Бутстрэп: {count} повтор по клиентам. {check_rule}"),
            "few": ("{basis} Бутстрэп: {count} повтора по клиентам. {check_rule}"),
            "many": ("{basis} Бутстрэп: {count} повторов по клиентам. {check_rule}"),
            "other": ("{basis} Бутстрэп: {count} повтора по клиентам. {check_rule}"),
        },
        "en": {
            "one": ("{basis} Bootstrap: {count} replicate over customers. {check_rule}"),
            "other": ("{basis} Bootstrap: {count} replicates over customers. {check_rule}"),
        },
    },
    # -- the projection's own texts (experiments/clv/projection.py): basis, check, refusals -----
    "clv.basis.per_arm": {
        "ru": "Прогноз по модели: BG/NBD + Gamma-Gamma обучены по каждой группе на поведении "
        "после назначения; это не наблюдаемый результат.",
        "en": "Model-based projection: BG/NBD + Gamma-Gamma fitted per arm on post-assignment "
        "behaviour; not an observed result.",
    },
    "clv.basis.pooled": {
        "ru": "Прогноз по модели: BG/NBD + Gamma-Gamma обучены один раз на поведении всех групп "
        "после назначения; это не наблюдаемый результат.",
        "en": "Model-based projection: BG/NBD + Gamma-Gamma fitted once on all arms' "
        "post-assignment behaviour; not an observed result.",
    },
    "clv.basis.checked.per_arm": {
        "ru": "Прогноз по модели: BG/NBD + Gamma-Gamma обучены по каждой группе на поведении с "
        "{day}-го дня после назначения (после прямого действия механик) и проверены на последних "
        "{days} дн. наблюдения; это не наблюдаемый результат.",
        "en": "Model-based projection: BG/NBD + Gamma-Gamma fitted per arm on behaviour from day "
        "{day} after assignment (after the levers' direct window), checked against the last "
        "{days} days of the follow-up; not an observed result.",
    },
    "clv.basis.checked.pooled": {
        "ru": "Прогноз по модели: BG/NBD + Gamma-Gamma обучены один раз на всех группах по "
        "поведению с {day}-го дня после назначения (после прямого действия механик) и проверены "
        "на последних {days} дн. наблюдения; это не наблюдаемый результат.",
        "en": "Model-based projection: BG/NBD + Gamma-Gamma fitted once on all arms on behaviour "
        "from day {day} after assignment (after the levers' direct window), checked against the "
        "last {days} days of the follow-up; not an observed result.",
    },
    "clv.basis.constant_dropout": {
        "ru": "Уход: данные лучше всего описывает одна и та же для всех клиентов вероятность уйти "
        "после каждой покупки ({fits}) — предельный случай BG/NBD, в котором бета-распределение "
        "вероятностей ухода сжимается в точку; он и использован.",
        "en": "Drop-out: the data fit best with one chance of leaving after each purchase, the "
        "same for every customer ({fits}) - the limit of BG/NBD in which the Beta distribution "
        "of drop-out chances shrinks to a point; that model is used.",
    },
    "clv.basis.constant_dropout.all_arms": {"ru": "все группы", "en": "all arms"},
    "clv.holdout_rule": {
        "ru": "Модели обучаются (по умолчанию один раз на всех группах) на поведении после "
        "прямого действия механик (срок действия купона, не меньше {days} дн.), чтобы всплеск "
        "заказов, купленный самой механикой, не считался долгосрочной ценностью. Проверка: "
        "обученные без последней части периода наблюдения, модели предсказывают маржу каждой "
        "группы в этой части; прогноз механики показывается, только если предсказанная "
        "дополнительная маржа относительно контроля попадает в доверительный интервал "
        "фактической дополнительной маржи (Уэлч), иначе он скрыт. Показанный интервал — "
        "бутстрэп-интервал, расширенный (в квадратуре) на ошибку модели, которую проверка не "
        "может исключить, в день, перенесённую на месяцы прогноза.",
        "en": "The models are fitted (by default once on all arms) on behaviour after the "
        "levers' direct window (a coupon's validity, at least {days} days), so a burst of "
        "orders the lever bought directly is not read as lasting value. Check: fitted without "
        "the last part of the follow-up, the models predict each arm's margin there; a lever's "
        "projection is shown only when its predicted extra margin vs control lies inside the "
        "confidence interval of the actual extra margin (Welch), and withheld otherwise. A "
        "shown interval is the bootstrap interval widened (in quadrature) by the model error "
        "that check cannot rule out, per day, carried over the projected months.",
    },
    "clv.withheld.arm": {
        "ru": "Прогноз скрыт: {why}, поэтому период наблюдения не подтверждает прогноз на "
        "{months} мес.",
        "en": "Projection withheld: {why}, so the follow-up does not support a {months}-month "
        "projection.",
    },
    "clv.withheld.unidentified": {
        "ru": "без последних {days} дн. модели не определяются (мало наблюдений или клиентов), "
        "так что прогноз не удалось проверить",
        "en": "fitted without the last {days} days the models are not identified (too little "
        "follow-up or too few customers), so the projection could not be checked",
    },
    "clv.withheld.failed": {
        "ru": "обученная без последних {days} дн., модель предсказала там {predicted} "
        "дополнительной маржи на клиента относительно контроля; по данным {actual} "
        "({confidence} ДИ от {low} до {high})",
        "en": "fitted without the last {days} days, the model predicted {predicted} of extra "
        "margin per customer there vs control; the data show {actual} ({confidence} CI "
        "{low} to {high})",
    },
    "clv.withheld.failed_arms": {
        "ru": "Прогноз скрыт для {arms}: модель не прошла проверку на отложенной части наблюдения.",
        "en": "Projection withheld for {arms}: the model failed the check on the held-back "
        "follow-up.",
    },
    "clv.withheld.unchecked_arms": {
        "ru": "Прогноз скрыт для {arms}: его не удалось проверить на отложенной части "
        "наблюдения; загрузите больше данных.",
        "en": "Projection withheld for {arms}: it could not be checked on the held-back "
        "follow-up; load more data.",
    },
    "clv.arm.no_customers": {
        "ru": "нет клиентов, назначенных до даты среза",
        "en": "no customers assigned before the cutoff",
    },
    "clv.problem.no_control": {
        "ru": "В эксперименте нет контрольной группы для сравнения.",
        "en": "The experiment has no control arm to compare with.",
    },
    "clv.problem.control_unusable": {
        "ru": "Для контрольной группы модель CLV неприменима.",
        "en": "The control arm has no usable CLV fit.",
    },
    "clv.problem.no_treatment": {
        "ru": "Ни для одной группы с механикой модель CLV неприменима.",
        "en": "No treatment arm has a usable CLV fit.",
    },
    "clv.problem.dropped_replicates": {
        "ru": {
            "one": (
                "{failed} из {count} бутстрэп-повтора отброшены, потому что модель не сошлась; "
                "интервалы посчитаны по остальным."
            ),
            "few": (
                "{failed} из {count} бутстрэп-повторов отброшены, потому что модель не сошлась; "
                "интервалы посчитаны по остальным."
            ),
            "many": (
                "{failed} из {count} бутстрэп-повторов отброшены, потому что модель не сошлась; "
                "интервалы посчитаны по остальным."
            ),
            "other": (
                "{failed} из {count} бутстрэп-повтора отброшены, потому что модель не сошлась; "
                "интервалы посчитаны по остальным."
            ),
        },
        "en": {
            "one": (
                "{failed} of {count} bootstrap replicate were dropped because a refit did not "
                "converge; the intervals use the rest."
            ),
            "other": (
                "{failed} of {count} bootstrap replicates were dropped because a refit did not "
                "converge; the intervals use the rest."
            ),
        },
    },
    "clv.problem.short_followup": {
        "ru": "Период наблюдения после прямого действия механик (с {day}-го дня после последнего "
        "назначения) — {days} дн.; для обучения и проверки прогноза нужно не меньше {needed}. "
        "Загрузите более свежие транзакции.",
        "en": "The follow-up after the levers' direct window (day {day} after the last "
        "assignment) is {days} days; fitting and checking a projection needs at least "
        "{needed}. Load newer transactions.",
    },
    # -- the model's own data checks (experiments/clv/bgnbd.py, gamma_gamma.py) ---------------
    "clv.data.bgnbd_too_few": {
        "ru": {
            "one": (
                "всего {count} клиент; BG/NBD нужно не меньше {minimum} (а на практике — сотни). "
                "Загрузите больше транзакций."
            ),
            "few": (
                "всего {count} клиента; BG/NBD нужно не меньше {minimum} (а на практике — сотни). "
                "Загрузите больше транзакций."
            ),
            "many": (
                "всего {count} клиентов; BG/NBD нужно не меньше {minimum} (а на практике — сотни). "
                "Загрузите больше транзакций."
            ),
            "other": (
                "всего {count} клиента; BG/NBD нужно не меньше {minimum} (а на практике — сотни). "
                "Загрузите больше транзакций."
            ),
        },
        "en": {
            "one": (
                "only {count} customer; BG/NBD needs at least {minimum} (and in practice "
                "hundreds). Load more transactions."
            ),
            "other": (
                "only {count} customers; BG/NBD needs at least {minimum} (and in practice "
                "hundreds). Load more transactions."
            ),
        },
    },
    "clv.data.not_finite": {
        "ru": "в сводке есть пропущенные или бесконечные значения; пересоберите её из базы.",
        "en": "the summary has missing or infinite values; rebuild it from the store.",
    },
    "clv.data.inconsistent": {
        "ru": "сводка противоречива (нужны целое x >= 0 и 0 <= давность <= T).",
        "en": "the summary is inconsistent (need integer x >= 0 and 0 <= recency <= T).",
    },
    "clv.data.no_repeat": {
        "ru": "ни один клиент не купил повторно до даты среза, поэтому частоту покупок и отток "
        "не оценить. Возьмите более позднюю дату среза (--until) или более длинную историю.",
        "en": "no customer made a repeat purchase before the cutoff, so nothing identifies the "
        "purchase and drop-out rates. Use a later cutoff (--until) or more history.",
    },
    "clv.data.first_seen_on_cutoff": {
        "ru": "все клиенты впервые появились в день среза; возьмите более позднюю дату среза.",
        "en": "every customer was first seen on the cutoff day; use a later cutoff.",
    },
    "clv.data.gamma_gamma_too_few": {
        "ru": {
            "one": (
                "всего {count} клиент с повторной покупкой и положительными тратами; Gamma-Gamma "
                "нужно не меньше {minimum}. Возьмите более позднюю дату среза или более длинную "
                "историю."
            ),
            "few": (
                "всего {count} клиента с повторной покупкой и положительными тратами; Gamma-Gamma "
                "нужно не меньше {minimum}. Возьмите более позднюю дату среза или более длинную "
                "историю."
            ),
            "many": (
                "всего {count} клиентов с повторной покупкой и положительными тратами; Gamma-Gamma "
                "нужно не меньше {minimum}. Возьмите более позднюю дату среза или более длинную "
                "историю."
            ),
            "other": (
                "всего {count} клиента с повторной покупкой и положительными тратами; Gamma-Gamma "
                "нужно не меньше {minimum}. Возьмите более позднюю дату среза или более длинную "
                "историю."
            ),
        },
        "en": {
            "one": (
                "only {count} repeat customer with a positive spend; Gamma-Gamma needs at least "
                "{minimum}. Use a later cutoff or more history."
            ),
            "other": (
                "only {count} repeat customers with a positive spend; Gamma-Gamma needs at least "
                "{minimum}. Use a later cutoff or more history."
            ),
        },
    },
    "clv.fit.flat": {
        "ru": "функция правдоподобия {model} почти плоская у оптимума ({flat}): данные не "
        "определяют параметры, для CLV они непригодны. Возьмите более длинную историю, другую "
        "дату среза или больше клиентов.",
        "en": "the {model} likelihood is flat around the optimum ({flat}): the data do not "
        "identify the parameters, so they are not usable for CLV. Try a longer history, a "
        "different cutoff or more customers.",
    },
    "clv.fit.flat.every_direction": {"ru": "по всем направлениям", "en": "every direction"},
    "clv.fit.at_bound": {
        "ru": "функция правдоподобия {model} продолжает расти при {drifting}: данные не "
        "определяют модель ({hint}). Показаны параметры там, где остановился поиск; для CLV "
        "их не используйте. Возьмите более длинную историю или другую дату среза.",
        "en": "the {model} likelihood keeps improving as {drifting}: the data do not identify "
        "the model ({hint}). The parameters shown are where the search stopped; do not use "
        "them for CLV. Try a longer history or a different cutoff.",
    },
    "clv.fit.hint.no_dropout": {
        "ru": "например, похоже, ни один клиент не ушёл",
        "en": "e.g. no customer seems to have dropped out",
    },
    "clv.fit.hint.same_spend": {
        "ru": "например, все клиенты тратят примерно одинаково",
        "en": "e.g. every customer spends about the same",
    },
    "clv.fit.not_converged": {
        "ru": {
            "one": (
                "обучение {model} не сошлось за {count} итерацию (наибольший градиент {gradient}). "
                "Показаны параметры последней итерации; проверьте данные на выбросы или возьмите "
                "другую дату среза."
            ),
            "few": (
                "обучение {model} не сошлось за {count} итерации (наибольший градиент {gradient}). "
                "Показаны параметры последней итерации; проверьте данные на выбросы или возьмите "
                "другую дату среза."
            ),
            "many": (
                "обучение {model} не сошлось за {count} итераций (наибольший градиент {gradient}). "
                "Показаны параметры последней итерации; проверьте данные на выбросы или возьмите "
                "другую дату среза."
            ),
            "other": (
                "обучение {model} не сошлось за {count} итерации (наибольший градиент {gradient}). "
                "Показаны параметры последней итерации; проверьте данные на выбросы или возьмите "
                "другую дату среза."
            ),
        },
        "en": {
            "one": (
                "the {model} fit did not converge after {count} iteration (largest gradient "
                "{gradient}). The parameters shown are the last iterate; check the data for "
                "outliers or try another cutoff."
            ),
            "other": (
                "the {model} fit did not converge after {count} iterations (largest gradient "
                "{gradient}). The parameters shown are the last iterate; check the data for "
                "outliers or try another cutoff."
            ),
        },
    },
    "clv.fit.model_message": {"ru": "модель {model}: {message}", "en": "{model}: {message}"},
    "text.joined": {"ru": "{parts}", "en": "{parts}"},  # messages joined (text.joined)
}
