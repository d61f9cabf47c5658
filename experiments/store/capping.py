"""`stats.CapRule` as SQL: the one rendering of the capping thresholds and of their application.

Used by the analysis query (`metrics_sql`) and by the result files (`filestats`), so that the
numpy rule (`stats.cap_thresholds`) and both queries cannot drift apart.
"""

from __future__ import annotations

from experiments.stats import CapRule

__all__ = ["capped", "thresholds"]


def thresholds(value: str, rule: CapRule, params: dict[str, object]) -> tuple[str, str]:
    """SQL aggregates (lower, upper) of the rule's thresholds of `value` (whitelisted SQL);
    binds $cap_upper_q and $cap_lower_q in `params`. NULL when there is no negative (lower) or
    no positive (upper) value; NULLs, NaN and infinities are ignored (as numpy's rule does)."""
    params["cap_upper_q"] = float(rule.upper_quantile)
    params["cap_lower_q"] = float(rule.lower_quantile)
    return (
        f"quantile_cont({value}, $cap_lower_q) FILTER (WHERE {value} < 0 AND isfinite({value}))",
        f"quantile_cont({value}, $cap_upper_q) FILTER (WHERE {value} > 0 AND isfinite({value}))",
    )


def capped(value: str, lower: str, upper: str) -> str:
    """`value` clipped to [lower, upper], a NULL threshold leaving that side open (numpy's
    `clip` with None). Not coalesce(upper, value): with no upper cap that undid the lower one."""
    return (
        f"least(greatest({value}, coalesce({lower}, '-inf'::DOUBLE)),"
        f" coalesce({upper}, 'inf'::DOUBLE))"
    )
