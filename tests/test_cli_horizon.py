"""A horizon of 0 or fewer days is refused with a message (exit code 2, no traceback) wherever
the command line takes one; it was silently replaced by the experiment's default."""

from __future__ import annotations

import pytest

from experiments import metrics
from experiments.__main__ import main as cli_main


@pytest.mark.parametrize("days", ["0", "-5", "99999999999"])
@pytest.mark.parametrize(
    "command",
    [
        ["analyze", "1"],
        ["report", "1", "--out", "r.html"],
        ["register", "list.csv", "--name", "x", "--sent-on", "2026-05-04"],
    ],
)
def test_a_horizon_below_one_day_is_refused_before_the_store_opens(tmp_path, capsys, command, days):
    db = tmp_path / "never.duckdb"
    code = cli_main(["--db", str(db), *command, "--horizon", days])
    out = capsys.readouterr()
    assert code == 2
    assert f"--horizon {days}" in out.err and "whole number of days above 0" in out.err
    assert "Traceback" not in out.err and out.out == ""
    assert not db.exists()  # refused before anything was opened or created


def test_the_refusal_is_in_the_runs_language(tmp_path, capsys):
    code = cli_main(["--lang", "ru", "--db", str(tmp_path / "x.duckdb"), "analyze", "1",
                     "--horizon", "0"])  # fmt: skip
    assert code == 2
    assert "целым числом дней больше 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    "value",
    [0, -5, "0", "-5", " -5 ", "x", "1.5", "5 days", True, 2.0, "²", "٣", "3661", 99999999999],
)
def test_parse_horizon_refuses_what_is_not_a_whole_number_of_days_above_0(value):
    with pytest.raises(metrics.InvalidHorizon) as refused:
        metrics.parse_horizon(value)
    assert refused.value.value == value


@pytest.mark.parametrize(("value", "days"), [(None, None), ("", None), (" ", None), (90, 90),
                                             ("90", 90), (" 7 ", 7), ("3660", 3660)])  # fmt: skip
def test_parse_horizon_reads_days_and_absence(value, days):
    assert metrics.parse_horizon(value) == days


def test_the_shared_settings_parser_refuses_a_bad_horizon():
    with pytest.raises(metrics.InvalidHorizon):
        metrics.settings_from_options(horizon="-5")
    assert metrics.settings_from_options(horizon="").horizon_days is None
