"""The domain package never imports the UI: experiments/ must run without Streamlit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "experiments"


def test_no_module_in_experiments_imports_streamlit():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert offenders == []


def test_importing_every_module_does_not_load_streamlit():
    modules = sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        for p in PACKAGE.rglob("*.py")
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


# -- the store does SQL only (#15) ---------------------------------------------------------------
STORE = PACKAGE / "store"
# What a store module may import from the rest of `experiments` (any import statement, at module
# level or inside a function): configuration, and the typed values its queries take or return.
# Everything else (validation, lifecycle rules, file reading, statistics, the experiment record)
# is domain logic, which calls the store - never the other way round.
STORE_MAY_IMPORT: dict[str, set[str] | None] = {
    "experiments.config": None,  # None: any name
    "experiments.catalogue": None,  # the metric declarations the query builders render
    "experiments.design.arms": {"ArmSpec"},  # the arms a write inserts
    "experiments.design.spec": {"ExperimentSpec"},  # the design a write inserts
    "experiments.design.audience": {"AudienceFilter", "RFM_SEGMENTS"},  # bound as parameters
    "experiments.design.planner": {"PlannerInputs"},  # what planner_inputs returns
    "experiments.stats": {"CovariateMoments", "CapRule", "SampleStats"},  # typed stats, cap rule
    "experiments.progress": {"Progress"},  # the progress callback type of a long load
    "experiments.sources": {"Source", "SOURCE_COLUMNS", "OPTIONAL_COLUMNS"},  # where the data is
}
# Known exceptions, each to go when its file is split (not typed values: named so none is added
# silently): filestats reads an uploaded XLSX with the streaming reader while it scans the file.
# uploads reads the one home of control names and yes/no/totals words (experiments.labels) while
# it inserts a result file's arms; that choice moves to ingest.results when uploads.py is split.
STORE_EXCEPTIONS = {("filestats.py", "experiments.sheet"), ("uploads.py", "experiments.labels")}


def _imports(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """(module, name or None for `import module`, line) of every import in the tree."""
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


def test_store_modules_import_only_config_and_typed_values_from_the_domain():
    offenders = []
    for path in sorted(STORE.glob("*.py")):
        for module, name, line in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if module.split(".")[0] != "experiments" or module.startswith("experiments.store"):
                continue
            if module == "experiments" and name is not None:  # from experiments import x
                module, name = f"experiments.{name}", None
            if (path.name, module) in STORE_EXCEPTIONS:
                continue
            allowed = STORE_MAY_IMPORT.get(module, set())
            if allowed is not None and (name is None or name not in allowed):
                offenders.append(f"{path.name}:{line} {module}.{name or '*'}")
    assert offenders == []


def test_what_the_store_may_import_is_only_typed_values():
    """The allow-list holds frozen dataclasses, NamedTuples, type aliases and constant tuples."""
    import dataclasses
    import importlib

    for module, names in STORE_MAY_IMPORT.items():
        for name in names or ():
            value = getattr(importlib.import_module(module), name)
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                assert value.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
            elif isinstance(value, type):
                assert issubclass(value, tuple) and hasattr(value, "_fields"), name
            else:
                assert isinstance(value, tuple) or callable(value) or hasattr(value, "__args__")


def test_one_record_no_second_shape():
    """The experiment has one typed home: the shapes it replaced are gone for good."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("class StoredExperiment", "def list_experiments", "def find_experiment",
                       "def load_experiment", "def experiment_settings", "class ArmCost",
                       "class ResultArm", "def arm_costs", "def result_arms"):  # fmt: skip
            if needle in text:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}: {needle}")
    assert offenders == []


def test_the_store_and_the_design_import_in_either_order():
    """The store imports typed values from experiments.design, whose lifecycle calls the store:
    each must import first in a fresh interpreter (a cycle broke `import experiments.metrics`)."""
    first = ("experiments.metrics", "experiments.store.metrics_sql", "experiments.store.design_sql",
             "experiments.design", "experiments.experiment")  # fmt: skip
    for module in first:
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=PACKAGE.parent)
