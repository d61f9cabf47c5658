"""The decisions and the HTML report in Russian and English (#12): no English left in the
Russian report, the English one as before, the formatter's numbers, the CLI's --lang, --currency
and --base-url."""

from __future__ import annotations

import datetime as dt
import html
import html.parser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from experiments import decision, demo, metrics, report, stats
from experiments.i18n import Formatter, t
from experiments.store import Store

# Latin words that stay as they are in a Russian report: method and model names, units and
# codes, the product's name, the citation of the confidence sequences, and the settings a
# person types to configure the base URL. Arm and experiment names are added per report.
ALLOWED_LATIN = {
    "CUPED", "BG", "NBD", "Gamma", "CLV", "SMD", "SRM", "RFM", "HC2", "Welch", "UTC", "RUB",
    "Loyalty", "Lab", "p", "t", "z", "Waudby", "Smith", "et", "al", "Annals", "of",
    "Statistics", "base_url", "share", "streamlit", "secrets", "toml", "LOYALTY_LAB_BASE_URL",
    "base", "url",
}  # fmt: skip


class _Text(html.parser.HTMLParser):
    """The text a person reads: every text node outside <script> and <style>, outside an
    element marked lang='en' (a data warning's English details, folded) and outside a link
    (its text is its address)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "br", "link", "img", "input"):
            return
        attributes = dict(attrs)
        hidden = (
            tag in ("script", "style")
            or (tag != "html" and attributes.get("lang") == "en")
            or (tag == "a" and str(attributes.get("href", "")).startswith("http"))
        )  # an address is not UI text
        self.stack.append((tag, hidden or any(h for _, h in self.stack)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.nodes.append(data.strip())


def text_nodes(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.nodes


def english_words(page: str, names: set[str]) -> list[tuple[str, str]]:
    """(word, the text it is in) for every Latin word that is neither allowed nor a name."""
    allowed = ALLOWED_LATIN | {w for n in names for w in re.findall(r"[A-Za-z][A-Za-z0-9_]*", n)}
    return [
        (word, node)
        for node in text_nodes(page)
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", node)
        if word not in allowed
    ]


def _names(analysis) -> set[str]:
    return {analysis.experiment.name, *(a.arm for a in analysis.arms)}


def test_russian_report_has_no_english_ui_text(analysis):
    page = report.html_report(analysis, lang="ru", link="https://lab.example.ru/?experiment=1")
    assert english_words(page, _names(analysis)) == []
    assert "<html lang='ru'>" in page
    for heading in ("report.decisions", "report.lever_title", "report.method_notes"):
        assert f"<h2>{html.escape(t(heading, 'ru'))}</h2>" in page
    assert f"<h2>{t('report.glossary', 'ru')}</h2>" in page
    for term, text in report.glossary("ru"):
        assert html.escape(term) in page and html.escape(text) in page


def test_russian_report_of_an_interim_look_and_an_exploratory_view_has_no_english(analysis):
    """The keep-running sentences and the exploratory view's differences are Russian too."""
    import dataclasses

    planned = analysis.horizon_days * 2
    running = dataclasses.replace(
        analysis,
        experiment=dataclasses.replace(analysis.experiment, status="running", horizon_days=planned),
    )
    view = dataclasses.replace(
        running, settings=dataclasses.replace(running.settings, confidence=0.9, cap=True)
    )
    page = report.html_report(view, official=running, lang="ru")
    assert english_words(page, _names(analysis)) == []
    assert "уровень доверия 90\u00a0%" in page
    assert any(d.verdict == "keep_running" for d in decision.decide(running, lang="ru"))
    assert html.escape(t("verdict.keep_running", "ru")) in page


def test_english_report_is_the_default_and_keeps_its_words(analysis):
    link = "http://example.test/?experiment=1"
    default = text_nodes(report.html_report(analysis, link=link))
    english = text_nodes(report.html_report(analysis, link=link, lang="en"))
    strip = re.compile(r"report made .* UTC")  # the minute the report was made
    assert [strip.sub("", n) for n in default] == [strip.sub("", n) for n in english]
    for text in (
        "Decisions", "Which lever pays best?", "Verdict rules", "Charts", "Effects",
        "Settings", "Method notes", "Glossary", "Live view:", "Made with Loyalty Lab.",
        report.LEVER_CAPTION, report.FOREST_CAPTION, *report.METHOD_NOTES, *decision.RULES,
    ):  # fmt: skip
        assert text in "\n".join(english), text
    for d in decision.decide(analysis):
        assert d.headline in english and d.label in d.headline


def test_english_decision_sentences_are_todays(analysis):
    """The catalogue holds the English; it reads as the cards always did."""
    assert decision.VERDICT_LABELS == {
        "ship": "ship",
        "stop": "stop",
        "inconclusive": "inconclusive",
        "keep_running": "keep running",
    }
    assert decision.BLOCKED_LABEL == "check the data"
    assert decision.RULES[-1] == (
        "Sample-ratio mismatch, pre-period imbalance or impossible dates hold every verdict "
        "(check the data) until explained."
    )
    rule = decision.DecisionRule(horizon_days=60, guardrails=("orders",), guardrail_margin_pct=2)
    assert rule.describe() == (
        "95% confidence, Holm correction across levers, net value per customer over 60 days; "
        "guardrails orders within 2% of control"
    )
    headline = decision.decide(analysis)[0].headline
    assert re.fullmatch(
        r".+: [+-]\d+\.\d\u00a0pp repeat purchase \(95% CI [+-]\d+\.\d\u00a0pp to "
        r"[+-]\d+\.\d\u00a0pp\), [+-]RUB\u00a0[\d,]+ net value per customer after its cost; "
        r"\w[\w ]*",
        headline,
    ), headline


def test_russian_decisions_use_the_formatter_and_keep_the_json_neutral(analysis):
    fmt = Formatter("ru", "RUB")
    english, russian = decision.decide(analysis), decision.decide(analysis, lang="ru")
    for en, ru in zip(english, russian, strict=True):
        assert (ru.arm, ru.verdict, ru.net_value) == (en.arm, en.verdict, en.net_value)
        assert ru.label_in("ru") == t(f"verdict.{ru.verdict}", "ru")
        assert ru.headline.endswith("; " + ru.label_in("ru"))
        assert fmt.money(ru.net_value.diff, signed=True, digits=0) in ru.headline
        assert fmt.points(ru.primary.diff) in ru.headline
        json_en, json_ru = en.as_json(), ru.as_json()
        assert set(json_en) == set(json_ru)
        for key in ("verdict", "label", "net_value_interval", "probability_best", "rule"):
            assert json_ru[key] == json_en[key], key
    assert not any("RUB" in r or " pp" in r for d in russian for r in [d.headline, *d.reasons])


def test_the_formatters_strings_appear_in_the_russian_report(analysis):
    fmt = Formatter("ru", "RUB")
    page = report.html_report(analysis, lang="ru")
    decisions = decision.decide(analysis, lang="ru")
    for d in decisions:
        assert html.escape(fmt.money(d.net_value.diff, signed=True, digits=0)) in page
        assert html.escape(fmt.money(d.lever_cost, digits=0)) in page  # the lever table
        if d.probability_best is not None:
            assert html.escape(fmt.percent(d.probability_best, 0)) in page
    first = dt.date.fromisoformat(str(analysis.first_ts)[:10])
    assert html.escape(fmt.date(first)) in page  # 'данные с 1 ноября 2024 г.'
    assert "\u202fг." in fmt.date(first)
    assert fmt.percent(analysis.margin_rate, 0) + " (по умолчанию)" in page  # '35 %'
    assert fmt.money(1234567.89, signed=True) == "+1\u00a0234\u00a0567,89\u00a0₽"


def test_a_euro_report_writes_euros(analysis):
    page = report.html_report(analysis, lang="ru", currency="EUR")
    assert "\u00a0€" in page and "\u00a0₽" not in page
    assert "<td>EUR</td>" in page


def test_phone_layout_viewport_wrapping_and_the_verdict_column(analysis):
    page = report.html_report(analysis, lang="ru")
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page
    assert "overflow-wrap:anywhere" in page
    verdict = html.escape(t("report.col.verdict", "ru"))
    for d in decision.decide(analysis, lang="ru"):
        assert f"<td data-label='{verdict}' class='verdict'>{d.label_in('ru')}</td>" in page
    for fig, _ in report.report_figures(analysis):
        drawn = report.phone_layout(fig)
        assert drawn.layout.width is None and drawn.layout.autosize
        assert drawn.layout.legend.orientation == "h" and drawn.layout.legend.y < 0
        for line in (drawn.layout.title.text or "").split("<br>"):
            assert len(line) <= 40, line
    forest = [f for f, _ in report.report_figures(analysis) if "xaxis2" in f.layout]
    assert forest == []  # one chart per metric: no side-by-side panels to overlap on a phone


def test_report_without_a_base_url_says_so(analysis):
    page = report.html_report(analysis, lang="ru")
    assert f"<p class='live caption'>{html.escape(t('report.no_base_url', 'ru'))}</p>" in page
    assert "<p class='live'>" not in page  # no link


def test_configured_base_url_explicit_then_secrets_then_environment(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setenv(report.BASE_URL_ENV, "http://env.example:8501/")
    assert report.configured_base_url(None, secrets) == "http://env.example:8501"
    secrets.write_text('[share]\nbase_url = "https://lab.example.ru/"\n')
    assert report.configured_base_url(None, secrets) == "https://lab.example.ru"
    assert report.configured_base_url("http://cli.example/", secrets) == "http://cli.example"
    monkeypatch.delenv(report.BASE_URL_ENV)
    secrets.write_text("[share]\nsecret = 'x'\n")
    assert report.configured_base_url(None, secrets) is None
    assert report.live_view_link(None, 1, "ru") is None
    assert report.live_view_link("https://lab.example.ru", 7, "ru") == (
        "https://lab.example.ru/?experiment=7&view=report&lang=ru"
    )


def test_cli_report_in_russian_with_a_base_url_and_a_currency(demo_path, tmp_path):
    out = tmp_path / "ru.html"
    cli = [sys.executable, "-m", "experiments", "--db", str(demo_path), "report", "1"]
    env = {k: v for k, v in os.environ.items() if k != report.BASE_URL_ENV}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])  # run from another folder
    done = subprocess.run(
        [*cli, "--out", str(out), "--lang", "ru", "--base-url", "https://lab.example.ru/"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    link = "https://lab.example.ru/?experiment=1&amp;view=report&amp;lang=ru&amp;horizon=60"
    assert f"<a href='{link}" in page  # then the report's other settings (cap, cuped, ...)
    assert "<html lang='ru'>" in page and t("report.decisions", "ru") in page
    plain = subprocess.run(
        [*cli, "--out", str(out), "--currency", "eur", "--horizon", "30"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .streamlit/secrets.toml here
        env=env,
    )
    assert plain.returncode == 0, plain.stderr
    page = out.read_text(encoding="utf-8")
    assert html.escape(t("report.no_base_url", "en")) in page and "EUR" in page
    assert "Exploratory view: horizon 30 days" in page
    bad = subprocess.run(
        [*cli, "--out", str(out), "--currency", "roubles"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "ISO 4217" in bad.stderr


@pytest.mark.parametrize("money", [True, False])
def test_russian_report_of_a_campaign_result_file_has_no_english(tmp_path, capsys, money):
    """A result file attached to the demo's levers: net value after their costs (a money
    column) or a purchase flag that cannot judge money; both cards in Russian."""
    from experiments import __main__ as cli
    from experiments import config
    from tests.test_results_with_costs import ARMS, _result_file

    db = tmp_path / "store.duckdb"
    store = Store(db)
    demo.seed_demo(store, customers=2000, seed=7, replace=True)
    store.close()
    path = tmp_path / "campaign.csv"
    _result_file(path, money=money)
    load = ["--db", str(db), "load", "results", str(path)]
    load += ["--experiment", config.DEMO_EXPERIMENT_NAME, "--map", "group=arm"]
    assert cli.main(load) == 0
    out = tmp_path / "ru.html"
    assert cli.main(["--db", str(db), "report", "1", "--out", str(out), "--lang", "ru"]) == 0
    capsys.readouterr()
    page = out.read_text(encoding="utf-8")
    names = {config.DEMO_EXPERIMENT_NAME, *ARMS, "spend", "purchase", "net_value", "group"}
    assert english_words(page, names) == []
    assert t("report.setting.deciding_metric", "ru") in page
    if not money:  # a rate cannot show that a lever pays: said in Russian
        assert "в файле нет столбца денег" in page


def test_no_doubled_full_stop_after_an_abbreviation(analysis):
    """The rule's description ends in 'дн.' ('за 60 дн.'): the sentence around it adds no
    second full stop."""
    page = report.html_report(analysis, lang="ru")
    assert not [node for node in text_nodes(page) if ".." in node]


def test_the_live_view_link_carries_the_reports_settings(analysis):
    """A report at 30 days, capped, opened from its link, shows the same numbers: the link
    carries the settings, which the page's one parser reads back."""
    from dataclasses import replace
    from urllib.parse import parse_qs, urlsplit

    settings = replace(analysis.settings, horizon_days=30, cap=True, correction="bh")
    link = report.live_view_link("http://10.0.0.5:8501/", 1, "ru", settings)
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["horizon"] == "30" and query["cap"] == "on" and query["lang"] == "ru"
    back = metrics.settings_from_options(
        **{k: query[k] for k in ("horizon", "cap", "cuped", "correction", "confidence")}
    )
    assert (back.horizon_days, back.cap, back.use_covariate, back.correction) == (
        30,
        True,
        settings.use_covariate,
        "bh",
    )
    assert back.confidence == pytest.approx(settings.confidence)


def test_the_survival_inputs_come_in_a_stable_order(analysis):
    """`analyze --json` is the same text on every run: the follow-up histogram (a GROUP BY's
    output, in any order with parallel threads) is sorted by arm, day and event."""
    rows = analysis.as_json()["survival"]["inputs"]
    keys = [(r["arm_id"], r["duration_days"], r["event"]) for r in rows]
    assert keys == sorted(keys) and len(keys) > 10


@pytest.mark.parametrize(
    ("currency", "en", "ru"),
    [("RUB", "in roubles", "в рублях"), ("EUR", "in EUR", "в EUR"), ("KZT", "in KZT", "в KZT")],
)
def test_the_money_estimand_names_the_stores_currency(currency, en, ru):
    """#12: 'roubles' only for a rouble store, in the report, the pages and the JSON label."""
    assert report.estimand_label(False, lang="en", currency=currency).endswith(en)
    assert report.estimand_label(False, lang="ru", currency=currency).endswith(ru)
    assert stats.money_estimand_label(False, currency=currency).endswith(en)
    capped = report.estimand_label(True, 99, "en", currency)
    assert capped == stats.money_estimand_label(True, 99, currency)  # one wording
    assert ("roubles" in capped) == (currency == "RUB")
