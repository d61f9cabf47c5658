"""Experiment design: one module per room, the public names re-exported here.

Pure Python (numpy, scipy, statsmodels) over the SQL in `experiments.store.design_sql`:

- `arms`: arm kinds, allocation weights and what each arm costs (`ArmSpec`);
- `audience`: who is eligible (`AudienceFilter`, the RFM segments);
- `spec`: the whole design before it starts (`ExperimentSpec`), metrics and verdict rule;
- `planner`: power and minimum detectable effect (`plan`);
- `randomize`: salted hash units, stratified assignment, personal codes, the preview;
- `balance`: standardized mean differences and the A/A check;
- `export`: the CRM list as CSV / XLSX;
- `intake`: lists randomized elsewhere (reading and registering a customer -> arm file);
- `lifecycle`: draft -> running -> completed, and the writes each step makes.

The names load on first use (PEP 562): a caller of one room (the analysis reads the RFM
segments) does not pay for the others (scipy.stats, statsmodels: about 1.5 s of start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from experiments.design.arms import (  # noqa: F401
        ARM_KINDS,
        ArmKind,
        ArmSpec,
        DesignError,
    )
    from experiments.design.audience import (  # noqa: F401
        RFM_SEGMENTS,
        AudienceFilter,
    )
    from experiments.design.balance import (  # noqa: F401
        AA_ALPHA,
        BALANCE_COVARIATES,
        SMD_WARNING,
        BalanceCheck,
        anova_p_value,
        balance_check,
        balance_stats,
        covariate_stats,
        smd,
        welch_p_value,
    )
    from experiments.design.export import (  # noqa: F401
        COST_FIELDS,
        EXPORT_COLUMNS,
        assignments_csv,
        assignments_xlsx,
        escape_cell,
        escape_cells,
        export_file_name,
        export_frame,
    )
    from experiments.design.intake import (  # noqa: F401
        KIND_WORDS,
        AssignmentList,
        create_from_assignment_file,
        parse_assignment_list,
        read_assignment_file,
    )
    from experiments.design.lifecycle import (  # noqa: F401
        Action,
        Status,
        complete_experiment,
        costs_editable,
        next_status,
        refusal,
        save_experiment,
        start_experiment,
        update_arm_costs,
        update_arms,
    )
    from experiments.design.planner import (  # noqa: F401
        Plan,
        PlannerInputs,
        PlanStatus,
        detectable_lift_pp,
        detectable_value,
        multiplicity_alpha,
        plan,
        power_curve,
        required_n_repeat,
        required_n_value,
        split_counts,
        variance_factor,
    )
    from experiments.design.randomize import (  # noqa: F401
        SPEND_TIER_LABELS,
        SPEND_TIERS,
        UNIT_HEX_DIGITS,
        UNIT_SCALE,
        AssignmentPreview,
        assign_arms,
        hash_units,
        personal_codes,
        preview_assignment,
    )
    from experiments.design.spec import (  # noqa: F401
        CORRECTIONS,
        GUARDRAIL_METRICS,
        GUARDRAILS,
        PRIMARY_METRICS,
        SECONDARY_METRICS,
        STRATIFICATIONS,
        ExperimentSpec,
        PrimaryMetric,
        Stratification,
        check_spec,
        new_salt,
    )

# public name -> the room (submodule) that defines it
_ROOMS: dict[str, str] = {
    "ARM_KINDS": "arms",
    "ArmKind": "arms",
    "ArmSpec": "arms",
    "DesignError": "arms",
    "RFM_SEGMENTS": "audience",
    "AudienceFilter": "audience",
    "AA_ALPHA": "balance",
    "BALANCE_COVARIATES": "balance",
    "SMD_WARNING": "balance",
    "BalanceCheck": "balance",
    "anova_p_value": "balance",
    "balance_check": "balance",
    "balance_stats": "balance",
    "covariate_stats": "balance",
    "smd": "balance",
    "welch_p_value": "balance",
    "COST_FIELDS": "export",
    "EXPORT_COLUMNS": "export",
    "assignments_csv": "export",
    "assignments_xlsx": "export",
    "escape_cell": "export",
    "escape_cells": "export",
    "export_file_name": "export",
    "export_frame": "export",
    "KIND_WORDS": "intake",
    "AssignmentList": "intake",
    "create_from_assignment_file": "intake",
    "parse_assignment_list": "intake",
    "read_assignment_file": "intake",
    "Action": "lifecycle",
    "Status": "lifecycle",
    "complete_experiment": "lifecycle",
    "costs_editable": "lifecycle",
    "next_status": "lifecycle",
    "refusal": "lifecycle",
    "save_experiment": "lifecycle",
    "start_experiment": "lifecycle",
    "update_arm_costs": "lifecycle",
    "update_arms": "lifecycle",
    "Plan": "planner",
    "PlannerInputs": "planner",
    "PlanStatus": "planner",
    "detectable_lift_pp": "planner",
    "detectable_value": "planner",
    "multiplicity_alpha": "planner",
    "plan": "planner",
    "power_curve": "planner",
    "required_n_repeat": "planner",
    "required_n_value": "planner",
    "split_counts": "planner",
    "variance_factor": "planner",
    "SPEND_TIER_LABELS": "randomize",
    "SPEND_TIERS": "randomize",
    "UNIT_HEX_DIGITS": "randomize",
    "UNIT_SCALE": "randomize",
    "AssignmentPreview": "randomize",
    "assign_arms": "randomize",
    "hash_units": "randomize",
    "personal_codes": "randomize",
    "preview_assignment": "randomize",
    "CORRECTIONS": "spec",
    "GUARDRAIL_METRICS": "spec",
    "GUARDRAILS": "spec",
    "PRIMARY_METRICS": "spec",
    "SECONDARY_METRICS": "spec",
    "STRATIFICATIONS": "spec",
    "ExperimentSpec": "spec",
    "PrimaryMetric": "spec",
    "Stratification": "spec",
    "check_spec": "spec",
    "new_salt": "spec",
}
__all__ = list(_ROOMS)


def __getattr__(name: str) -> Any:
    """Import the room that defines `name` on first use, and keep the name here."""
    room = _ROOMS.get(name)
    if room is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{room}"), name)
    globals()[name] = value
    return value
