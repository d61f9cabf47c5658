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
    "cli.report.horizon": {"ru": "горизонт {days}", "en": "{days}-day horizon"},
    "cli.analyze.header": {
        "ru": "{name}: горизонт {horizon}, данные по {last}",
        "en": "{name}: {horizon}-day horizon, data to {last}",
    },
    "cli.analyze.status": {"ru": "статус: {status}", "en": "status: {status}"},
    "cli.analyze.rule": {
        "ru": "Правило вердикта зафиксировано при дизайне: {rule}.",
        "en": "Verdict rule fixed at design: {rule}.",
    },
    "cli.analyze.exploratory": {
        "ru": "Исследовательский вид: {differences}. Вердикты следуют правилу (срок {days}).",
        "en": "Exploratory view: {differences}. The verdicts follow the rule "
        "(read at {days} days).",
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
