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
