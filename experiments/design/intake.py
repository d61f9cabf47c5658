"""Lists randomized elsewhere: a customer -> arm file read into arms and customers."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import config, labels
from experiments.design.arms import ARM_KINDS, ArmKind, ArmSpec
from experiments.design.export import COST_FIELDS
from experiments.design.spec import ExperimentSpec, PrimaryMetric, check_spec
from experiments.escape import quoted
from experiments.i18n.text import Text, joined
from experiments.store import Store, StoreError

KIND_WORDS: dict[str, str] = {  # arm_kind cells in Russian and English -> ArmKind
    **{kind: kind for kind in ARM_KINDS},
    "контроль": "control",
    "скидка": "discount",
    "подарок": "gift",
    "gift card": "gift",
    "звонок": "outreach",
    "обзвон": "outreach",
    "call": "outreach",
    "другое": "custom",
}


@dataclass(frozen=True)
class AssignmentList:
    """A customer -> arm list from a file, read and checked before it is registered.

    Attributes:
        customers: one row per customer: customer_id, arm, code (code may be missing).
        arms: the arms, control first: kind and cost from the file's columns or the choices
            given, allocation = the arm's observed share of the list.
        problems: what to fix before it can be registered; empty when it can.
    """

    customers: pd.DataFrame
    arms: tuple[ArmSpec, ...]
    problems: tuple[str, ...] = ()


def _cell_number(value: object) -> float | None:
    """'1 673,04', '10%', '15' -> a float; blank -> None; raises ValueError for text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lstrip("'").rstrip("%").strip()
    if not text:
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    return float(text)


def parse_assignment_list(
    raw: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    control_arm: str | None = None,
    arms: Mapping[str, ArmSpec] | None = None,
    rows_shown: int = config.PROBLEM_ROWS_SHOWN,
) -> AssignmentList:
    """Check a customer -> arm list and work out its arms, with kinds and costs.

    Args:
        raw: the file as text cells (`ingest.read_table`).
        mapping: {file column: field} (customer_id, arm, arm_kind, code and the cost fields
            of `COST_FIELDS`); the Design page's form or the CLI's --map over the guesses.
        control_arm: the arm that is the control; else the arm whose kind is control, else the
            arm whose label names the control (`labels.control_label`: control, контроль,
            holdout, ...).
        arms: per arm name, the kind and cost the marketer chose; they override the file.
        rows_shown: row numbers listed in a problem.
    """
    column = {target: source for source, target in mapping.items()}
    problems: list[str] = []
    empty = pd.DataFrame({"customer_id": [], "arm": [], "code": []}, dtype="string")
    if "customer_id" not in column or "arm" not in column:
        return AssignmentList(
            empty,
            (),
            (
                Text(
                    "design.intake.columns",
                    columns=", ".join(map(str, raw.columns)) or Text("design.intake.no_columns"),
                ),
            ),
        )

    def text(field_name: str) -> pd.Series:
        if field_name not in column:
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        values = raw[column[field_name]].astype("string").str.strip()
        # undo `escape_cell`: the export wrote '+7916... for a customer id +7916...
        values = values.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
        return values.mask(values == "")

    frame = pd.DataFrame(
        {
            "customer_id": text("customer_id"),
            "arm": text("arm"),
            "kind": text("arm_kind").str.lower(),
            "code": text("code"),
        }
    )
    missing = frame["customer_id"].isna() | frame["arm"].isna()
    if missing.any():
        shown = (np.flatnonzero(missing.to_numpy()) + 2)[:rows_shown]
        problems.append(
            Text(
                "design.intake.missing",
                number=int(missing.sum()),
                rows=", ".join(map(str, shown)),
            )
        )
    costs = {name: text(name) for names in COST_FIELDS.values() for name in names}
    frame = frame[~missing]
    doubled = frame.drop_duplicates(["customer_id", "arm"])["customer_id"].duplicated(keep=False)
    unique = frame.drop_duplicates(["customer_id", "arm"])
    if doubled.any():
        examples = ", ".join(unique.loc[doubled, "customer_id"].unique()[:5])
        problems.append(
            Text(
                "design.intake.two_arms",
                number=unique.loc[doubled, "customer_id"].nunique(),
                examples=examples,
            )
        )
    chosen = dict(arms or {})
    arm_names = sorted(unique["arm"].unique())
    specs: dict[str, ArmSpec] = {}
    for arm in arm_names:
        rows = frame.index[frame["arm"] == arm]
        given = [KIND_WORDS.get(k, k) for k in frame.loc[rows, "kind"].dropna().unique()]
        if len(set(given)) > 1:
            problems.append(Text("design.intake.kinds", arm=arm, kinds=", ".join(given)))
        kind = given[0] if given else "custom"
        if kind not in ARM_KINDS:
            problems.append(
                Text("design.intake.bad_kind", arm=arm, kind=kind, kinds=", ".join(ARM_KINDS))
            )
            kind = "custom"
        values: dict[str, float] = {}
        for name in COST_FIELDS.get(kind, ()):
            cells = costs[name].loc[rows].dropna().unique()
            try:
                numbers = sorted({n for n in (_cell_number(c) for c in cells) if n is not None})
            except ValueError:
                problems.append(
                    Text("design.intake.not_number", arm=arm, field=name, example=quoted(cells[0]))
                )
                continue
            if len(numbers) > 1:
                problems.append(
                    Text("design.intake.many_values", arm=arm, field=name, values=str(numbers[:3]))
                )
            elif numbers:
                values[name] = numbers[0]
        specs[arm] = ArmSpec(name=arm, kind=kind, **values)  # type: ignore[arg-type]
        if arm not in chosen:  # the marketer's costs are checked by the form itself
            problems.extend(_file_cost_problems(specs[arm], values))
    if control_arm is not None:
        if control_arm not in specs:
            problems.append(Text("design.intake.no_control", arm=control_arm))
        for arm, spec in specs.items():
            if arm == control_arm:
                specs[arm] = _with_kind(spec, "control")
            elif spec.kind == "control":
                specs[arm] = _with_kind(spec, "custom")
    elif not any(s.kind == "control" for s in specs.values()) and not any(
        c.kind == "control" for c in chosen.values()
    ):
        control = labels.control_label(specs)  # the one home of control-group names
        if control is not None:
            specs[control] = _with_kind(specs[control], "control")
    counts = unique["arm"].value_counts()
    total = max(len(unique), 1)
    result = []
    for arm, spec in specs.items():
        picked = chosen.get(arm)
        if picked is not None:  # the marketer's kind and cost win over the file's
            spec = _replace_arm(picked, name=arm, allocation=1.0)
        result.append(_replace_arm(spec, allocation=float(counts.get(arm, 0)) / total))
    result.sort(key=lambda a: (a.kind != "control", a.name))
    customers = unique[["customer_id", "arm", "code"]].reset_index(drop=True)
    return AssignmentList(customers, tuple(result), tuple(problems))


def _file_cost_problems(arm: ArmSpec, given: Mapping[str, float]) -> list[str]:
    """The design form's checks (`ArmSpec.problems`, the same messages) of the costs a file
    gives: a negative gift cost or a redemption share above 1 was taken as it was, and the
    page's cost inputs, which start from it, cannot show a value below their minimum. A
    discount without its percent is left to the form (it starts from the default)."""
    checked = {
        "design.problem.arm_negative",
        "design.problem.arm_too_large",
        "design.problem.arm_redemption",
    }
    if "discount_pct" in given:
        checked.add("design.problem.arm_discount")
    return [p for p in arm.problems() if getattr(p, "key", None) in checked]


def _with_kind(arm: ArmSpec, kind: ArmKind) -> ArmSpec:
    return _replace_arm(arm, kind=kind)


def _replace_arm(arm: ArmSpec, **changes: object) -> ArmSpec:
    from dataclasses import replace

    return replace(arm, **changes)  # type: ignore[arg-type]


# -- reading and registering the file -----------------------------------------------------------
def read_assignment_file(
    path: str | Path,
    mapping: dict[str, str] | None = None,
    *,
    control_arm: str | None = None,
    arms: dict[str, ArmSpec] | None = None,
    file_name: str | None = None,
) -> AssignmentList:
    """Read a customer -> arm list the way the Data page reads files (encoding, delimiter,
    decimal mark, Russian and English header guesses), with `mapping` over the guesses."""
    from experiments import ingest

    path = Path(path)
    raw, _, problems = ingest.read_table(path, file_name or path.name)
    empty = pd.DataFrame({"customer_id": [], "arm": [], "code": []}, dtype="string")
    if raw is None:
        return AssignmentList(empty, (), tuple(p.message for p in problems))
    columns = [str(c) for c in raw.columns]
    explicit = {k: v for k, v in (mapping or {}).items() if v and v != ingest.IGNORE}
    fields = {f.name for f in ingest.FIELDS["assignments"]}
    bad: list[str] = [
        f"The file has no column {quoted(source)}; its columns are: {', '.join(columns)}."
        for source in explicit
        if source not in columns
    ]
    bad += [
        f"Unknown field {quoted(target)}; fields are: {', '.join(sorted(fields))}."
        for target in explicit.values()
        if target not in fields
    ]
    if bad:
        return AssignmentList(empty, (), tuple(bad))
    chosen = dict(explicit)
    skipped = {k for k, v in (mapping or {}).items() if v == ingest.IGNORE}
    for source, target in ingest.guess_mapping("assignments", columns).items():
        if source not in chosen and source not in skipped and target not in chosen.values():
            chosen[source] = target
    return parse_assignment_list(raw, chosen, control_arm=control_arm, arms=arms)


def create_from_assignment_file(
    store: Store,
    path: str | Path,
    *,
    name: str,
    hypothesis: str = "",
    primary_metric: PrimaryMetric = "repeat_purchase",
    horizon_days: int = config.DEFAULT_HORIZON_DAYS,
    started_at: datetime | None = None,
    control_arm: str | None = None,
    file_name: str | None = None,
    mapping: dict[str, str] | None = None,
    arms: dict[str, ArmSpec] | None = None,
    split: Mapping[str, float] | None = None,
) -> int:
    """A running experiment whose randomization happened elsewhere, from a customer -> arm file.

    The file (CSV in any encoding and delimiter the Data page reads, XLSX, Parquet) needs a
    customer id and an arm column, guessed from English and Russian headers or given in
    `mapping`; optional arm_kind, code and cost columns (the app's own export has them). The
    control arm is `control_arm`, else the arm whose kind is control, else the arm named
    "control" / "контроль". Arms get kind "custom" unless the file or `arms` (per arm name: the
    kind and cost chosen on the Design page or the command line) say otherwise. The allocation
    weights are the planned split, `split` (arm -> relative weight, `--split`) or else equal,
    never the list's own shares: the sample-ratio check compares those with the plan, and
    against themselves it would always pass. The upload is recorded in `uploads` (kind
    'assignments').

    Raises:
        StoreError: missing columns, empty ids, a customer in two arms, no single control,
            a discount without its percent, a split that does not fit the arms
            (`experiment.planned_split`), or the name is taken. Nothing is written then.
    """
    from experiments.store import design_sql  # the store imports this package's types

    path = Path(path)
    if not path.exists():
        raise StoreError(Text("ingest.file.missing", path=str(path)))
    parsed = read_assignment_file(
        path, mapping, control_arm=control_arm, arms=arms, file_name=file_name
    )
    if parsed.problems:
        raise StoreError(joined(parsed.problems))
    from experiments.experiment import planned_split

    shares, assumed = planned_split(split, [a.name for a in parsed.arms])
    planned = tuple(_replace_arm(a, allocation=shares[a.name]) for a in parsed.arms)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 23):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    spec = ExperimentSpec(
        name=name,
        arms=planned,
        hypothesis=hypothesis,
        primary_metric=primary_metric,
        horizon_days=horizon_days,
        salt=f"uploaded:{sha256[:16]}",
    )
    check_spec(spec)
    with store.transaction() as cur:
        if design_sql.name_taken(cur, name.strip()) is not None:
            raise StoreError(Text("design.intake.name_taken", name=name.strip()))
        return design_sql.insert_uploaded_experiment(
            cur,
            spec,
            parsed.customers,
            started_at=started_at or datetime.now().replace(microsecond=0),
            file_name=file_name or path.name,
            sha256=sha256,
            split_assumed_equal=assumed,
        )
