"""The command line starts without the heavy libraries: `--help` answers before they load."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "scipy", "duckdb", "statsmodels", "plotly", "numpy")


def test_help_imports_none_of_the_heavy_libraries():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['experiments', '--help']\n"
        "try:\n"
        "    runpy.run_module('experiments', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('loaded:', ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "usage:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "loaded:"  # none of them was imported


def test_the_store_and_the_analysis_import_neither_scipy_stats_nor_statsmodels():
    """The analysis path needs scipy.special only; scipy.stats and statsmodels cost ~1.5 s of
    every command's start-up (`python -m experiments clv|analyze ...`), and only planning and
    the A/A balance check use them."""
    code = (
        "import sys\n"
        "import experiments.metrics, experiments.store.design_sql, experiments.store.customers\n"
        "import experiments.clv\n"
        "from experiments.design import RFM_SEGMENTS, PlannerInputs\n"
        "heavy = ('scipy.stats', 'statsmodels')\n"
        "print('loaded:', ','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "loaded:"


def test_the_design_package_still_gives_every_name_of_its_rooms():
    """The lazy re-exports of experiments.design resolve, and an unknown name still fails."""
    import pytest

    import experiments.design as design
    from experiments.design import balance, planner

    assert design.balance_check is balance.balance_check
    assert design.plan is planner.plan
    for name in design.__all__:
        assert getattr(design, name) is not None
    with pytest.raises(AttributeError):
        _ = design.no_such_name
