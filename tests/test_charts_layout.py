"""The charts package: one module per page over a shared layout, every public name exported
from `experiments.charts` (so `charts.forest_figure` keeps working), and the shared pieces."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

from experiments import charts
from experiments.charts import layout

PACKAGE = Path(charts.__file__).resolve().parent
PAGE_MODULES = ("results", "design", "customers", "data")


def _chart_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    return {
        node.module.rsplit(".", 1)[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("experiments.charts")
    }


@pytest.mark.parametrize("module", PAGE_MODULES)
def test_a_page_module_shares_only_the_layout(module):
    assert _chart_imports(module) <= {"layout"}
    assert _chart_imports("layout") == set()


def _defined(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


def test_the_package_exports_every_public_figure_and_nothing_twice():
    defined: dict[str, str] = {}
    for module in (*PAGE_MODULES, "layout"):
        for name in _defined(module):
            assert name not in defined, f"{name} in {module} and {defined[name]}"
            defined[name] = module
    figures = {n for n, m in defined.items() if n.endswith("_figure") and m != "layout"}
    assert figures <= set(charts.__all__)
    for name in charts.__all__:
        assert getattr(charts, name) is getattr(
            importlib.import_module(f"experiments.charts.{defined[name]}"), name
        )


def test_empty_figure_is_a_message_without_axes():
    fig = layout.empty_figure("Nothing yet", "No purchases in the store.")
    assert fig.layout.title.text == "Nothing yet"
    assert [a.text for a in fig.layout.annotations] == ["No purchases in the store."]
    assert fig.layout.xaxis.visible is False and len(fig.data) == 0


def test_arm_palette_gives_each_arm_of_a_kind_its_own_shade():
    colors = layout.arm_palette(
        [("Control", "control"), ("10% off", "discount"), ("20% off", "discount"), ("X", None)]
    )
    assert colors["Control"] == layout.ARM_COLORS["control"]
    assert colors["10% off"] == layout.ARM_COLORS["discount"] != colors["20% off"]
    assert len(set(colors.values())) == 4


def test_value_bins_keep_everyone_and_open_the_last_bin():
    values = np.concatenate([np.arange(100.0), [10_000.0]])
    bins = layout.value_bins(values, bins=10)
    assert bins["customers"].sum() == len(values)
    assert bins["bin_start"].is_monotonic_increasing
