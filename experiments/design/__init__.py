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
"""

from __future__ import annotations

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
