"""A module as it was at an older commit, read from git: the baseline a bench measures against
in the same run (no frozen copy in the tree)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_at(commit: str, path: str, name: str) -> types.ModuleType:
    """`path` (e.g. experiments/store/metrics_sql.py) at `commit`, imported as module `name`.

    Its own imports resolve against today's tree, so the baseline must still import cleanly.
    """
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses resolve their module by name
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)
    return module
